// A small Read relayed whole: its bytes come inside the header message (ReadResponse.body) from
// owners that offer it, or as chunks after the header from those that do not; either way they
// are one buffer before the read returns, so the edge answers from bytes, not a stream. The
// messages are taken off the call with `read()` rather than through an async iterator, which
// costs a generator, its promises and a stream-finished watch per call.
import type { Readable } from 'node:stream';
import { CallfsError, InternalError } from '../files/errors.js';
import type { ReadResponse__Output } from '../generated/callfs/v1/ReadResponse.js';
import { fromGrpcError } from './status-map.js';

/** Bodies up to this size are sent in one message and returned as one buffer (WholeBody). */
export const WHOLE_RELAY_BYTES = 64 * 1024;

/**
 * The messages of a grpc-js response stream, one at a time. grpc-js ends a failed call's stream
 * and only then emits its error, without destroying it, so the error is kept from the moment the
 * call is taken (it is never unhandled) and an end that follows it is that error, not a clean end.
 */
export class Messages<T> {
  private failed: Error | undefined;

  constructor(private readonly stream: Readable) {
    stream.on('error', (err: Error) => {
      this.failed ??= err;
    });
  }

  /** The next message; undefined once the call has ended cleanly; its error if it failed. */
  next(): Promise<T | undefined> {
    const { stream } = this;
    const ready = stream.read() as T | null;
    if (ready !== null) return Promise.resolve(ready);
    if (this.failed) return Promise.reject(this.failed);
    return new Promise<T | undefined>((resolve, reject) => {
      const done = (): void => {
        stream.off('readable', onReadable);
        stream.off('end', onEnd);
        stream.off('error', onError);
      };
      const onReadable = (): void => {
        const m = stream.read() as T | null;
        if (m === null) return;
        done();
        resolve(m);
      };
      const onEnd = (): void => {
        done();
        if (this.failed) reject(this.failed);
        else resolve(undefined);
      };
      const onError = (err: Error): void => {
        done();
        reject(err);
      };
      stream.on('readable', onReadable);
      stream.on('end', onEnd);
      stream.on('error', onError);
      if (stream.readableEnded) onEnd();
    });
  }
}

/**
 * The bytes of a small Read after its header message `first`: its inline body, or the chunks
 * that follow it, joined. At most `length` bytes (more is the owner's error); fewer when the
 * owner ended early, which the reader checks against the size. They count only once the owner
 * ended the call cleanly.
 */
export async function gather(
  messages: Messages<ReadResponse__Output>,
  first: ReadResponse__Output,
  length: number,
  ownerId: string,
): Promise<Buffer> {
  const parts: Buffer[] = first.body.length > 0 ? [first.body] : [];
  let got = first.body.length;
  try {
    for (;;) {
      const next = await messages.next();
      if (!next) break;
      const chunk = next.chunk;
      if (!chunk) continue;
      if (first.body.length > 0) throw new InternalError('owner sent chunks after an inline body');
      got += chunk.length;
      parts.push(chunk);
      if (got > length) break;
    }
  } catch (err) {
    throw err instanceof CallfsError ? err : fromGrpcError(err, ownerId);
  }
  if (got > length) throw new InternalError(`owner sent more than the ${length} bytes announced`);
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts, got);
}
