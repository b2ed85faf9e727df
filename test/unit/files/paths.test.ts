import { expect } from 'chai';
import fc from 'fast-check';
import { posix } from 'node:path';
import {
  canonicalize,
  nameOf,
  parentOf,
  parseRawPath,
  MAX_PATH_BYTES,
} from '../../../src/files/paths.js';
import { InvalidPathError } from '../../../src/files/errors.js';

function rejects(raw: string): boolean {
  try {
    parseRawPath(raw);
    return false;
  } catch (err) {
    return err instanceof InvalidPathError;
  }
}

describe('paths', () => {
  it('should split paths into parent and name when given nested and top-level paths', () => {
    expect([parentOf('/a/b'), nameOf('/a/b')]).to.deep.equal(['/a', 'b']);
    expect([parentOf('/a'), nameOf('/a')]).to.deep.equal(['/', 'a']);
    expect([parentOf('/'), nameOf('/')]).to.deep.equal(['/', '']);
  });
  it('should collapse empty and dot segments when canonicalizing', () => {
    expect(parseRawPath('a//b/./c').path).to.equal('/a/b/c');
  });
  it('should resolve dot-dot inside the path when it stays under the root', () => {
    expect(parseRawPath('a/../b').path).to.equal('/b');
  });
  it('should reject dot-dot when it climbs above the root', () => {
    expect(rejects('a/../../etc/passwd')).to.equal(true);
  });
  it('should decode %2F as a separator when decoding segments', () => {
    expect(parseRawPath('a%2Fb').path).to.equal('/a/b');
  });
  it('should decode exactly once when a segment is double-encoded', () => {
    expect(parseRawPath('%252e%252e').path).to.equal('/%2e%2e');
  });
  it('should treat encoded dot-dot like a literal one when decoding', () => {
    expect(rejects('%2e%2e/x')).to.equal(true);
  });
  it('should report a trailing slash when the raw path ends with one', () => {
    expect(parseRawPath('dir/')).to.deep.equal({ path: '/dir', trailingSlash: true });
  });
  it('should give the root when the path is empty', () => {
    expect(parseRawPath('').path).to.equal('/');
  });
  for (const [name, raw] of [
    ['NUL', 'a%00b'],
    ['a newline', 'a%0Ab'],
    ['a backslash', 'a%5Cb'],
    ['a bidi override', 'a%E2%80%AEb'],
    ['a bidi isolate', 'a%E2%81%A6b'],
    ['DEL', 'a%7Fb'],
    ['an invalid escape', 'a%zzb'],
    ['invalid UTF-8', 'a%C3'],
    ['the reserved first segment', '.callfs/tmp/x'],
  ] as const) {
    it(`should reject the path when it contains ${name}`, () => {
      expect(rejects(raw)).to.equal(true);
    });
  }
  it('should allow a tab when it is inside a name', () => {
    expect(parseRawPath('a%09b').path).to.equal('/a\tb');
  });
  it('should allow .callfs when it is not the first segment', () => {
    expect(parseRawPath('x/.callfs').path).to.equal('/x/.callfs');
  });
  it('should reject a segment when it is longer than 255 bytes', () => {
    expect(rejects('a'.repeat(256))).to.equal(true);
  });
  it('should reject the path when it is longer than 4096 bytes', () => {
    expect(rejects(Array.from({ length: 40 }, () => 'b'.repeat(120)).join('/'))).to.equal(true);
  });
  it('should keep names unnormalized when they are Unicode', () => {
    expect(canonicalize('/caf\u0065\u0301').path).to.equal('/caf\u0065\u0301');
  });

  describe('properties', () => {
    const segment = fc.oneof(
      fc.constantFrom('.', '..', '', '.callfs', '%2e%2e', '%2F', '%00', '%5C', '..%2F..'),
      fc.string({ maxLength: 12 }),
      fc.string({ unit: 'grapheme', maxLength: 6 }),
    );
    const rawPath = fc.array(segment, { maxLength: 12 }).map((s) => s.join('/'));

    it('should never escape the root when any raw path is accepted', () => {
      fc.assert(
        fc.property(rawPath, (raw) => {
          let path: string;
          try {
            path = parseRawPath(raw).path;
          } catch (err) {
            return err instanceof InvalidPathError;
          }
          const joined = posix.join('/srv/root', path);
          return (
            (joined === '/srv/root' || joined.startsWith('/srv/root/')) &&
            posix.normalize(path) === path &&
            !path.split('/').includes('..') &&
            Buffer.byteLength(path) <= MAX_PATH_BYTES
          );
        }),
        { numRuns: 3000 },
      );
    });
    it('should be idempotent when a canonical path is canonicalized again', () => {
      fc.assert(
        fc.property(rawPath, (raw) => {
          let path: string;
          try {
            path = parseRawPath(raw).path;
          } catch {
            return true;
          }
          return canonicalize(path).path === path;
        }),
        { numRuns: 2000 },
      );
    });
    it('should only throw InvalidPathError when given arbitrary strings', () => {
      fc.assert(
        fc.property(fc.string({ unit: 'binary', maxLength: 64 }), (raw) => {
          try {
            parseRawPath(raw);
            canonicalize(raw);
            return true;
          } catch (err) {
            return err instanceof InvalidPathError;
          }
        }),
        { numRuns: 2000 },
      );
    });
  });
});
