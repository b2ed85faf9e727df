// An in-memory stand-in for the etcd adapter, for unit tests of the files service. It keeps
// the same semantics (revisions from one global counter, creates that add ancestors atomically,
// compare-on-revision replace/remove, membership fencing, leased claims) and passes the same
// contract suite. Test hooks: setServing() breaks or restores the fence, expireLease() acts
// out a lost lease (leased entries vanish, then the node re-registers).
import {
  AlreadyExistsError,
  BadRequestError,
  DirectoryNotEmptyError,
  InternalError,
  NodeNotServingError,
  NotFoundError,
  StaleRevisionError,
} from '../files/errors.js';
import type {
  CountOptions,
  CreateOptions,
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
import { rebasePath } from '../files/paths.js';
import { ancestorsOf, assertCanonical, inodeKey, nameOf, parentOf } from './keys.js';
import { VersionedMap, type Snapshot } from './memory-history.js';
import {
  childrenRange,
  countScan,
  type Fetch,
  type KeyRange,
  scanPage,
  subtreeRange,
} from './scan.js';
import {
  alreadyExists,
  ancestorInode,
  assertUsableParent,
  MAX_MISSING_ANCESTORS,
  pickInode,
  rootRecord,
} from './records.js';

interface StoredInode {
  inode: Inode;
  revision: string;
  /** The revision that created the key; a put over an existing key keeps it, as etcd does. */
  created: string;
  /** The lease the entry is attached to, or 0. */
  lease: number;
}

interface StoredNode {
  node: NodeRecord;
  createRevision: string;
  lease: number;
}

/** The shared "etcd": give the same store to several MemoryMetadata to simulate a cluster. */
export class MemoryStore {
  /** The current inodes; their past versions too, for reads at a revision (memory-history.ts). */
  readonly inodes = new VersionedMap<StoredInode>(() => this.revision);
  readonly nodes = new Map<string, StoredNode>();
  readonly journal = new Map<string, JournalEntry['value']>();
  private revision = 1;
  private leases = 0;

  /** One store revision per committed change, as one etcd txn. */
  nextRevision(): string {
    this.revision += 1;
    this.inodes.settle();
    return String(this.revision);
  }

  /** The latest revision (the header revision of an etcd read). */
  currentRevision(): string {
    return String(this.revision);
  }

  /** Test hook: compacts the history at `revision`, as etcd's compaction does. */
  compact(revision: string): void {
    this.inodes.compact(Number(revision));
  }

  nextLease(): number {
    this.leases += 1;
    return this.leases;
  }

  /** Removes everything attached to `lease`, as etcd does when a lease expires or is revoked. */
  revokeLease(lease: number): void {
    let changed = false;
    for (const [path, e] of this.inodes) {
      if (e.lease === lease) {
        this.inodes.delete(path);
        changed = true;
      }
    }
    for (const [id, n] of this.nodes) {
      if (n.lease === lease) {
        this.nodes.delete(id);
        changed = true;
      }
    }
    if (changed) this.nextRevision();
  }
}

export interface MemoryMetadataOptions {
  instanceId: string;
  store?: MemoryStore;
  /** How long register() waits for another holder of the id (default 0: fail at once). */
  registerRetryMs?: number;
  /** Re-register on the next tick after expireLease() (default true). */
  autoReregister?: boolean;
}

export class MemoryMetadata implements Metadata, Membership {
  readonly store: MemoryStore;
  private held: { lease: number; createRevision: string } | null = null;
  private node: NodeRecord | null = null;
  private fenceBroken = false;
  private serving = false;
  private readonly listeners = new Set<(serving: boolean) => void>();

  constructor(private readonly options: MemoryMetadataOptions) {
    this.store = options.store ?? new MemoryStore();
  }

  // ---- test hooks -------------------------------------------------------------------------

  /** false: every commit fails its membership fence (NodeNotServingError); true: restores it. */
  setServing(serving: boolean): void {
    this.fenceBroken = !serving;
    this.updateServing();
  }

  /** The lease expires: leased entries and the membership record vanish, then re-register. */
  async expireLease(): Promise<void> {
    const held = this.held;
    if (!held) return;
    this.held = null;
    this.store.revokeLease(held.lease);
    this.updateServing();
    const node = this.node;
    if (node && this.options.autoReregister !== false) {
      setTimeout(() => {
        if (this.node === node && !this.held) this.acquire(node);
      }, 0);
    }
  }

  // ---- Membership -------------------------------------------------------------------------

  async register(node: NodeRecord): Promise<void> {
    if (node.instance_id !== this.options.instanceId) {
      throw new InternalError(`register(${node.instance_id}) on ${this.options.instanceId}`);
    }
    if (this.node) throw new InternalError(`${node.instance_id} is already registered`);
    const until = Date.now() + (this.options.registerRetryMs ?? 0);
    while (!this.acquire(node)) {
      if (Date.now() >= until) {
        throw new AlreadyExistsError(`instance id ${node.instance_id} is held by another process`);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    this.node = node;
  }

  async deregister(): Promise<void> {
    this.node = null;
    const held = this.held;
    this.held = null;
    if (held) this.store.revokeLease(held.lease);
    this.updateServing();
  }

  isServing(): boolean {
    return this.serving;
  }

  onServingChange(listener: (serving: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async getNode(instanceId: string): Promise<NodeRecord | null> {
    const n = this.store.nodes.get(instanceId);
    return n ? { ...n.node, backends: [...n.node.backends] } : null;
  }

  async listNodes(): Promise<NodeRecord[]> {
    return [...this.store.nodes.keys()]
      .sort(byBytes)
      .map((id) => this.store.nodes.get(id)!.node)
      .map((n) => ({ ...n, backends: [...n.backends] }));
  }

  async close(): Promise<void> {
    await this.deregister();
  }

  // ---- Metadata ---------------------------------------------------------------------------

  async get(path: string): Promise<InodeRecord | null> {
    assertCanonical(path);
    if (path === '/') return rootRecord();
    const e = this.store.inodes.get(path);
    return e ? record(path, e) : null;
  }

  async list(dir: string): Promise<InodeRecord[]> {
    assertCanonical(dir);
    const names: string[] = [];
    for (const path of this.store.inodes.keys()) {
      if (parentOf(path) === dir && path !== '/') names.push(nameOf(path));
    }
    return names.sort(byBytes).map((name) => {
      const path = dir === '/' ? `/${name}` : `${dir}/${name}`;
      return record(path, this.store.inodes.get(path)!);
    });
  }

  async create(path: string, inode: Inode, options: CreateOptions): Promise<InodeRecord> {
    assertCanonical(path);
    if (path === '/') throw alreadyExists(rootRecord(), inode);
    const held = this.current();
    const existing = this.store.inodes.get(path);
    if (existing) throw alreadyExists(record(path, existing), inode);
    const missing = this.missingAncestors(path);
    if (missing.length > 0 && !options.parents) {
      throw new NotFoundError(`parent directory ${missing[0]} does not exist`);
    }
    if (missing.length > MAX_MISSING_ANCESTORS) {
      throw new BadRequestError(`too many missing parent directories (${missing.length})`);
    }
    this.checkFence(held);
    const revision = this.store.nextRevision();
    for (const dir of missing) {
      this.store.inodes.set(dir, {
        inode: ancestorInode(options.parents!),
        revision,
        created: revision,
        lease: 0,
      });
    }
    const stored = {
      inode: pickInode(inode),
      revision,
      created: revision,
      lease: options.leased ? held.lease : 0,
    };
    this.store.inodes.set(path, stored);
    return record(path, stored);
  }

  /** The ancestors below the nearest existing one; ParentNotADirectoryError on a file. */
  private missingAncestors(path: string): string[] {
    const ancestors = ancestorsOf(path);
    let nearest = -1;
    ancestors.forEach((dir, i) => {
      const e = this.store.inodes.get(dir);
      if (!e) return;
      assertUsableParent(dir, e.inode);
      nearest = i;
    });
    return ancestors.slice(nearest + 1);
  }

  async move(
    from: InodeRecord,
    to: string,
    inode: Inode,
    options: MoveOptions,
  ): Promise<InodeRecord> {
    assertCanonical(from.path);
    assertCanonical(to);
    if (from.path === '/' || to === '/') throw new BadRequestError('the root cannot be moved');
    const held = this.current();
    const existing = this.store.inodes.get(to);
    if (existing && existing.revision !== options.overwrite?.revision) {
      throw alreadyExists(record(to, existing), inode);
    }
    const missing = this.missingAncestors(to);
    if (missing.length > 0 && !options.parents) {
      throw new NotFoundError(`parent directory ${missing[0]} does not exist`);
    }
    this.checkFence(held);
    if (this.store.inodes.get(from.path)?.revision !== from.revision) {
      throw new StaleRevisionError(`${from.path} changed since it was read`);
    }
    const revision = this.store.nextRevision();
    if (options.parents) {
      for (const dir of missing) {
        this.store.inodes.set(dir, {
          inode: ancestorInode(options.parents),
          revision,
          created: revision,
          lease: 0,
        });
      }
    }
    this.store.inodes.delete(from.path);
    const created = existing?.created ?? revision;
    const stored = { inode: pickInode(inode), revision, created, lease: 0 };
    this.store.inodes.set(to, stored);
    if (options.journal) this.store.journal.set(options.journal.id, options.journal.value);
    return record(to, stored);
  }

  async rekey(records: InodeRecord[], from: string, to: string): Promise<RekeyResult> {
    assertCanonical(from);
    assertCanonical(to);
    this.checkFence(this.current());
    const out: RekeyResult = { stale: [], taken: [] };
    for (const r of records) {
      const e = this.store.inodes.get(r.path);
      const dest = rebasePath(r.path, from, to);
      if (!e || e.revision !== r.revision) {
        out.stale.push(r);
        continue;
      }
      if (this.store.inodes.get(dest)) {
        out.taken.push(r);
        continue;
      }
      this.store.inodes.delete(r.path);
      const revision = this.store.nextRevision();
      this.store.inodes.set(dest, {
        inode: pickInode(r.inode),
        revision,
        // The destination was absent: a re-keyed inode is a new key, as in etcd.
        created: revision,
        lease: 0,
      });
    }
    return out;
  }

  /** Values are kept as objects here, so none is unreadable. */
  async journal(node: string): Promise<JournalRead> {
    const entries = [...this.store.journal]
      .filter(([, value]) => value.node === node)
      .map(([id, value]) => ({ id, value }));
    return { entries, unreadable: [] };
  }

  async clearJournal(id: string): Promise<void> {
    this.store.journal.delete(id);
  }

  async putJournal(entry: JournalEntry): Promise<void> {
    this.store.journal.set(entry.id, entry.value);
  }

  async listPage(dir: string, options: ScanOptions): Promise<ScanPage> {
    assertCanonical(dir);
    return this.scan(dir, childrenRange(dir), options);
  }

  async scanSubtree(dir: string, options: ScanOptions): Promise<ScanPage> {
    assertCanonical(dir);
    return this.scan(dir, subtreeRange(dir), options);
  }

  async count(dir: string, options: CountOptions): Promise<number> {
    assertCanonical(dir);
    const snapshot = this.store.inodes.at(options.revision);
    const range = options.recursive ? subtreeRange(dir) : childrenRange(dir);
    const keys = keysIn(snapshot, range);
    if (!options.recursive || options.maxDepth === undefined) return keys.length;
    return countScan(
      { dir, range, maxDepth: options.maxDepth, fetch: fetchFrom(snapshot, keys) },
      SCAN_PAGE,
    );
  }

  async removeMany(records: InodeRecord[]): Promise<InodeRecord[]> {
    for (const r of records) {
      assertCanonical(r.path);
      if (r.path === '/') throw new BadRequestError('the root cannot be removed');
    }
    this.checkFence(this.current());
    const hasChildren = (dir: string): boolean => {
      for (const path of this.store.inodes.keys()) if (parentOf(path) === dir) return true;
      return false;
    };
    const left: InodeRecord[] = [];
    const removable: string[] = [];
    for (const r of records) {
      const e = this.store.inodes.get(r.path);
      const ok =
        e !== undefined &&
        e.revision === r.revision &&
        (e.inode.type !== 'directory' || !hasChildren(r.path));
      if (ok) removable.push(r.path);
      else left.push(r);
    }
    for (const path of removable) this.store.inodes.delete(path);
    if (removable.length > 0) this.store.nextRevision();
    return left;
  }

  private async scan(dir: string, range: KeyRange, o: ScanOptions): Promise<ScanPage> {
    const snapshot = this.store.inodes.at(o.revision);
    const keys = keysIn(snapshot, range);
    const page = await scanPage({
      dir,
      range,
      limit: o.limit,
      from: o.from,
      maxDepth: o.maxDepth,
      fetch: fetchFrom(snapshot, keys),
    });
    return {
      records: page.items.map((item) => record(item.path, item.value)),
      revision: String(snapshot.revision),
      next: page.next,
    };
  }

  async replace(expected: InodeRecord, inode: Inode): Promise<InodeRecord> {
    assertCanonical(expected.path);
    if (expected.path === '/') throw new BadRequestError('the root cannot be replaced');
    this.checkFence(this.current());
    const e = this.store.inodes.get(expected.path);
    if (!e || e.revision !== expected.revision) {
      throw new StaleRevisionError(`${expected.path} changed since revision ${expected.revision}`);
    }
    // Not leased: a committed inode outlives the node's membership.
    const stored = {
      inode: pickInode(inode),
      revision: this.store.nextRevision(),
      created: e.created,
      lease: 0,
    };
    this.store.inodes.set(expected.path, stored);
    return record(expected.path, stored);
  }

  async remove(expected: InodeRecord): Promise<void> {
    assertCanonical(expected.path);
    if (expected.path === '/') throw new BadRequestError('the root cannot be removed');
    this.checkFence(this.current());
    const e = this.store.inodes.get(expected.path);
    if (!e || e.revision !== expected.revision) {
      throw new StaleRevisionError(`${expected.path} changed since revision ${expected.revision}`);
    }
    if (e.inode.type === 'directory') {
      for (const path of this.store.inodes.keys()) {
        if (parentOf(path) === expected.path) {
          throw new DirectoryNotEmptyError(`${expected.path} is not empty`);
        }
      }
    }
    this.store.inodes.delete(expected.path);
    this.store.nextRevision();
  }

  // ---- helpers ----------------------------------------------------------------------------

  /** Takes the membership key if free; the key's create revision becomes the fence. */
  private acquire(node: NodeRecord): boolean {
    if (this.store.nodes.has(node.instance_id)) return false;
    const lease = this.store.nextLease();
    const createRevision = this.store.nextRevision();
    this.store.nodes.set(node.instance_id, {
      node: { ...node, backends: [...node.backends], leased: Date.now() },
      createRevision,
      lease,
    });
    this.held = { lease, createRevision };
    this.updateServing();
    return true;
  }

  private current(): { lease: number; createRevision: string } {
    if (!this.held) {
      throw new NodeNotServingError(`${this.options.instanceId} holds no membership lease`);
    }
    return this.held;
  }

  private checkFence(held: { createRevision: string }): void {
    const n = this.store.nodes.get(this.options.instanceId);
    if (this.fenceBroken || !n || n.createRevision !== held.createRevision) {
      throw new NodeNotServingError(`${this.options.instanceId} lost its membership lease`);
    }
  }

  private updateServing(): void {
    const serving = this.held !== null && !this.fenceBroken;
    if (serving === this.serving) return;
    this.serving = serving;
    for (const listener of [...this.listeners]) listener(serving);
  }
}

/** Keys read per step when counting a depth-limited subtree (etcd reads keys-only pages). */
const SCAN_PAGE = 10_000;

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

function record(path: string, e: StoredInode): InodeRecord {
  return { path, inode: pickInode(e.inode), revision: e.revision, created: e.created };
}

/** Byte order of the UTF-8 names, as etcd sorts keys. */
function byBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
