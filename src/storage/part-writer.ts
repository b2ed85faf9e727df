// Writes a large upload's bytes into its open part file, then fsyncs it. The body's chunks are
// gathered, as views (no copy), into writes that end at fixed offsets of the file: the first
// after FIRST_WRITE_BYTES, each later one WRITE_BYTES further, whatever the chunks' sizes. One
// write is on the disk while the next is gathered, so the disk and the body's source overlap.
//
// Why fixed offsets: the kernel sizes the page-cache folios of a buffered write by the write's
// length and the alignment of its offset, and on the machine this was measured (Linux 6.18,
// ext4, a VM whose free memory is reported to the host) writes that start on a 512 KiB or
// 1 MiB boundary cost 2-3 times the system CPU of writes shifted by 64 KiB (512 MiB in 1 MiB
// writes: 440-840 ms of system time aligned, 190-250 ms shifted, interleaved runs). An upload
// relayed by another node arrives in 1 MiB messages, which a write stream put on the disk one
// aligned write each; a direct upload arrives in 64 KiB socket reads, which happened to be
// written shifted. Cutting at the same offsets gives both the same, cheaper, writes.
import type { FileHandle } from 'node:fs/promises';
import { PayloadTooLargeError } from '../files/errors.js';

/** Bytes of the first write; every later write starts 64 KiB past a 1 MiB boundary. */
export const FIRST_WRITE_BYTES = 64 * 1024;
/** Bytes of every later write but the last. */
export const WRITE_BYTES = 1024 * 1024;

/** What an aborted write fails with, as a pipeline or a small write would. */
const aborted = (): Error => new DOMException('The operation was aborted', 'AbortError');

/**
 * Waits that fail as soon as `signal` aborts. One listener serves every wait, and it holds only
 * the current one: racing each wait against one long-lived abort promise instead would keep
 * every settled wait, and so every chunk, reachable until the upload ends.
 */
function abortableWaits(signal: AbortSignal): {
  wait<T>(promise: Promise<T>): Promise<T>;
  dispose(): void;
} {
  let failCurrent: ((err: Error) => void) | undefined;
  const onAbort = (): void => failCurrent?.(aborted());
  signal.addEventListener('abort', onAbort, { once: true });
  return {
    wait: <T>(promise: Promise<T>): Promise<T> => {
      if (signal.aborted) {
        promise.catch(() => undefined);
        return Promise.reject(aborted());
      }
      return new Promise<T>((resolve, reject) => {
        failCurrent = reject;
        promise.then(resolve, reject);
      });
    },
    dispose: () => {
      failCurrent = undefined;
      signal.removeEventListener('abort', onAbort);
    },
  };
}

/** Writes every buffer of `parts` at the file's current end, however many calls it takes. */
async function writeAll(handle: FileHandle, parts: Buffer[], position: number): Promise<void> {
  let rest = parts;
  let at = position;
  while (rest.length > 0) {
    const { bytesWritten } = await handle.writev(rest, at);
    at += bytesWritten;
    let skip = bytesWritten;
    let i = 0;
    while (i < rest.length && skip >= rest[i]!.length) skip -= rest[i++]!.length;
    rest = rest.slice(i);
    if (skip > 0) rest[0] = rest[0]!.subarray(skip);
  }
}

/**
 * Streams `body` into `handle` (open for writing, empty) and fsyncs it; returns the bytes
 * written. Fails with PayloadTooLargeError once more than `maxBytes` arrived (no byte past the
 * limit is written), and with the abort reason once `signal` aborts; either way the body is
 * closed, and the caller removes the part. The chunks must not change once handed over.
 */
export async function writePartBody(
  handle: FileHandle,
  body: AsyncIterable<Buffer>,
  maxBytes: number,
  signal: AbortSignal,
): Promise<number> {
  const source = body[Symbol.asyncIterator]();
  const { wait, dispose } = abortableWaits(signal);
  // The write on the disk, if any; its failure is kept until the next write waits for it.
  let writing: Promise<void> = Promise.resolve();
  let written = 0;
  let received = 0;
  let batch: Buffer[] = [];
  let batchBytes = 0;
  let cut = FIRST_WRITE_BYTES;
  const flush = async (): Promise<void> => {
    await wait(writing);
    const parts = batch;
    const at = written;
    writing = writeAll(handle, parts, at);
    writing.catch(() => undefined);
    written += batchBytes;
    batch = [];
    batchBytes = 0;
  };
  try {
    for (;;) {
      if (signal.aborted) throw aborted();
      const next = await wait(source.next());
      if (next.done) break;
      let chunk = next.value;
      received += chunk.length;
      if (received > maxBytes) {
        throw new PayloadTooLargeError(`body is larger than the ${maxBytes}-byte limit`);
      }
      while (chunk.length > 0) {
        const take = Math.min(cut - batchBytes, chunk.length);
        batch.push(take === chunk.length ? chunk : chunk.subarray(0, take));
        batchBytes += take;
        chunk = chunk.subarray(take);
        if (batchBytes === cut) {
          await flush();
          cut = WRITE_BYTES;
        }
      }
    }
    if (batchBytes > 0) await flush();
    await wait(writing);
    await handle.sync();
    return received;
  } catch (err) {
    // As a pipeline would: a body left unread is closed, not left hanging.
    source.return?.().catch(() => undefined);
    // The part is removed next: no write of ours may still be running into it.
    await writing.catch(() => undefined);
    throw err;
  } finally {
    dispose();
  }
}
