// Byte ranges of a read (RFC 9110 §14): the request names one range before anyone knows the
// file's size; the owner resolves it against the size of the file it opened, so the bytes sent
// and the Content-Range reported always describe the same file.
import { RangeNotSatisfiableError } from './errors.js';

/**
 * One requested range: from `offset` for `length` bytes (to the end when absent). A negative
 * offset counts from the end: `{ offset: -500 }` is the last 500 bytes (`bytes=-500`).
 */
export interface ByteRange {
  offset: number;
  length?: number;
}

/** Inclusive byte positions within the file. */
export interface ByteSpan {
  start: number;
  end: number;
}

/** The span of `range` within a file of `size` bytes; RangeNotSatisfiableError when none. */
export function resolveRange(range: ByteRange, size: number): ByteSpan {
  if (range.offset < 0) {
    if (size === 0) throw new RangeNotSatisfiableError(size);
    return { start: Math.max(0, size + range.offset), end: size - 1 };
  }
  if (range.offset >= size) throw new RangeNotSatisfiableError(size);
  const end = range.length === undefined ? size - 1 : range.offset + range.length - 1;
  return { start: range.offset, end: Math.min(end, size - 1) };
}
