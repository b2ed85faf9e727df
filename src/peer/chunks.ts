// Stream helpers for the gRPC transport: re-chunk a byte stream to the configured message
// size, and write to a grpc-js stream honouring backpressure (wait for 'drain').
import type { Readable, Writable } from 'node:stream';
import { EncodedChunk } from './chunk-codec.js';

/**
 * Groups a byte stream into chunks of exactly `size` bytes (the last one may be shorter),
 * each as the list of its pieces: views of the source's buffers, never a copy (an
 * EncodedChunk writes them out in order). The source must not reuse its buffers.
 */
export async function* rechunk(
  source: AsyncIterable<Buffer>,
  size: number,
): AsyncGenerator<EncodedChunk> {
  let parts: Buffer[] = [];
  let held = 0;
  for await (const piece of source) {
    let buf = piece;
    while (buf.length > 0) {
      const take = Math.min(size - held, buf.length);
      parts.push(take === buf.length ? buf : buf.subarray(0, take));
      held += take;
      if (held === size) {
        yield new EncodedChunk(parts);
        parts = [];
        held = 0;
      }
      buf = buf.subarray(take);
    }
  }
  if (held > 0) yield new EncodedChunk(parts);
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

/**
 * Makes a gRPC call hold at most one message in each direction that the transport or the
 * reader has not taken. A grpc-js call is an object-mode stream that buffers 16 messages
 * (16 MiB of chunks) each way on top of the 16 MiB the HTTP/2 window lets through; behind a
 * slower side (a client's socket, a disk) every chunk then waits long enough to be promoted to
 * V8's old space, and a 512 MiB relay cost ~20 major GCs and three times the CPU. With one
 * message buffered the window alone keeps the bytes flowing (measured on a grpc-js download
 * into a slower pipe: 1 major GC instead of 18-20, a third of the CPU). Node's stream state is
 * the only place the mark can be set after grpc-js made the stream; if it is not there the
 * call keeps the default.
 */
export function bufferOneMessage(call: Readable | Writable): void {
  const states = call as unknown as Partial<
    Record<'_readableState' | '_writableState', { highWaterMark?: unknown }>
  >;
  for (const state of [states._readableState, states._writableState]) {
    if (state && typeof state.highWaterMark === 'number') state.highWaterMark = 1;
  }
}
