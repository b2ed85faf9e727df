// Paged scans of the namespace, shared by the etcd adapter and the in-memory fake so both page,
// skip and resume identically. A scan walks one key range in key order — a directory's children
// (`fs<dir>//`) or its whole subtree (`fs<dir>/`) — from a resume position, asking the store for
// at most `limit` keys at a time. Positions are keys relative to the store prefix, handed out
// base64url-encoded and checked to lie inside the range on the way back. A subtree scan with a
// depth limit skips each too-deep subtree in one step: every descendant of a directory is in
// the one contiguous range `fs<dir>/`, so the scan resumes at the end of that range.
import { BadRequestError } from '../files/errors.js';
import type { InodeRecord, ScanOptions, ScanPage } from '../files/ports.js';
import { childrenPrefix, joinPath, prefixEnd, subtreePrefix } from './keys.js';

/** A key range relative to the store prefix, `end` exclusive. */
export interface KeyRange {
  start: Buffer;
  end: Buffer;
}

export interface ScanItem<T> {
  /** The key relative to the store prefix (`fs<parent>//<name>`). */
  key: Buffer;
  path: string;
  value: T;
}

/** Reads up to `limit` keys of the range from `from` (inclusive), in key order. */
export type Fetch<T> = (
  from: Buffer,
  limit: number,
) => Promise<{ items: ScanItem<T>[]; more: boolean }>;

export function childrenRange(dir: string): KeyRange {
  const start = Buffer.from(childrenPrefix('', dir));
  return { start, end: prefixEnd(start) };
}

export function subtreeRange(dir: string): KeyRange {
  const start = Buffer.from(subtreePrefix('', dir));
  return { start, end: prefixEnd(start) };
}

/** `fs<parent>//<name>` (relative to the prefix) → the canonical path. */
export function pathOfKey(key: Buffer): string {
  const rest = key.subarray(2).toString('utf8');
  // Canonical paths never contain `//` and names never contain `/`: the first `//` separates.
  const sep = rest.indexOf('//');
  return joinPath(sep <= 0 ? '/' : rest.slice(0, sep), rest.slice(sep + 2));
}

function segments(path: string): number {
  return path === '/' ? 0 : path.split('/').length - 1;
}

/** The level of `path` below `dir`: 0 for a child, 1 for a grandchild, ... */
export function depthBelow(dir: string, path: string): number {
  return segments(path) - segments(dir) - 1;
}

/** Where a scan resumes past every entry deeper than `maxDepth` that shares `path`'s ancestor. */
function pastTooDeep(dir: string, path: string, maxDepth: number): Buffer {
  const ancestor = path
    .split('/')
    .slice(0, segments(dir) + maxDepth + 2)
    .join('/');
  return prefixEnd(Buffer.from(subtreePrefix('', ancestor)));
}

export function encodePosition(key: Buffer): string {
  return key.toString('base64url');
}

/** A resume position from a client-held cursor: it must lie inside the scanned range. */
export function decodePosition(position: string, range: KeyRange): Buffer {
  const key = /^[A-Za-z0-9_-]+$/.test(position) ? Buffer.from(position, 'base64url') : null;
  if (!key || Buffer.compare(key, range.start) < 0 || Buffer.compare(key, range.end) >= 0) {
    throw new BadRequestError('the cursor does not belong to this listing');
  }
  return key;
}

export interface ScanRequest<T> {
  dir: string;
  range: KeyRange;
  limit: number;
  from?: string;
  maxDepth?: number;
  fetch: Fetch<T>;
}

/**
 * One page: up to `limit` items of the range in key order, skipping (when `maxDepth` is set)
 * entries deeper than it, and the position of the next page unless the range is exhausted.
 */
export async function scanPage<T>(
  r: ScanRequest<T>,
): Promise<{ items: ScanItem<T>[]; next?: string }> {
  if (!Number.isSafeInteger(r.limit) || r.limit < 1) {
    throw new BadRequestError('a scan needs a positive limit');
  }
  let from = r.from === undefined ? r.range.start : decodePosition(r.from, r.range);
  const items: ScanItem<T>[] = [];
  for (;;) {
    const res = await r.fetch(from, r.limit - items.length);
    let skipped = false;
    for (const item of res.items) {
      if (r.maxDepth !== undefined && depthBelow(r.dir, item.path) > r.maxDepth) {
        from = pastTooDeep(r.dir, item.path, r.maxDepth);
        skipped = true;
        break;
      }
      items.push(item);
      from = Buffer.concat([item.key, Buffer.from([0])]);
    }
    const done = skipped ? Buffer.compare(from, r.range.end) >= 0 : !res.more;
    if (done) return { items };
    if (items.length >= r.limit) return { items, next: encodePosition(from) };
  }
}

/** Counts the items of a whole scan, `pageSize` keys per store read. */
export async function countScan<T>(
  r: Omit<ScanRequest<T>, 'limit' | 'from'>,
  pageSize: number,
): Promise<number> {
  let total = 0;
  let from: string | undefined;
  for (;;) {
    const page = await scanPage({ ...r, limit: pageSize, from });
    total += page.items.length;
    if (page.next === undefined) return total;
    from = page.next;
  }
}

export interface RecordScan<T> {
  dir: string;
  range: KeyRange;
  fetch: Fetch<T>;
  record(path: string, value: T): InodeRecord;
  /** The store revision the page was read at, asked once the page is read. */
  revision(): string;
}

/** One page of a listing or subtree scan (the port's ScanPage), as both stores answer it. */
export async function recordPage<T>(r: RecordScan<T>, o: ScanOptions): Promise<ScanPage> {
  const page = await scanPage({
    dir: r.dir,
    range: r.range,
    limit: o.limit,
    from: o.from,
    maxDepth: o.maxDepth,
    fetch: r.fetch,
  });
  return {
    records: page.items.map((item) => r.record(item.path, item.value)),
    revision: r.revision(),
    next: page.next,
  };
}
