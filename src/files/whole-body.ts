// A body whose bytes are all in memory already (WholeBody): a small local file read when it was
// opened, or a small file relayed from its owner. Senders take `bytes` at once instead of
// reading the stream; anything else may still read it as a stream of those bytes.
import { Readable } from 'node:stream';
import type { WholeBody } from './storage-port.js';

/** A stream over `bytes` (pushed on its first read) that also offers them whole. */
export function wholeBody(bytes: Buffer): Readable & WholeBody {
  const body = new Readable({
    read() {
      if (bytes.length > 0) this.push(bytes);
      this.push(null);
    },
  });
  return Object.assign(body, { bytes });
}

/** The bytes of a WholeBody that nobody has read from yet; undefined for any other body. */
export function wholeBytesOf(body: Readable): Buffer | undefined {
  const bytes = (body as Partial<WholeBody>).bytes;
  return Buffer.isBuffer(bytes) && !body.readableDidRead ? bytes : undefined;
}
