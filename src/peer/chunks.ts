// Stream helpers for the gRPC transport: re-chunk a byte stream to the configured message
// size, and write to a grpc-js stream honouring backpressure (wait for 'drain').
import type { Writable } from 'node:stream';

/** Yields buffers of exactly `size` bytes (the last one may be shorter). */
export async function* rechunk(
  source: AsyncIterable<Buffer>,
  size: number,
): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let held = 0;
  for await (const piece of source) {
    let buf = piece;
    while (buf.length > 0) {
      const take = Math.min(size - held, buf.length);
      // Pass whole-size pieces through without copying.
      if (held === 0 && take === size) {
        yield buf.subarray(0, size);
      } else {
        parts.push(buf.subarray(0, take));
        held += take;
        if (held === size) {
          yield Buffer.concat(parts, held);
          parts = [];
          held = 0;
        }
      }
      buf = buf.subarray(take);
    }
  }
  if (held > 0) yield Buffer.concat(parts, held);
}

/** What a writer does when the other side takes no bytes for a while. */
export interface StallBound {
  ms: number;
  /** The error the wait fails with (it names the stalled peer). */
  error: () => Error;
}

/**
 * Writes a message, waiting for 'drain' when the stream's buffer is full. `failed` aborts the
 * wait (and any later write) once the other side has ended the call: a gRPC call that fails
 * does not always emit 'close', and a writer waiting for 'drain' would wait for ever. `stalled`
 * bounds the wait by progress: a receiver that is alive but takes no bytes fails the write.
 */
export async function writeWithBackpressure(
  stream: Writable,
  message: unknown,
  failed?: AbortSignal,
  stalled?: StallBound,
): Promise<void> {
  failed?.throwIfAborted();
  if (stream.write(message)) return;
  await new Promise<void>((resolve, reject) => {
    const timer = stalled ? setTimeout(() => done(stalled.error()), stalled.ms) : undefined;
    const done = (err?: unknown): void => {
      clearTimeout(timer);
      stream.off('drain', onDrain);
      stream.off('close', onClose);
      stream.off('error', onError);
      failed?.removeEventListener('abort', onFailed);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = (): void => done();
    const onClose = (): void => done(new Error('stream closed'));
    const onError = (err: Error): void => done(err);
    const onFailed = (): void => done(failed?.reason ?? new Error('call ended'));
    stream.on('drain', onDrain);
    stream.on('close', onClose);
    stream.on('error', onError);
    failed?.addEventListener('abort', onFailed, { once: true });
  });
}
