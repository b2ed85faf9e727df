// Directory listings (API.md §3.4), served from the metadata store so any node lists the whole
// cluster. A listing is read page by page at one store revision: the first page pins the
// revision and counts the listing there; the opaque cursor of each page carries the revision,
// the resume position and the count, so later pages see the same snapshot however the
// namespace changes meanwhile. The cursor is sealed with the cluster's cursor key (cursor.ts):
// one that was altered, forged or made for another listing is INVALID_CURSOR, so a client
// cannot steer a listing to another revision, position or count. A revision the store has
// compacted is CURSOR_EXPIRED. Entries
// whose create is still in flight (state `writing`) are not listed. Order: a directory's
// children by name (bytes); a recursive listing in key order, grouped by parent directory.
import { openCursor, sealCursor } from './cursor.js';
import {
  BadRequestError,
  CursorExpiredError,
  InvalidCursorError,
  NotADirectoryError,
  NotFoundError,
} from './errors.js';
import { isVisible, toFileInfo } from './info.js';
import type {
  DirectoryListing,
  FileInfo,
  InodeRecord,
  ListQuery,
  Metadata,
  ScanOptions,
  ScanPage,
} from './ports.js';

export const DEFAULT_LIST_LIMIT = 1000;
export const MAX_LIST_LIMIT = 10_000;
export const DEFAULT_MAX_DEPTH = 100;
export const MAX_DEPTH_CAP = 1000;
/** Records per store read when a whole directory is streamed (GET /v1/files/dir/, gRPC List). */
const ENTRIES_PAGE = 1000;

/** What a cursor carries (short keys: it travels in URLs). */
interface Cursor {
  v: 1;
  /** The listed directory, recursive flag and depth: a cursor continues only its own listing. */
  p: string;
  r: boolean;
  d: number;
  /** The store revision of every page. */
  rev: string;
  /** The store's resume position. */
  at: string;
  /** The count of the listing, taken on its first page. */
  n: number;
}

function decodeCursor(key: Buffer, raw: string, path: string, q: ListQuery): Cursor {
  const bad = (why: string) => new InvalidCursorError(`invalid cursor: ${why}`);
  const c = openCursor(key, raw) as Partial<Cursor> | null;
  if (
    !c ||
    typeof c !== 'object' ||
    c.v !== 1 ||
    typeof c.p !== 'string' ||
    typeof c.r !== 'boolean' ||
    !Number.isSafeInteger(c.d) ||
    typeof c.rev !== 'string' ||
    !/^[1-9][0-9]{0,18}$/.test(c.rev) ||
    typeof c.at !== 'string' ||
    !Number.isSafeInteger(c.n) ||
    (c.n as number) < 0
  ) {
    throw bad('malformed');
  }
  if (c.p !== path || c.r !== q.recursive || (q.recursive && c.d !== q.maxDepth)) {
    throw bad('it belongs to another listing (path, recursive and max_depth must not change)');
  }
  return c as Cursor;
}

function checkQuery(q: ListQuery): void {
  if (!Number.isSafeInteger(q.limit) || q.limit < 1 || q.limit > MAX_LIST_LIMIT) {
    throw new BadRequestError(`limit must be an integer from 1 to ${MAX_LIST_LIMIT}`);
  }
  if (!Number.isSafeInteger(q.maxDepth) || q.maxDepth < 0 || q.maxDepth > MAX_DEPTH_CAP) {
    throw new BadRequestError(`max_depth must be an integer from 0 to ${MAX_DEPTH_CAP}`);
  }
}

/** The directory record, or NotFound / NotADirectory. */
async function directory(metadata: Metadata, path: string): Promise<InodeRecord> {
  const rec = await metadata.get(path);
  if (!isVisible(rec)) throw new NotFoundError(`${path} not found`);
  if (rec.inode.type !== 'directory') throw new NotADirectoryError(`${path} is not a directory`);
  return rec;
}

/** One page of `GET /v1/directories/{path}`. */
export async function listDirectory(
  metadata: Metadata,
  path: string,
  q: ListQuery,
  cursorKey: Buffer,
): Promise<DirectoryListing> {
  checkQuery(q);
  const cursor = q.cursor === undefined ? undefined : decodeCursor(cursorKey, q.cursor, path, q);
  // A cursor proves the directory existed at its revision: its pages stay readable.
  if (!cursor) await directory(metadata, path);
  const scan = (o: ScanOptions): Promise<ScanPage> =>
    q.recursive
      ? metadata.scanSubtree(path, { ...o, maxDepth: q.maxDepth })
      : metadata.listPage(path, o);
  const items: FileInfo[] = [];
  let revision = cursor?.rev;
  let from = cursor?.at;
  // Hidden entries (in-flight creates) are skipped: read on until the page is full or done.
  for (;;) {
    const page = await scan({ limit: q.limit - items.length, from, revision });
    revision = page.revision;
    for (const r of page.records) if (isVisible(r)) items.push(toFileInfo(r));
    from = page.next;
    if (from === undefined || items.length >= q.limit) break;
  }
  const pinned = revision as string;
  const count =
    cursor?.n ??
    (await metadata.count(path, {
      revision: pinned,
      recursive: q.recursive,
      maxDepth: q.recursive ? q.maxDepth : undefined,
    }));
  const listing: DirectoryListing = { path, recursive: q.recursive, count, items };
  if (from !== undefined) {
    listing.nextCursor = sealCursor(cursorKey, {
      v: 1,
      p: path,
      r: q.recursive,
      d: q.recursive ? q.maxDepth : 0,
      rev: pinned,
      at: from,
      n: count,
    });
  }
  return listing;
}

/**
 * Every visible child of a directory, as a stream of pages read at one revision (the first
 * page is read before this resolves). Should the store compact that revision during a very
 * long stream, the rest is read at the newest revision rather than cutting the response.
 */
export async function listEntries(
  metadata: Metadata,
  path: string,
): Promise<AsyncIterable<FileInfo>> {
  await directory(metadata, path);
  const first = await metadata.listPage(path, { limit: ENTRIES_PAGE });
  return (async function* () {
    let page = first;
    for (;;) {
      for (const r of page.records) if (isVisible(r)) yield toFileInfo(r);
      if (page.next === undefined) return;
      const from = page.next;
      try {
        page = await metadata.listPage(path, {
          limit: ENTRIES_PAGE,
          from,
          revision: page.revision,
        });
      } catch (err) {
        if (!(err instanceof CursorExpiredError)) throw err;
        page = await metadata.listPage(path, { limit: ENTRIES_PAGE, from });
      }
    }
  })();
}
