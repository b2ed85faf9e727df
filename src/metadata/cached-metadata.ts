// The Metadata and Membership ports with warm reads served from memory: a decorator around the
// etcd adapter that answers `get` and `getNode` from bounded LRUs kept current by one watch on
// the prefix (watch-feed.ts), and only while that watch is known to be current and this node
// holds its lease; otherwise, and on every miss, it reads etcd. Everything else delegates:
// listings, counts and scans always read etcd, and every write is still a transaction that
// compares revisions, so a stale entry can only make a commit fail. This node's own committed
// transactions update the cache at their revision (read-your-writes on this node); a commit
// that failed as stale or conflicting drops the entries it used, so a retry reads etcd.
// Nothing absent is cached: a miss never answers "not found" without asking etcd.
import { AlreadyExistsError, StaleRevisionError } from '../files/errors.js';
import { rebasePath } from '../files/paths.js';
import type {
  CountOptions,
  CreateOptions,
  GetOptions,
  Inode,
  InodeRecord,
  RekeyResult,
  JournalEntry,
  JournalRead,
  Membership,
  Metadata,
  MoveOptions,
  NodeRecord,
  ScanOptions,
  ScanPage,
} from '../files/ports.js';
import { decodeInode, decodeNode } from './records.js';
import { RevisionLru } from './revision-lru.js';
import { pathOfKey } from './scan.js';
import type { ChangeFeed } from './watch-feed.js';

export type CacheKind = 'inode' | 'node';
/** hit: answered from memory; miss: not cached; bypass: the cache was not current, or not asked. */
export type CacheResult = 'hit' | 'miss' | 'bypass';

export interface CachedMetadataOptions {
  inner: Metadata & Membership;
  feed: ChangeFeed;
  /** The most inodes kept. */
  maxEntries: number;
  /** The most membership records kept (default 1024). */
  maxNodes?: number;
  onLookup?: (kind: CacheKind, result: CacheResult) => void;
}

const FS = Buffer.from('fs/');
const NODES = Buffer.from('nodes/');

export class CachedMetadata implements Metadata, Membership {
  private readonly inner: Metadata & Membership;
  private readonly inodes: RevisionLru<InodeRecord>;
  private readonly nodes: RevisionLru<NodeRecord>;

  constructor(private readonly o: CachedMetadataOptions) {
    this.inner = o.inner;
    this.inodes = new RevisionLru(o.maxEntries);
    this.nodes = new RevisionLru(o.maxNodes ?? 1024);
    o.feed.subscribe({
      change: (key, value, revision, created) => this.changed(key, value, revision, created),
      reset: () => {
        this.inodes.clear();
        this.nodes.clear();
      },
    });
  }

  /** Inodes held now (for the size gauge and tests). */
  get size(): number {
    return this.inodes.size;
  }

  // ---- reads --------------------------------------------------------------------------------

  async get(path: string, options?: GetOptions): Promise<InodeRecord | null> {
    if (path === '/') return this.inner.get(path);
    const answering = !options?.fresh && this.answering();
    if (answering) {
      const hit = this.inodes.get(path);
      if (hit) {
        this.o.onLookup?.('inode', 'hit');
        return copyRecord(hit);
      }
    }
    this.o.onLookup?.('inode', answering ? 'miss' : 'bypass');
    if (!this.o.feed.isConnected()) return this.inner.get(path);
    const fill = this.inodes.beginFill(path);
    let rec: InodeRecord | null;
    try {
      rec = await this.inner.get(path);
    } catch (err) {
      fill.cancel();
      throw err;
    }
    fill.end(rec && copyRecord(rec), rec ? BigInt(rec.revision) : 0n);
    return rec;
  }

  async getNode(instanceId: string): Promise<NodeRecord | null> {
    const answering = this.answering();
    if (answering) {
      const hit = this.nodes.get(instanceId);
      if (hit) {
        this.o.onLookup?.('node', 'hit');
        return copyNode(hit);
      }
    }
    this.o.onLookup?.('node', answering ? 'miss' : 'bypass');
    if (!this.o.feed.isConnected()) return this.inner.getNode(instanceId);
    const fill = this.nodes.beginFill(instanceId);
    let node: NodeRecord | null;
    try {
      node = await this.inner.getNode(instanceId);
    } catch (err) {
      fill.cancel();
      throw err;
    }
    // The port gives no revision here: 0 keeps the entry only if no change arrived meanwhile,
    // and lets every later change apply. Membership records change rarely.
    fill.end(node && copyNode(node), 0n);
    return node;
  }

  list(dir: string): Promise<InodeRecord[]> {
    return this.inner.list(dir);
  }

  listPage(dir: string, options: ScanOptions): Promise<ScanPage> {
    return this.inner.listPage(dir, options);
  }

  scanSubtree(dir: string, options: ScanOptions): Promise<ScanPage> {
    return this.inner.scanSubtree(dir, options);
  }

  count(dir: string, options: CountOptions): Promise<number> {
    return this.inner.count(dir, options);
  }

  journal(node: string): Promise<JournalRead> {
    return this.inner.journal(node);
  }

  listNodes(): Promise<NodeRecord[]> {
    return this.inner.listNodes();
  }

  // ---- writes: delegated, then applied at their revision ---------------------------------------

