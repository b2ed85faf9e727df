// HTTP dates (RFC 9110 §5.6.7), used for Last-Modified and compared by If-Range.

/** Unix milliseconds → IMF-fixdate, e.g. `Sun, 06 Nov 1994 08:49:37 GMT`. */
export function rfc1123(ms: number): string {
  const second = Math.trunc(ms / 1000);
  if (second !== lastSecond) {
    lastText = new Date(second * 1000).toUTCString();
    lastSecond = second;
  }
  return lastText;
}

/** The last second formatted and its text: a file served again formats its date once. */
let lastSecond = NaN;
let lastText = '';

/** An HTTP date → Unix milliseconds; undefined when it is not a date (the header is ignored). */
export function parseHttpDate(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}
