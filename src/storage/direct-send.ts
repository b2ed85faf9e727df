// Sends a span of an open file into a socket-backed response with two read buffers reused for
// the whole transfer. A file stream allocates a fresh 1 MiB buffer per read; V8 counts those
// as external memory and starts a major GC every few dozen of them, whose cost grows with the
// node's live heap: on a node that has relayed transfers, a 512 MiB GET spent ~1 s of CPU in
// GC marking and sweeping, three times what the plain node:http baseline spends in total.
import type { FileHandle } from 'node:fs/promises';
import type { Readable, Writable } from 'node:stream';
import type { DirectBody } from '../files/ports.js';
import { InternalError } from '../files/errors.js';

/**
 * Makes `body` (a stream over `handle`, not yet read) able to send itself directly. The
 * stream keeps owning the handle: it closes it when destroyed, which `sendTo` always does.
 */
export function directBody(
  body: Readable,
  handle: FileHandle,
  start: number,
  end: number,
  chunkBytes: number,
): Readable & DirectBody {
  const sendTo = async (sink: Writable): Promise<void> => {
    try {
      await sendSpan(handle, start, end, Math.min(chunkBytes, end - start + 1), sink);
    } finally {
      body.destroy();
    }
  };
  return Object.assign(body, { sendTo });
}

async function sendSpan(
  handle: FileHandle,
  start: number,
  end: number,
  chunkBytes: number,
  sink: Writable,
): Promise<void> {
  const buffers = [Buffer.allocUnsafeSlow(chunkBytes), Buffer.allocUnsafeSlow(chunkBytes)];
  // A buffer is reused only once the sink has called back for its write: for a socket, the
  // bytes are then in the kernel (or encrypted into TLS's own buffers).
  const inFlight: (Promise<void> | undefined)[] = [undefined, undefined];
  let position = start;
  let turn = 0;
  while (position <= end) {
    await inFlight[turn];
    const buffer = buffers[turn]!;
    const want = Math.min(chunkBytes, end - position + 1);
    const { bytesRead } = await handle.read(buffer, 0, want, position);
    // Fewer bytes than fstat promised: the response must not end cleanly.
    if (bytesRead === 0) throw new InternalError('the file ended before its announced size');
    position += bytesRead;
    inFlight[turn] = written(sink, buffer.subarray(0, bytesRead));
    // Both writes are awaited eventually; a failure of the one not awaited yet must not be
    // reported as unhandled meanwhile.
    inFlight[turn]!.catch(() => undefined);
    turn ^= 1;
  }
  await Promise.all(inFlight);
  sink.end();
}

/** Resolves once the sink has consumed `chunk`; rejects if it fails or closes first. */
export function written(sink: Writable, chunk: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    if (sink.destroyed) {
      reject(new InternalError('the response was closed'));
      return;
    }
    const onClose = (): void => reject(new InternalError('the response was closed'));
    sink.once('close', onClose);
    sink.write(chunk, (err) => {
      sink.off('close', onClose);
      if (err) reject(err);
      else resolve();
    });
  });
}
