// Gathering a small body: a Node Readable (an HTTP request body) is read through its events;
// it must yield exactly its bytes, stop at the limit or an abort, and never hang on a body
// that closed early.
import { once } from 'node:events';
import { PassThrough, Readable } from 'node:stream';
import { expect } from 'chai';
import { PayloadTooLargeError } from '../../../src/files/errors.js';
import { gather } from '../../../src/storage/gather.js';
import { sha256 } from '../../support/checks.js';

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

describe('gather', function () {
  it('should return every byte of a Readable body when it ends', async function () {
    const data = Buffer.from('0123456789'.repeat(500));
    const body = new PassThrough();
    const gathered = gather(body, data.length, new AbortController().signal);
    for (let i = 0; i < data.length; i += 1000) body.write(data.subarray(i, i + 1000));
    body.end();
    expect(sha256(Buffer.concat(await gathered))).to.equal(sha256(data));
  });

  it('should reject with PAYLOAD_TOO_LARGE and destroy the body when a Readable body exceeds the limit', async function () {
    const body = new PassThrough();
    const gathered = gather(body, 10, new AbortController().signal);
    body.write(Buffer.alloc(11));
    const err = await rejection(gathered);
    expect(err).to.be.instanceOf(PayloadTooLargeError);
    expect(body.destroyed).to.equal(true);
  });

  it('should reject with an AbortError and destroy the body when the signal aborts a pending Readable body', async function () {
    const controller = new AbortController();
    const body = new PassThrough();
    const gathered = gather(body, 4096, controller.signal);
    body.write(Buffer.from('first'));
    setTimeout(() => controller.abort(), 10);
    const err = await rejection(gathered);
    expect(err.name).to.equal('AbortError');
    expect(body.destroyed).to.equal(true);
  });

  it('should reject with an AbortError when the signal was aborted before the call', async function () {
    const controller = new AbortController();
    controller.abort();
    const err = await rejection(gather(new PassThrough(), 4096, controller.signal));
    expect(err.name).to.equal('AbortError');
  });

  it('should reject when a Readable body closes before its end', async function () {
    const body = new PassThrough();
    const gathered = gather(body, 4096, new AbortController().signal);
    body.write(Buffer.from('half'));
    body.destroy();
    expect(await rejection(gathered)).to.be.instanceOf(Error);
  });

  it('should reject with the body error when a Readable body fails', async function () {
    const body = new PassThrough();
    const gathered = gather(body, 4096, new AbortController().signal);
    body.destroy(new Error('socket reset'));
    expect((await rejection(gathered)).message).to.equal('socket reset');
  });

  it('should return no chunks when a Readable body has already ended', async function () {
    const body = Readable.from([]);
    body.resume();
    await once(body, 'end');
    expect(await gather(body, 4096, new AbortController().signal)).to.deep.equal([]);
  });

  it('should return every byte of an iterable body when it is not a Readable', async function () {
    async function* chunks(): AsyncGenerator<Buffer> {
      yield Buffer.from('ab');
      yield Buffer.from('cd');
    }
    expect(
      Buffer.concat(await gather(chunks(), 4, new AbortController().signal)).toString(),
    ).to.equal('abcd');
  });
});
