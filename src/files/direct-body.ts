// Whether a body can send itself with reused buffers (DirectBody) rather than be read as a
// stream: both senders (the HTTP edge, the peer Read) ask before they read it.
import type { Readable } from 'node:stream';
import type { DirectBody } from './storage-port.js';

/** A body that can send itself and has not been read from yet: once read, it cannot. */
export function isDirectBody(body: Readable): body is Readable & DirectBody {
  return typeof (body as Partial<DirectBody>).sendTo === 'function' && !body.readableDidRead;
}
