// The writes of a large part: cut at fixed file offsets whatever the chunks, every byte in
// order, nothing past the size limit, and an abort that ends a stalled body.
import { randomBytes } from 'node:crypto';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FileHandle } from 'node:fs/promises';
import { expect } from 'chai';
import { PayloadTooLargeError } from '../../../src/files/errors.js';
import { FIRST_WRITE_BYTES, WRITE_BYTES, writePartBody } from '../../../src/storage/part-writer.js';
import { rejection, sha256 } from '../../support/checks.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/** `data` in chunks of `size` bytes. */
async function* chunked(data: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let at = 0; at < data.length; at += size) yield data.subarray(at, at + size);
}

describe('writePartBody', function () {
  let dir: string;
  let handle: FileHandle;
  /** [offset, length] of every write system call the handle made. */
  let writes: Array<[number, number]>;

  beforeEach(async function () {
    dir = await mkdtemp(join(tmpdir(), 'callfs-part-writer-'));
    handle = await open(join(dir, 'part'), 'wx');
    writes = [];
    const writev = handle.writev.bind(handle);
    handle.writev = (async (buffers: Buffer[], position: number) => {
      writes.push([position, buffers.reduce((n, b) => n + b.length, 0)]);
      return writev(buffers, position);
    }) as FileHandle['writev'];
  });

  afterEach(async function () {
    await handle.close().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  for (const chunk of [MiB, 64 * KiB, 1000]) {
    it(`should write every byte at the fixed cuts when the body comes in ${chunk}-byte chunks`, async function () {
      const data = randomBytes(3 * MiB + 12_345);
      const size = await writePartBody(
        handle,
        chunked(data, chunk),
        data.length,
        new AbortController().signal,
      );
      await handle.close();
      expect(size).to.equal(data.length);
      expect(sha256(await readFile(join(dir, 'part')))).to.equal(sha256(data));
      expect(writes).to.deep.equal([
        [0, FIRST_WRITE_BYTES],
        [FIRST_WRITE_BYTES, WRITE_BYTES],
        [FIRST_WRITE_BYTES + WRITE_BYTES, WRITE_BYTES],
        [FIRST_WRITE_BYTES + 2 * WRITE_BYTES, data.length - FIRST_WRITE_BYTES - 2 * WRITE_BYTES],
      ]);
    });
  }

  it('should fail with PAYLOAD_TOO_LARGE and write nothing past the limit when the body is larger', async function () {
    const data = randomBytes(2 * MiB);
    const limit = MiB + 100;
    const err = await rejection(
      writePartBody(handle, chunked(data, 64 * KiB), limit, new AbortController().signal),
    );
    expect(err).to.be.instanceOf(PayloadTooLargeError);
    expect((err as PayloadTooLargeError).code).to.equal('PAYLOAD_TOO_LARGE');
    const end = Math.max(...writes.map(([at, n]) => at + n));
    expect(end).to.be.at.most(limit);
  });

  it('should reject with an AbortError and close the body when the signal aborts a stalled body', async function () {
    let returned = false;
    let sent = false;
    // One chunk, then nothing (a sender that stopped); return() records that it was closed.
    const body: AsyncIterable<Buffer> = {
      [Symbol.asyncIterator]: () => ({
        next: () => {
          if (sent) return new Promise<IteratorResult<Buffer>>(() => undefined);
          sent = true;
          return Promise.resolve({ done: false, value: randomBytes(100 * KiB) });
        },
        return: () => {
          returned = true;
          return Promise.resolve({ done: true, value: undefined });
        },
      }),
    };
    const controller = new AbortController();
    const writing = writePartBody(handle, body, 10 * MiB, controller.signal);
    setTimeout(() => controller.abort(), 20);
    const err = (await rejection(writing)) as Error;
    expect(err.name).to.equal('AbortError');
    expect(returned).to.equal(true);
  });
});
