// The stored form of a link record: compact JSON, decoded defensively (a record written by
// another version or by hand must not crash a download; it reads as unreadable instead).
import type { LinkRecord } from './ports.js';

export function encodeLink(link: LinkRecord): string {
  const { path, creator, expires, state, created, inode } = link;
  return JSON.stringify({ path, creator, expires, state, created, inode });
}

/** The record, or null when the JSON does not have the expected fields. */
export function decodeLink(json: string): LinkRecord | null {
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  const r = v as Record<string, unknown>;
  if (
    typeof r.path !== 'string' ||
    typeof r.creator !== 'string' ||
    typeof r.expires !== 'number' ||
    typeof r.created !== 'number' ||
    (r.state !== 'active' && r.state !== 'used')
  ) {
    return null;
  }
  return {
    path: r.path,
    creator: r.creator,
    expires: r.expires,
    state: r.state,
    created: r.created,
    // A record from before links were bound to a file names none: it serves nothing.
    inode: typeof r.inode === 'string' ? r.inode : '',
  };
}
