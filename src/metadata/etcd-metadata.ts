// The etcd adapter of the Metadata and Membership ports. Every change is one fenced etcd
// transaction: a create compares the target's absence, the nearest existing ancestor's
// mod_revision and the absence of each ancestor it adds; replace/remove compare the inode's
// mod_revision; all of them compare this node's membership key (see etcd-membership.ts).
// A directory's value is never rewritten when a child is created, so sibling creates do not
// conflict. Key layout: keys.ts. Creates and moves: etcd-place.ts; subtree jobs: etcd-bulk.ts;
// the jobs' journal: etcd-journal.ts; listings and scans: etcd-listing.ts; one inode's read,
// replace and remove: etcd-inode.ts; the key access they share: etcd-kv.ts; a create's write
// fence: etcd-fences.ts. This class checks
// what the port asks of every path and hands each call to its part.
import type { Etcd3 } from 'etcd3';
import { BadRequestError } from '../files/errors.js';
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
import { EtcdAdoption } from './etcd-adoption.js';
import { EtcdBulk } from './etcd-bulk.js';
import { EtcdInode } from './etcd-inode.js';
import { EtcdKv } from './etcd-kv.js';
import { EtcdJournal } from './etcd-journal.js';
import { EtcdListing } from './etcd-listing.js';
import { EtcdFences } from './etcd-fences.js';
import { EtcdPlacement } from './etcd-place.js';
import { etcdClient, type MetadataLogger, silentLogger } from './etcd-call.js';
import { EtcdMembership } from './etcd-membership.js';
import { assertCanonical, DEFAULT_PREFIX, normalizePrefix } from './keys.js';
import { alreadyExists, rootRecord } from './records.js';

export interface EtcdMetadataOptions {
  /** A client to use; it is not closed by close(). Otherwise give `endpoints`. */
  client?: Etcd3;
  /** etcd endpoints (`http://host:2379`) for a client this adapter creates and closes. */
  endpoints?: string | string[];
  auth?: { username: string; password: string };
  /** Key prefix, default `/callfs/`. */
  prefix?: string;
  instanceId: string;
  /** Membership lease TTL in seconds (default 10). */
  leaseTtlSeconds?: number;
  /** Deadline of each etcd request in ms (default 5000). */
  requestTimeoutMs?: number;
  /** How long register() waits for a previous holder of the instance id (default 2 × TTL). */
  registerRetryMs?: number;
  /** Attempts of a create whose ancestors keep changing under it (default 5). */
  maxCreateAttempts?: number;
  logger?: MetadataLogger;
}

export class EtcdMetadata implements Metadata, Membership {
  readonly prefix: string;
  private readonly client: Etcd3;
  private readonly ownsClient: boolean;
  private readonly timeoutMs: number;
  private readonly membership: EtcdMembership;
  private readonly logger: MetadataLogger;
  private readonly placement: EtcdPlacement;
  private readonly bulk: EtcdBulk;
  private readonly journals: EtcdJournal;
  private readonly adoption: EtcdAdoption;
  private readonly listing: EtcdListing;
  private readonly inodes: EtcdInode;
  private readonly fences: EtcdFences;

