// The Range header of a GET (RFC 9110 §14.2): one `bytes=` range is served as 206 from the
// owner, read from its offset. Anything else (another unit, several ranges, a malformed
// value) is ignored and the whole file is sent with 200, as the RFC allows.
import type { ByteRange, ByteSpan } from '../files/byte-range.js';

const SINGLE = /^bytes=(\d*)-(\d*)$/;

export function parseRange(value: string | undefined): ByteRange | undefined {
  if (!value) return undefined;
  const m = SINGLE.exec(value.replace(/\s+/g, ''));
  if (!m) return undefined;
  const [, first = '', last = ''] = m;
  if (first === '') {
    const suffix = Number(last);
    // `bytes=-0` asks for nothing: ignored rather than refused.
    if (last === '' || !Number.isSafeInteger(suffix) || suffix === 0) return undefined;
    return { offset: -suffix };
  }
  const start = Number(first);
  if (!Number.isSafeInteger(start)) return undefined;
  if (last === '') return { offset: start };
  const end = Number(last);
  if (!Number.isSafeInteger(end) || end < start) return undefined;
  return { offset: start, length: end - start + 1 };
}

export function contentRange(span: ByteSpan, size: number): string {
  return `bytes ${span.start}-${span.end}/${size}`;
}
