// Directory listings and subtree scans of the in-memory fake, read from the store's history at
// one revision and paged by the same scan code as the etcd adapter (scan.ts), so both page,
// skip and resume identically.
import type { CountOptions, InodeRecord, ScanOptions, ScanPage } from '../files/ports.js';
import { nameOf, parentOf } from '../files/paths.js';
import { inodeKey } from './keys.js';
import type { Snapshot } from './memory-history.js';
import { byBytes, recordOf, type MemoryStore, type StoredInode } from './memory-store.js';
import {
  childrenRange,
  countScan,
  type Fetch,
  type KeyRange,
  recordPage,
  subtreeRange,
} from './scan.js';

/** Keys read per step when counting a depth-limited subtree (etcd reads keys-only pages). */
const SCAN_PAGE = 10_000;

export class MemoryListing {
  constructor(private readonly store: MemoryStore) {}

  list(dir: string): InodeRecord[] {
    const names: string[] = [];
    for (const path of this.store.inodes.keys()) {
      if (parentOf(path) === dir && path !== '/') names.push(nameOf(path));
    }
    return names.sort(byBytes).map((name) => {
      const path = dir === '/' ? `/${name}` : `${dir}/${name}`;
      return recordOf(path, this.store.inodes.get(path)!);
    });
  }

  listPage(dir: string, options: ScanOptions): Promise<ScanPage> {
    return this.scan(dir, childrenRange(dir), options);
  }

  scanSubtree(dir: string, options: ScanOptions): Promise<ScanPage> {
    return this.scan(dir, subtreeRange(dir), options);
  }

  async count(dir: string, options: CountOptions): Promise<number> {
    const snapshot = this.store.inodes.at(options.revision);
    const range = options.recursive ? subtreeRange(dir) : childrenRange(dir);
    const keys = keysIn(snapshot, range);
    if (!options.recursive || options.maxDepth === undefined) return keys.length;
    return countScan(
      { dir, range, maxDepth: options.maxDepth, fetch: fetchFrom(snapshot, keys) },
      SCAN_PAGE,
    );
  }

  private scan(dir: string, range: KeyRange, o: ScanOptions): Promise<ScanPage> {
    const snapshot = this.store.inodes.at(o.revision);
    const fetch = fetchFrom(snapshot, keysIn(snapshot, range));
    const revision = () => String(snapshot.revision);
    return recordPage({ dir, range, fetch, record: recordOf, revision }, o);
  }
}

interface KeyedPath {
  key: Buffer;
  path: string;
}

/** The paths present at the snapshot whose keys fall in `range`, in key order. */
function keysIn(snapshot: Snapshot<StoredInode>, range: KeyRange): KeyedPath[] {
  const out: KeyedPath[] = [];
  for (const path of snapshot.keys()) {
    if (path === '/' || snapshot.get(path) === undefined) continue;
    const key = Buffer.from(inodeKey('', path));
    if (Buffer.compare(key, range.start) >= 0 && Buffer.compare(key, range.end) < 0) {
      out.push({ key, path });
    }
  }
  return out.sort((a, b) => Buffer.compare(a.key, b.key));
}

/** A store read over sorted keys, as etcd's range with a limit answers it. */
function fetchFrom(snapshot: Snapshot<StoredInode>, keys: KeyedPath[]): Fetch<StoredInode> {
  return async (from, limit) => {
    let i = keys.findIndex((k) => Buffer.compare(k.key, from) >= 0);
    if (i < 0) i = keys.length;
    const slice = keys.slice(i, i + limit);
    return {
      items: slice.map((k) => ({ ...k, value: snapshot.get(k.path)! })),
      more: i + limit < keys.length,
    };
  };
}
