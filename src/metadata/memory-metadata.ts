// An in-memory stand-in for the etcd adapter, for unit tests of the files service. It keeps
// the same semantics (revisions from one global counter, creates that add ancestors atomically,
// compare-on-revision replace/remove, membership fencing, leased claims) and passes the same
// contract suite. Split as the etcd adapter is: the shared store (memory-store.ts), membership
// (memory-membership.ts), placement (memory-place.ts), bulk jobs (memory-bulk.ts), listings
// (memory-listing.ts) and the journal (memory-journal.ts). Test hooks: setServing() breaks or
// restores the fence, expireLease() acts out a lost lease (see memory-membership.ts).
import { BadRequestError, DirectoryNotEmptyError, StaleRevisionError } from '../files/errors.js';
import type {
  CountOptions,
  CreateOptions,
  Inode,
  InodeRecord,
  JournalEntry,
  JournalRead,
  Membership,
  Metadata,
  MoveOptions,
  NodeRecord,
  RekeyResult,
  ScanOptions,
  ScanPage,
} from '../files/ports.js';
import { assertCanonical } from './keys.js';
import { MemoryBulk } from './memory-bulk.js';
import { MemoryJournal } from './memory-journal.js';
import { MemoryListing } from './memory-listing.js';
import { MemoryMembership, type MemoryMembershipOptions } from './memory-membership.js';
import { MemoryPlacement } from './memory-place.js';
import { MemoryStore, recordOf, type StoredInode } from './memory-store.js';
import { alreadyExists, pickInode, rootRecord } from './records.js';

export { MemoryStore } from './memory-store.js';

export interface MemoryMetadataOptions extends MemoryMembershipOptions {
  /** The shared store; give the same one to several MemoryMetadata to simulate a cluster. */
  store?: MemoryStore;
}

export class MemoryMetadata implements Metadata, Membership {
  readonly store: MemoryStore;
  private readonly membership: MemoryMembership;
  private readonly placement: MemoryPlacement;
  private readonly bulk: MemoryBulk;
  private readonly listing: MemoryListing;
  private readonly journals: MemoryJournal;
  private readonly instanceId: string;

  constructor(options: MemoryMetadataOptions) {
    this.store = options.store ?? new MemoryStore();
    this.membership = new MemoryMembership(this.store, options);
    this.placement = new MemoryPlacement(this.store, this.membership);
    this.bulk = new MemoryBulk(this.store, this.membership);
    this.listing = new MemoryListing(this.store);
    this.journals = new MemoryJournal(this.store);
    this.instanceId = options.instanceId;
  }

  // ---- test hooks -------------------------------------------------------------------------

  /** false: every commit fails its membership fence (NodeNotServingError); true: restores it. */
  setServing(serving: boolean): void {
    this.membership.setServing(serving);
  }

  /** The lease expires: leased entries and the membership record vanish, then re-register. */
  expireLease(): Promise<void> {
    return this.membership.expireLease();
  }

  // ---- Membership -------------------------------------------------------------------------

  register(node: NodeRecord): Promise<void> {
    return this.membership.register(node);
  }

  deregister(): Promise<void> {
    return this.membership.deregister();
  }

  isServing(): boolean {
    return this.membership.isServing();
  }

  onServingChange(listener: (serving: boolean) => void): () => void {
    return this.membership.onServingChange(listener);
  }

  getNode(instanceId: string): Promise<NodeRecord | null> {
    return this.membership.getNode(instanceId);
  }

  listNodes(): Promise<NodeRecord[]> {
    return this.membership.listNodes();
  }

  async close(): Promise<void> {
    await this.deregister();
  }

  // ---- Metadata ---------------------------------------------------------------------------

  async get(path: string): Promise<InodeRecord | null> {
    assertCanonical(path);
    if (path === '/') return rootRecord();
    const e = this.store.inodes.get(path);
    return e ? recordOf(path, e) : null;
  }

