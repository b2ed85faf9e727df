// A body whose bytes are all in memory already (WholeBody): a small local file read when it was
// opened, or a small file relayed from its owner. Senders take `bytes` at once instead of
// reading the stream; anything else may still read it as a stream of those bytes. A small body
// that is not one is read whole by its senders (the HTTP edge, the peer Read) with readSmallBody.
import { Readable } from 'node:stream';
import { InternalError } from './errors.js';
import type { WholeBody } from './storage-port.js';

/**
 * A stream over its bytes (pushed on its first read) that also offers them whole. A class, not
 * a Readable given `bytes` afterwards: built for every small read, it costs half as much.
 */
class WholeReadable extends Readable implements WholeBody {
  constructor(readonly bytes: Buffer) {
    super();
  }

  override _read(): void {
    if (this.bytes.length > 0) this.push(this.bytes);
    this.push(null);
  }
}

/** A stream over `bytes` (pushed on its first read) that also offers them whole. */
export function wholeBody(bytes: Buffer): Readable & WholeBody {
  return new WholeReadable(bytes);
}

/** The bytes of a WholeBody that nobody has read from yet; undefined for any other body. */
export function wholeBytesOf(body: Readable): Buffer | undefined {
  const bytes = (body as Partial<WholeBody>).bytes;
  return Buffer.isBuffer(bytes) && !body.readableDidRead ? bytes : undefined;
}

/**
 * A small body read into one buffer, then destroyed. More than `size` bytes is the backend's
 * error; fewer (a file cut short after its size was read) are returned as they came, for the
 * reader that knows what was announced to refuse. A body of one chunk is that chunk, not a copy.
 */
export async function readSmallBody(body: Readable, size: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let got = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      got += chunk.length;
      if (got > size) throw new InternalError(`the body had more than the ${size} bytes announced`);
      parts.push(chunk);
    }
  } finally {
    body.destroy();
  }
  return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, got);
}