  constructor(options: EtcdMetadataOptions) {
    this.prefix = normalizePrefix(options.prefix ?? DEFAULT_PREFIX);
    this.timeoutMs = options.requestTimeoutMs ?? 5_000;
    this.logger = options.logger ?? silentLogger;
    if (options.client) {
      this.client = options.client;
      this.ownsClient = false;
    } else {
      if (!options.endpoints) throw new TypeError('EtcdMetadata needs `client` or `endpoints`');
      this.client = etcdClient(options.endpoints, this.timeoutMs, options.auth);
      this.ownsClient = true;
    }
    const ttl = options.leaseTtlSeconds ?? 10;
    this.membership = new EtcdMembership({
      client: this.client,
      prefix: this.prefix,
      instanceId: options.instanceId,
      leaseTtlSeconds: ttl,
      registerRetryMs: options.registerRetryMs ?? 2 * ttl * 1000,
      requestTimeoutMs: this.timeoutMs,
      logger: this.logger,
    });
    const kv = new EtcdKv({
      client: this.client,
      prefix: this.prefix,
      membership: this.membership,
      timeoutMs: this.timeoutMs,
    });
    this.fences = new EtcdFences({
      client: this.client,
      prefix: this.prefix,
      timeoutMs: this.timeoutMs,
    });
    this.placement = new EtcdPlacement(kv, options.maxCreateAttempts ?? 5, this.fences);
    this.inodes = new EtcdInode(kv);
    this.journals = new EtcdJournal({
      client: this.client,
      prefix: this.prefix,
      timeoutMs: this.timeoutMs,
    });
    this.adoption = new EtcdAdoption({
      client: this.client,
      prefix: this.prefix,
      instanceId: options.instanceId,
      membership: this.membership,
      timeoutMs: this.timeoutMs,
    });
    this.listing = new EtcdListing(kv);
    this.bulk = new EtcdBulk(kv);
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

  /** Calls `listener` whenever isServing() flips; returns the unsubscribe function. */
  onServingChange(listener: (serving: boolean) => void): () => void {
    return this.membership.onServingChange(listener);
  }

  getNode(instanceId: string): Promise<NodeRecord | null> {
    return this.membership.getNode(instanceId);
  }

  listNodes(): Promise<NodeRecord[]> {
    return this.membership.listNodes();
  }

  /**
   * Stops re-registration, revokes the membership lease (best effort, so a restart can take
   * the instance id at once) and closes the etcd client if this adapter created it.
   */
  async close(): Promise<void> {
    try {
      await this.membership.deregister();
    } catch (err) {
      this.logger.warn({ err }, 'could not revoke the membership lease on close');
    }
    if (this.ownsClient) this.client.close();
  }

  // ---- Metadata ---------------------------------------------------------------------------

  async get(path: string): Promise<InodeRecord | null> {
    assertCanonical(path);
    if (path === '/') return rootRecord();
    return this.inodes.get(path);
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

  async removeMany(records: InodeRecord[]): Promise<InodeRecord[]> {
    for (const r of records) {
      assertCanonical(r.path);
      if (r.path === '/') throw new BadRequestError('the root cannot be removed');
    }
    return this.bulk.removeMany(records);
  }

  async rekey(records: InodeRecord[], from: string, to: string): Promise<RekeyResult> {
    assertCanonical(from);
    assertCanonical(to);
    return this.bulk.rekey(records, from, to);
  }

  putJournal(entry: JournalEntry): Promise<void> {
    return this.journals.put(entry);
  }

  async create(path: string, inode: Inode, options: CreateOptions): Promise<InodeRecord> {
    assertCanonical(path);
    if (path === '/') throw alreadyExists(rootRecord(), inode);
    const { parents, leased, fence } = options;
    return this.placement.place(path, inode, { parents, leased, fence });
  }

  fenceWrite(id: string): Promise<void> {
    return this.fences.put(id);
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
    return this.placement.place(to, inode, { ...options, moveFrom: from });
  }

  journal(node: string): Promise<JournalRead> {
    return this.journals.read(node);
  }

  clearJournal(id: string): Promise<void> {
    return this.journals.clear(id);
  }

  clearJournalIfUnchanged(expected: JournalEntry): Promise<boolean> {
    return this.journals.swap(expected, null);
  }

  replaceJournal(expected: JournalEntry, value: JournalEntry['value']): Promise<boolean> {
    return this.journals.swap(expected, value);
  }

  journalEntry(id: string): Promise<JournalEntry | null> {
    return this.journals.get(id);
  }

  orphanedJournal(): Promise<JournalEntry[]> {
    return this.adoption.orphaned();
  }

  adoptJournal(entry: JournalEntry): Promise<JournalEntry | null> {
    return this.adoption.adopt(entry);
  }

  async replace(expected: InodeRecord, inode: Inode): Promise<InodeRecord> {
    assertCanonical(expected.path);
    if (expected.path === '/') throw new BadRequestError('the root cannot be replaced');
    return this.inodes.replace(expected, inode);
  }

  async remove(expected: InodeRecord): Promise<void> {
    assertCanonical(expected.path);
    if (expected.path === '/') throw new BadRequestError('the root cannot be removed');
    return this.inodes.remove(expected);
  }
}
