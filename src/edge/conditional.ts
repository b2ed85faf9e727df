// Conditional requests at the HTTP edge (RFC 9110 §13): parses If-Match, If-None-Match,
// If-Modified-Since and If-Unmodified-Since into the files core's Conditions, which the owner
// evaluates against the version it acts on, and writes a file's validators (ETag,
// Last-Modified) on answers.
import type { Context } from 'hono';
import type { Conditions } from '../files/conditions.js';
import { parseHttpDate, rfc1123 } from '../files/http-date.js';
import type { FileInfo } from '../files/ports.js';
import { isDirectory } from './headers.js';
import type { EdgeEnv } from './request.js';

/** A list header's members (`"a", W/"b"` or `*`); an empty header counts as absent. */
function tags(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const list = value
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
  return list.length ? list : undefined;
}

export function requestConditions(c: Context<EdgeEnv>): Conditions | undefined {
  const out: Conditions = {};
  const ifMatch = tags(c.req.header('if-match'));
  const ifNoneMatch = tags(c.req.header('if-none-match'));
  // An invalid date is ignored, as RFC 9110 §13.1.3 and §13.1.4 ask.
  const ifModifiedSince = parseHttpDate(c.req.header('if-modified-since'));
  const ifUnmodifiedSince = parseHttpDate(c.req.header('if-unmodified-since'));
  if (ifMatch) out.ifMatch = ifMatch;
  if (ifNoneMatch) out.ifNoneMatch = ifNoneMatch;
  if (ifModifiedSince !== undefined) out.ifModifiedSince = ifModifiedSince;
  if (ifUnmodifiedSince !== undefined) out.ifUnmodifiedSince = ifUnmodifiedSince;
  return Object.keys(out).length ? out : undefined;
}

/**
 * A file's validators, added to `headers` (a fresh object by default); directories have none
 * (their listing changes under them).
 */
export function validatorHeaders(
  info: FileInfo,
  headers: Record<string, string> = {},
): Record<string, string> {
  if (isDirectory(info)) return headers;
  headers['Last-Modified'] = rfc1123(info.mtime_ms);
  if (info.etag) headers.ETag = info.etag;
  return headers;
}