  async list(dir: string): Promise<InodeRecord[]> {
    assertCanonical(dir);
    return this.listing.list(dir);
  }

  async listPage(dir: string, options: ScanOptions): Promise<ScanPage> {
    assertCanonical(dir);
    return this.listing.listPage(dir, options);
  }

  async scanSubtree(dir: string, options: ScanOptions): Promise<ScanPage> {
    assertCanonical(dir);
    return this.listing.scanSubtree(dir, options);
  }

  async count(dir: string, options: CountOptions): Promise<number> {
    assertCanonical(dir);
    return this.listing.count(dir, options);
  }

  async create(path: string, inode: Inode, options: CreateOptions): Promise<InodeRecord> {
    assertCanonical(path);
    if (path === '/') throw alreadyExists(rootRecord(), inode);
    return this.placement.create(path, inode, options);
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
    return this.placement.move(from, to, inode, options);
  }

  async fenceWrite(id: string): Promise<void> {
    this.store.fences.add(id);
  }

  async replace(expected: InodeRecord, inode: Inode): Promise<InodeRecord> {
    const e = this.unchanged(expected, 'replaced');
    // Not leased: a committed inode outlives the node's membership.
    const stored = {
      inode: pickInode(inode),
      revision: this.store.nextRevision(),
      created: e.created,
      lease: 0,
    };
    this.store.inodes.set(expected.path, stored);
    return recordOf(expected.path, stored);
  }

  async remove(expected: InodeRecord): Promise<void> {
    const e = this.unchanged(expected, 'removed');
    if (e.inode.type === 'directory' && this.store.hasChildren(expected.path)) {
      throw new DirectoryNotEmptyError(`${expected.path} is not empty`);
    }
    this.store.inodes.delete(expected.path);
    this.store.nextRevision();
  }

  /**
   * The stored inode `expected` was read from, for a fenced commit that changes it: a stale
   * revision fails as etcd's compare would, and the root is never changed.
   */
  private unchanged(expected: InodeRecord, change: 'replaced' | 'removed'): StoredInode {
    assertCanonical(expected.path);
    if (expected.path === '/') throw new BadRequestError(`the root cannot be ${change}`);
    this.membership.fenced();
    const e = this.store.inodes.get(expected.path);
    if (!e || e.revision !== expected.revision) {
      throw new StaleRevisionError(`${expected.path} changed since revision ${expected.revision}`);
    }
    return e;
  }

  async rekey(records: InodeRecord[], from: string, to: string): Promise<RekeyResult> {
    assertCanonical(from);
    assertCanonical(to);
    return this.bulk.rekey(records, from, to);
  }

  async removeMany(records: InodeRecord[]): Promise<InodeRecord[]> {
    for (const r of records) {
      assertCanonical(r.path);
      if (r.path === '/') throw new BadRequestError('the root cannot be removed');
    }
    return this.bulk.removeMany(records);
  }

  // ---- journal ----------------------------------------------------------------------------

  async journal(node: string): Promise<JournalRead> {
    return this.journals.read(node);
  }

  async putJournal(entry: JournalEntry): Promise<void> {
    this.journals.put(entry);
  }

  async clearJournal(id: string): Promise<void> {
    this.journals.clear(id);
  }

  async clearJournalIfUnchanged(expected: JournalEntry): Promise<boolean> {
    return this.journals.swap(expected, null);
  }

  async replaceJournal(expected: JournalEntry, value: JournalEntry['value']): Promise<boolean> {
    return this.journals.swap(expected, value);
  }

  async journalEntry(id: string): Promise<JournalEntry | null> {
    return this.journals.get(id);
  }

  async orphanedJournal(): Promise<JournalEntry[]> {
    return this.journals.orphaned();
  }

  async adoptJournal(entry: JournalEntry): Promise<JournalEntry | null> {
    this.membership.fenced();
    return this.journals.adopt(entry, this.instanceId);
  }
}
