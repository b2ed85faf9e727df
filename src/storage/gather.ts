// Gathering a small body (at most one write buffer) in memory before it is written with one
// call. An HTTP request body is a Node Readable: it is read through its events, not its async
// iterator, whose per-body generator, end-of-stream watcher and promise per chunk (raced with
// the abort) were a visible part of a small create's CPU. Any other body (a peer's gRPC
// chunks) is iterated. Both stop at once on an abort and close a body left unread, as a
// pipeline would.
import { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { PayloadTooLargeError } from '../files/errors.js';

const aborted = (): Error => new DOMException('The operation was aborted', 'AbortError');
const tooLarge = (maxBytes: number): Error =>
  new PayloadTooLargeError(`body is larger than the ${maxBytes}-byte limit`);

/** The chunks of a body of at most `maxBytes`; an abort stops the wait at once. */
export function gather(
  body: AsyncIterable<Buffer>,
  maxBytes: number,
  signal: AbortSignal,
): Promise<Buffer[]> {
  return body instanceof Readable
    ? gatherReadable(body, maxBytes, signal)
    : gatherIterable(body, maxBytes, signal);
}

function gatherReadable(
  stream: Readable,
  maxBytes: number,
  signal: AbortSignal,
): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    const settle = (err?: Error): void => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', settle);
      stream.off('close', onClose);
      signal.removeEventListener('abort', onAbort);
      if (!err) {
        resolve(chunks);
        return;
      }
      if (!stream.readableEnded) release(stream);
      reject(err);
    };
    const onData = (chunk: Buffer): void => {
      bytes += chunk.length;
      if (bytes > maxBytes) settle(tooLarge(maxBytes));
      else chunks.push(chunk);
    };
    const onEnd = (): void => settle();
    // 'close' before 'end': the client went away mid-body.
    const onClose = (): void => settle(stream.errored ?? new Error('body closed before its end'));
    const onAbort = (): void => settle(aborted());
    if (signal.aborted) {
      settle(aborted());
      return;
    }
    if (stream.readableEnded) {
      resolve(chunks);
      return;
    }
    if (stream.destroyed) {
      reject(stream.errored ?? new Error('body closed before its end'));
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', settle);
    stream.on('close', onClose);
  });
}

/**
 * Stops reading a body left unread. A server request is paused and left to node:http, which
 * discards the rest once the answer is sent (as a pipeline's destroyer does, it must not reach
 * the socket: destroying the request resets the connection before a 413 gets out); any other
 * stream is destroyed.
 */
function release(stream: Readable): void {
  if (stream instanceof IncomingMessage) stream.pause();
  else stream.destroy();
}

async function gatherIterable(
  body: AsyncIterable<Buffer>,
  maxBytes: number,
  signal: AbortSignal,
): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  const iterator = body[Symbol.asyncIterator]();
  let onAbort!: () => void;
  const abort = new Promise<never>((_, reject) => {
    onAbort = () => reject(aborted());
  });
  abort.catch(() => undefined);
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      if (signal.aborted) throw aborted();
      const next = await Promise.race([iterator.next(), abort]);
      if (next.done) return chunks;
      bytes += next.value.length;
      if (bytes > maxBytes) throw tooLarge(maxBytes);
      chunks.push(next.value);
    }
  } catch (err) {
    iterator.return?.().catch(() => undefined);
    throw err;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
