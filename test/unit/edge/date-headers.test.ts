// The dates of a file's headers are remembered by second: files served in turn must each get
// their own date, never the one formatted last.
import { expect } from 'chai';
import { rfc3339Seconds } from '../../../src/edge/headers.js';
import { rfc1123 } from '../../../src/files/http-date.js';

const A = Date.UTC(2024, 0, 2, 3, 4, 5, 678);
const B = Date.UTC(1999, 11, 31, 23, 59, 59, 1);

describe('the date headers of a file', () => {
  it('should give each mtime its own RFC 3339 second when two files alternate', () => {
    expect([A, B, A + 300, B].map(rfc3339Seconds)).to.deep.equal([
      '2024-01-02T03:04:05Z',
      '1999-12-31T23:59:59Z',
      '2024-01-02T03:04:05Z',
      '1999-12-31T23:59:59Z',
    ]);
  });

  it('should give each mtime its own HTTP date when two files alternate', () => {
    expect([A, B, A, B + 998].map(rfc1123)).to.deep.equal([
      'Tue, 02 Jan 2024 03:04:05 GMT',
      'Fri, 31 Dec 1999 23:59:59 GMT',
      'Tue, 02 Jan 2024 03:04:05 GMT',
      'Fri, 31 Dec 1999 23:59:59 GMT',
    ]);
  });
});
