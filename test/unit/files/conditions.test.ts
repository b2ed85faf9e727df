// The precondition rules of RFC 9110 §13.2.2 as the owner applies them, and the parsing and
// resolution of one byte range.
import { expect } from 'chai';
import { resolveRange } from '../../../src/files/byte-range.js';
import { evaluateConditions, type Conditions } from '../../../src/files/conditions.js';
import { PreconditionFailedError, RangeNotSatisfiableError } from '../../../src/files/errors.js';
import type { FileInfo } from '../../../src/files/ports.js';
import { parseRange } from '../../../src/edge/ranges.js';

const MTIME = Date.UTC(2024, 0, 2, 3, 4, 5, 600);
const file = {
  type: 'FILE_TYPE_FILE',
  etag: '"10-2"',
  mtime_ms: MTIME,
} as FileInfo;

function outcome(current: FileInfo | null, c: Conditions, read: boolean): string {
  try {
    return evaluateConditions(current, c, read);
  } catch (err) {
    if (err instanceof PreconditionFailedError) return '412';
    throw err;
  }
}

describe('conditions (RFC 9110 §13.2.2)', () => {
  const cases: [string, FileInfo | null, Conditions, boolean, string][] = [
    ['If-Match names the version', file, { ifMatch: ['"10-2"'] }, false, 'proceed'],
    ['If-Match names another version', file, { ifMatch: ['"10-1"'] }, false, '412'],
    ['If-Match is a weak tag of the version', file, { ifMatch: ['W/"10-2"'] }, false, '412'],
    ['If-Match: * and the file exists', file, { ifMatch: ['*'] }, false, 'proceed'],
    ['If-Match: * and there is no file', null, { ifMatch: ['*'] }, false, '412'],
    ['If-None-Match: * and the file exists (write)', file, { ifNoneMatch: ['*'] }, false, '412'],
    ['If-None-Match: * and there is no file', null, { ifNoneMatch: ['*'] }, false, 'proceed'],
    [
      'If-None-Match names the version (read)',
      file,
      { ifNoneMatch: ['"10-2"'] },
      true,
      'not-modified',
    ],
    [
      'If-None-Match weakly names the version (read)',
      file,
      { ifNoneMatch: ['W/"10-2"'] },
      true,
      'not-modified',
    ],
    [
      'If-None-Match names another version (read)',
      file,
      { ifNoneMatch: ['"9-9"'] },
      true,
      'proceed',
    ],
    [
      'If-Modified-Since is in the same second',
      file,
      { ifModifiedSince: MTIME - 600 },
      true,
      'not-modified',
    ],
    [
      'If-Modified-Since is a second earlier',
      file,
      { ifModifiedSince: MTIME - 1600 },
      true,
      'proceed',
    ],
    [
      'If-Modified-Since with If-None-Match not matching',
      file,
      { ifNoneMatch: ['"1-1"'], ifModifiedSince: MTIME },
      true,
      'proceed',
    ],
    ['If-Modified-Since on a write', file, { ifModifiedSince: MTIME }, false, 'proceed'],
    [
      'If-Unmodified-Since is earlier than the file',
      file,
      { ifUnmodifiedSince: MTIME - 5000 },
      false,
      '412',
    ],
    [
      'If-Unmodified-Since is the same second',
      file,
      { ifUnmodifiedSince: MTIME - 600 },
      false,
      'proceed',
    ],
    [
      'If-Unmodified-Since fails but If-Match holds',
      file,
      { ifMatch: ['"10-2"'], ifUnmodifiedSince: 0 },
      false,
      'proceed',
    ],
  ];
  for (const [when, current, c, read, expected] of cases) {
    it(`should answer ${expected} when ${when}`, () => {
      expect(outcome(current, c, read)).to.equal(expected);
    });
  }
});

describe('byte ranges', () => {
  const parsed: [string, ReturnType<typeof parseRange>][] = [
    ['bytes=0-99', { offset: 0, length: 100 }],
    ['bytes=100-', { offset: 100 }],
    ['bytes=-500', { offset: -500 }],
    ['bytes=5-4', undefined],
    ['bytes=-0', undefined],
    ['bytes=0-9,20-29', undefined],
    ['items=0-9', undefined],
    ['bytes=abc', undefined],
  ];
  for (const [header, expected] of parsed) {
    it(`should parse ${header} as ${JSON.stringify(expected)} when it is sent`, () => {
      expect(parseRange(header)).to.deep.equal(expected);
    });
  }

  it('should cut the end to the file when a range runs past it', () => {
    expect(resolveRange({ offset: 90, length: 50 }, 100)).to.deep.equal({ start: 90, end: 99 });
  });

  it('should serve the whole file when a suffix is longer than the file', () => {
    expect(resolveRange({ offset: -500 }, 100)).to.deep.equal({ start: 0, end: 99 });
  });

  it('should throw RangeNotSatisfiableError with the size when the start is at the end', () => {
    expect(() => resolveRange({ offset: 100 }, 100))
      .to.throw(RangeNotSatisfiableError)
      .with.property('size', 100);
  });

  it('should throw RangeNotSatisfiableError when a suffix asks for bytes of an empty file', () => {
    expect(() => resolveRange({ offset: -1 }, 0)).to.throw(RangeNotSatisfiableError);
  });
});
