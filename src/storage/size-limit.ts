// The size-limit stage of an upload pipeline: passes chunks through while counting them and
// fails the whole pipeline with PayloadTooLargeError as soon as the limit is crossed, so an
// oversized body is refused after at most one chunk too many reaches the disk.
import { Transform, type TransformCallback } from 'node:stream';
import { PayloadTooLargeError } from '../files/errors.js';

export class SizeLimit extends Transform {
  /** Bytes passed so far: the body's size once the pipeline has finished. */
  bytes = 0;

  constructor(
    private readonly maxBytes: number,
    highWaterMark?: number,
  ) {
    super(highWaterMark ? { highWaterMark } : {});
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) {
      callback(new PayloadTooLargeError(`body is larger than the ${this.maxBytes}-byte limit`));
      return;
    }
    callback(null, chunk);
  }
}
