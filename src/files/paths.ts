// Path rules of the API (API.md §1): the raw URL path after the route prefix is split on `/`,
// each segment percent-decoded exactly once, then canonicalized to an absolute path with no
// `.`/`..`, no empty segments and no trailing slash. Anything that could escape the root or
// confuse a filesystem or a terminal is rejected with INVALID_PATH.
import { InvalidPathError } from './errors.js';

export const MAX_PATH_BYTES = 4096;
export const MAX_SEGMENT_BYTES = 255;
export const RESERVED_SEGMENT = '.callfs';

export interface ParsedPath {
  /** Canonical absolute path, `/` for the root. */
  path: string;
  /** The raw path ended with `/` (means "directory" on POST). */
  trailingSlash: boolean;
}

// NUL and C0 controls except tab, DEL, backslash, bidi overrides and isolates.
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\u0000-\u0008\u000a-\u001f\u007f\\\u202a-\u202e\u2066-\u2069]/;

function decodeSegment(raw: string): string {
  // Decode exactly once; an invalid escape or invalid UTF-8 is a bad path, not a 500.
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new InvalidPathError('path has an invalid percent-encoding');
  }
}

/** Canonicalizes an already-decoded path (as used by gRPC requests and JSON bodies). */
export function canonicalize(decoded: string): ParsedPath {
  return canonicalizeSegments(decoded.split('/'), decoded.endsWith('/'));
}

/** Parses the raw (still percent-encoded) path from a request URL. */
export function parseRawPath(raw: string): ParsedPath {
  const q = raw.search(/[?#]/);
  const pathOnly = q >= 0 ? raw.slice(0, q) : raw;
  const rawSegments = pathOnly.split('/');
  // Decoding can produce new separators (%2F); they split segments like a literal `/`.
  const segments = rawSegments.flatMap((s) => decodeSegment(s).split('/'));
  const trailing = pathOnly.endsWith('/') || (segments.length > 1 && segments.at(-1) === '');
  return canonicalizeSegments(segments, trailing);
}

function canonicalizeSegments(segments: string[], trailingSlash: boolean): ParsedPath {
  const out: string[] = [];
  for (const seg of segments) {
    if (FORBIDDEN.test(seg)) throw new InvalidPathError('path contains a forbidden character');
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length === 0) throw new InvalidPathError('path climbs above the root');
      out.pop();
      continue;
    }
    if (Buffer.byteLength(seg, 'utf8') > MAX_SEGMENT_BYTES) {
      throw new InvalidPathError(`a path segment is longer than ${MAX_SEGMENT_BYTES} bytes`);
    }
    if (!isWellFormed(seg)) throw new InvalidPathError('path is not valid UTF-8');
    out.push(seg);
  }
  if (out[0] === RESERVED_SEGMENT) {
    throw new InvalidPathError(`the first segment ${RESERVED_SEGMENT} is reserved`);
  }
  const path = '/' + out.join('/');
  if (Buffer.byteLength(path, 'utf8') > MAX_PATH_BYTES) {
    throw new InvalidPathError(`path is longer than ${MAX_PATH_BYTES} bytes`);
  }
  return { path, trailingSlash: trailingSlash && path !== '/' };
}

function isWellFormed(s: string): boolean {
  // Lone surrogates cannot be stored as UTF-8 names.
  return !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);
}

/** `/a/b` → `/a`; `/a` → `/`. The root has no parent and is returned as itself. */
export function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

/** `/a/b` → `b`; the root's name is the empty string. */
export function nameOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** `path` (which is `from` or under it) with `from` replaced by `to`. */
export function rebasePath(path: string, from: string, to: string): string {
  return path === from ? to : `${to}${path.slice(from.length)}`;
}