  async create(path: string, inode: Inode, options: CreateOptions): Promise<InodeRecord> {
    const rec = await this.failing(this.inner.create(path, inode, options), [path]);
    this.learn(rec);
    return rec;
  }

  async replace(expected: InodeRecord, inode: Inode): Promise<InodeRecord> {
    const rec = await this.failing(this.inner.replace(expected, inode), [expected.path]);
    this.learn(rec);
    return rec;
  }

  async remove(expected: InodeRecord): Promise<void> {
    await this.failing(this.inner.remove(expected), [expected.path]);
    // The port does not return the delete's revision; forgetting is always safe.
    this.inodes.invalidate(expected.path);
  }

  async move(
    from: InodeRecord,
    to: string,
    inode: Inode,
    options: MoveOptions,
  ): Promise<InodeRecord> {
    const rec = await this.failing(this.inner.move(from, to, inode, options), [from.path, to]);
    this.inodes.change(from.path, null, BigInt(rec.revision));
    this.learn(rec);
    return rec;
  }

  async rekey(records: InodeRecord[], from: string, to: string): Promise<RekeyResult> {
    try {
      return await this.inner.rekey(records, from, to);
    } finally {
      for (const r of records) {
        this.inodes.invalidate(r.path);
        this.inodes.invalidate(rebasePath(r.path, from, to));
      }
    }
  }

  async removeMany(records: InodeRecord[]): Promise<InodeRecord[]> {
    try {
      return await this.inner.removeMany(records);
    } finally {
      for (const r of records) this.inodes.invalidate(r.path);
    }
  }

  clearJournal(id: string): Promise<void> {
    return this.inner.clearJournal(id);
  }

  fenceWrite(id: string): Promise<void> {
    return this.inner.fenceWrite(id);
  }

  putJournal(entry: JournalEntry): Promise<void> {
    return this.inner.putJournal(entry);
  }

  clearJournalIfUnchanged(expected: JournalEntry): Promise<boolean> {
    return this.inner.clearJournalIfUnchanged(expected);
  }

  replaceJournal(expected: JournalEntry, value: JournalEntry['value']): Promise<boolean> {
    return this.inner.replaceJournal(expected, value);
  }

  journalEntry(id: string): Promise<JournalEntry | null> {
    return this.inner.journalEntry(id);
  }

  orphanedJournal(): Promise<JournalEntry[]> {
    return this.inner.orphanedJournal();
  }

  adoptJournal(entry: JournalEntry): Promise<JournalEntry | null> {
    return this.inner.adoptJournal(entry);
  }

  // ---- membership ---------------------------------------------------------------------------

  async register(node: NodeRecord): Promise<void> {
    try {
      await this.inner.register(node);
    } finally {
      this.nodes.invalidate(node.instance_id);
    }
  }

  deregister(): Promise<void> {
    return this.inner.deregister();
  }

  isServing(): boolean {
    return this.inner.isServing();
  }

  // ---- helpers ------------------------------------------------------------------------------

  /** The cache answers only while its watch is current and this node's lease is alive. */
  private answering(): boolean {
    return this.o.feed.isCurrent() && this.inner.isServing();
  }

  private learn(rec: InodeRecord): void {
    if (this.o.feed.isConnected()) {
      this.inodes.change(rec.path, copyRecord(rec), BigInt(rec.revision), true);
    } else {
      this.inodes.invalidate(rec.path);
    }
  }

  /** A commit that lost to a change it did not see: its entries were stale, drop them. */
  private async failing<T>(op: Promise<T>, paths: string[]): Promise<T> {
    try {
      return await op;
    } catch (err) {
      if (err instanceof StaleRevisionError || err instanceof AlreadyExistsError) {
        for (const p of paths) this.inodes.invalidate(p);
      }
      throw err;
    }
  }

  private changed(key: Buffer, value: Buffer | null, revision: bigint, created: string): void {
    if (startsWith(key, FS)) {
      const path = pathOfKey(key);
      if (!this.inodes.tracks(path)) return;
      if (value === null) {
        this.inodes.change(path, null, revision);
        return;
      }
      try {
        const inode = decodeInode(path, value.toString('utf8'));
        this.inodes.change(path, { path, inode, revision: String(revision), created }, revision);
      } catch {
        this.inodes.invalidate(path);
      }
    } else if (startsWith(key, NODES)) {
      const id = key.subarray(NODES.length).toString('utf8');
      if (!this.nodes.tracks(id)) return;
      if (value === null) {
        this.nodes.change(id, null, revision);
        return;
      }
      try {
        this.nodes.change(id, decodeNode(id, value.toString('utf8')), revision);
      } catch {
        this.nodes.invalidate(id);
      }
    }
  }
}

function startsWith(key: Buffer, prefix: Buffer): boolean {
  return (
    key.length >= prefix.length && key.compare(prefix, 0, prefix.length, 0, prefix.length) === 0
  );
}

/** Callers get their own objects: nothing they do to a record can change the cache. */
function copyRecord(rec: InodeRecord): InodeRecord {
  return { path: rec.path, inode: { ...rec.inode }, revision: rec.revision, created: rec.created };
}

function copyNode(node: NodeRecord): NodeRecord {
  return { ...node, backends: [...node.backends] };
}
