// Reading a small body whole, as the HTTP edge and the peer Read do for bodies up to 64 KiB:
// every byte in one buffer, too many bytes refused, too few returned for the caller to refuse.
import { Readable } from 'node:stream';
import { expect } from 'chai';
import { InternalError } from '../../../src/files/errors.js';
import { readSmallBody, wholeBody, wholeBytesOf } from '../../../src/files/whole-body.js';
import { rejection, sha256 } from '../../support/checks.js';

function chunked(data: Buffer, size: number): Readable {
  const parts: Buffer[] = [];
  for (let at = 0; at < data.length; at += size) parts.push(data.subarray(at, at + size));
  return Readable.from(parts, { objectMode: false });
}

describe('readSmallBody', function () {
  it('should return every byte in order and destroy the body when it has its announced size', async function () {
    const data = Buffer.from('0123456789abcdef'.repeat(4000));
    const body = chunked(data, 1000);
    const bytes = await readSmallBody(body, data.length);
    expect(bytes.length).to.equal(data.length);
    expect(sha256(bytes)).to.equal(sha256(data));
    expect(body.destroyed).to.equal(true);
  });

  it('should return the chunk itself, not a copy, when the body is one chunk', async function () {
    const data = Buffer.from('one chunk');
    const bytes = await readSmallBody(Readable.from([data], { objectMode: false }), data.length);
    expect(bytes).to.equal(data);
  });

  it('should return an empty buffer when the body is empty', async function () {
    const bytes = await readSmallBody(Readable.from([], { objectMode: false }), 0);
    expect(bytes.length).to.equal(0);
  });

  it('should reject with INTERNAL_ERROR and destroy the body when it has more bytes than announced', async function () {
    const data = Buffer.alloc(3000, 7);
    const body = chunked(data, 1000);
    const err = await rejection(readSmallBody(body, 2500));
    expect(err).to.be.instanceOf(InternalError);
    expect((err as InternalError).code).to.equal('INTERNAL_ERROR');
    expect(body.destroyed).to.equal(true);
  });

  it('should return the bytes that came when the body ends before its announced size', async function () {
    const data = Buffer.alloc(1500, 3);
    const bytes = await readSmallBody(chunked(data, 1000), 2000);
    expect(sha256(bytes)).to.equal(sha256(data));
  });

  it('should reject with the body error when the body fails', async function () {
    const body = new Readable({
      read() {
        this.destroy(new Error('disk gone'));
      },
    });
    const err = await rejection(readSmallBody(body, 10));
    expect((err as Error).message).to.equal('disk gone');
  });
});

describe('wholeBytesOf', function () {
  it('should return the bytes of a WholeBody when nobody has read it yet', function () {
    const data = Buffer.from('whole');
    expect(wholeBytesOf(wholeBody(data))).to.equal(data);
  });

  it('should return undefined when the body is a plain stream', function () {
    expect(wholeBytesOf(Readable.from([Buffer.from('x')]))).to.equal(undefined);
  });
});
