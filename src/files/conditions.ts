// Validators and preconditions (RFC 9110 §8.8, §13): a file's strong entity tag names one
// committed version of one file, and a request's conditions are evaluated against the version
// an operation acts on — for writes, deletes and moves the very record whose revision their
// commit transaction compares, so two clients racing through different nodes cannot both win.
import { PreconditionFailedError } from './errors.js';
import type { FileInfo, InodeRecord } from './ports.js';
import { toFileInfo } from './info.js';

/** The conditional headers of a request, parsed (absent = not sent). */
export interface Conditions {
  /** Entity tags as sent (quoted), or `*`. */
  ifMatch?: string[];
  ifNoneMatch?: string[];
  /** Unix milliseconds of the HTTP date. */
  ifModifiedSince?: number;
  ifUnmodifiedSince?: number;
}

/**
 * A file's strong ETag: the etcd revision of its inode's last change and its write generation.
 * Every change of a file's inode changes its bytes (a commit, a move there, a rename over it
 * with `overwrite`) or its generation, so equal tags mean the same bytes. Not the revision that
 * created the key: a rename with `overwrite` puts the moved inode over the existing key, which
 * keeps that one, and the moved file may have the same generation. Directories have none
 * (their listing changes under them).
 */
export function etagOf(rec: InodeRecord): string {
  if (rec.inode.type !== 'file') return '';
  return `"${rec.revision}-${rec.inode.gen}"`;
}

/** What a read does once its conditions are evaluated. */
export type ReadVerdict = 'proceed' | 'not-modified';

function strongMatch(tags: string[], etag: string): boolean {
  return tags.some((t) => t === '*' || (etag !== '' && t === etag));
}

/** If-None-Match compares weakly: `W/"x"` matches `"x"`. */
function weakMatch(tags: string[], etag: string): boolean {
  const bare = (t: string): string => (t.startsWith('W/') ? t.slice(2) : t);
  return tags.some((t) => t === '*' || (etag !== '' && bare(t) === etag));
}

const seconds = (ms: number): number => Math.floor(ms / 1000);

/**
 * Evaluates `c` against the current version (null when the path has none), in the order of
 * RFC 9110 §13.2.2. Throws PreconditionFailedError when the request must not proceed; a read
 * whose If-None-Match or If-Modified-Since holds is 'not-modified' (304, not an error). Dates
 * apply to files only and compare at the one-second resolution of HTTP dates.
 */
export function evaluateConditions(
  current: FileInfo | null,
  c: Conditions | undefined,
  read: boolean,
): ReadVerdict {
  if (!c) return 'proceed';
  const etag = current?.etag ?? '';
  const mtime = current?.type === 'FILE_TYPE_FILE' ? current.mtime_ms : undefined;
  if (c.ifMatch?.length) {
    if (!current || !strongMatch(c.ifMatch, etag)) {
      throw new PreconditionFailedError('If-Match does not match the current version');
    }
  } else if (c.ifUnmodifiedSince !== undefined && mtime !== undefined) {
    if (seconds(mtime) > seconds(c.ifUnmodifiedSince)) {
      throw new PreconditionFailedError('modified since the If-Unmodified-Since date');
    }
  }
  if (c.ifNoneMatch?.length) {
    if (current && weakMatch(c.ifNoneMatch, etag)) {
      if (read) return 'not-modified';
      throw new PreconditionFailedError('If-None-Match matches the current version');
    }
  } else if (read && c.ifModifiedSince !== undefined && mtime !== undefined) {
    if (seconds(mtime) <= seconds(c.ifModifiedSince)) return 'not-modified';
  }
  return 'proceed';
}

/**
 * Checks a write's conditions against the version it would replace: `rec` as read (null, or a
 * claim whose bytes are in flight, when the path has no version yet).
 */
export function checkWriteConditions(rec: InodeRecord | null, c: Conditions | undefined): void {
  if (isUnconditional(c)) return;
  const visible = rec && rec.inode.state !== 'writing' ? rec : null;
  evaluateConditions(visible ? toFileInfo(visible) : null, c, false);
}

/** True when the request carries no condition at all. */
export function isUnconditional(c: Conditions | undefined): boolean {
  return (
    !c ||
    (!c.ifMatch?.length &&
      !c.ifNoneMatch?.length &&
      c.ifModifiedSince === undefined &&
      c.ifUnmodifiedSince === undefined)
  );
}
