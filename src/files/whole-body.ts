// A body whose bytes are all in memory already (WholeBody): a small local file read when it was
// opened, or a small file relayed from its owner. Senders take `bytes` at once instead of
// reading the stream; anything else may still read it as a stream of those bytes.
import { Readable } from 'node:stream';
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
