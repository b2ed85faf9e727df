// Listing cursors (API.md §3.4) are sealed: the JSON state (directory, flags, store revision,
// resume position, count) travels base64url-encoded with an HMAC-SHA256 over it, keyed by a key
// derived from the cluster's internal secret. Every node derives the same key, so a cursor from
// one node continues on any other; a cursor altered in any byte, forged, or sealed by another
// cluster is INVALID_CURSOR before anything in it is read. The key is derived (HKDF with its
// own label), never the raw secret, so a cursor MAC can never double as anything else.
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { InvalidCursorError } from './errors.js';

/** Long enough for any real listing position (4 KiB paths), short enough to refuse junk fast. */
export const MAX_CURSOR_CHARS = 16_384;
const MAC_CHARS = 43;
const SHAPE = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{43})$/;

/** The cursor key of a cluster, from the internal secret every node shares. */
export function deriveCursorKey(internalSecret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', internalSecret, 'callfs', 'callfs/v1 listing cursor', 32));
}

function mac(key: Buffer, payload: string): string {
  return createHmac('sha256', key).update(payload).digest('base64url').slice(0, MAC_CHARS);
}

/** `<base64url JSON>.<mac>` */
export function sealCursor(key: Buffer, state: object): string {
  const payload = Buffer.from(JSON.stringify(state)).toString('base64url');
  return `${payload}.${mac(key, payload)}`;
}

/** The state a genuine cursor carries; InvalidCursorError for anything this key did not seal. */
export function openCursor(key: Buffer, raw: string): unknown {
  const m = raw.length <= MAX_CURSOR_CHARS ? SHAPE.exec(raw) : null;
  if (!m) throw new InvalidCursorError('invalid cursor: not a cursor of this cluster');
  const [, payload, given] = m as unknown as [string, string, string];
  if (!timingSafeEqual(Buffer.from(mac(key, payload)), Buffer.from(given))) {
    throw new InvalidCursorError('invalid cursor: not a cursor of this cluster');
  }
  try {
    return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    // Sealed by this cluster but unreadable: only a bug could make one.
    throw new InvalidCursorError('invalid cursor: unreadable');
  }
}
