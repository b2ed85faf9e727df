// The etcd adapter of the Metadata and Membership ports. Every change is one fenced etcd
// transaction: a create compares the target's absence, the nearest existing ancestor's
// mod_revision and the absence of each ancestor it adds; replace/remove compare the inode's
// mod_revision; all of them compare this node's membership key (see etcd-membership.ts).
// A directory's value is never rewritten when a child is created, so sibling creates do not
// conflict. Key layout: keys.ts.
import {
  CompareResult,
  CompareTarget,
  Etcd3,
  SortOrder,
  SortTarget,
  type ICompare,
  type IKeyValue,
  type IRangeRequest,
  type IRequestOp,
  type ITxnRequest,
  type ITxnResponse,
} from 'etcd3';
import {
  BadRequestError,
  DirectoryNotEmptyError,
  NotFoundError,
  StaleRevisionError,
} from '../files/errors.js';
import type {
  CountOptions,
  CreateOptions,
  Inode,
  InodeRecord,
  JournalEntry,
  Membership,
  Metadata,
  MoveOptions,
  NodeRecord,
  RekeyResult,
  ScanOptions,
  ScanPage,
} from '../files/ports.js';
import { EtcdBulk, MAX_TXN_OPS } from './etcd-bulk.js';
import {
  callOptions,
  etcdFaultHandling,
  mapEtcdError,
  type MetadataLogger,
  silentLogger,
} from './etcd-call.js';
import { absent, unchanged } from './etcd-compares.js';
import { EtcdMembership, type HeldRegistration } from './etcd-membership.js';
import {
  ancestorsOf,
  assertCanonical,
  childrenPrefix,
  DEFAULT_PREFIX,
  inodeKey,
  normalizePrefix,
  prefixEnd,
} from './keys.js';
import {
  childrenRange,
  countScan,
  type Fetch,
  type KeyRange,
  pathOfKey,
  scanPage,
  subtreeRange,
} from './scan.js';
import {
  alreadyExists,
  ancestorInode,
  decodeInode,
  encodeInode,
  assertUsableParent,
  isUsableParent,
  MAX_MISSING_ANCESTORS,
  pickInode,
  rootRecord,
} from './records.js';

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

/** Keys per range read when list() pages internally. */
const LIST_PAGE = 1000;
/** Keys counted per step when a depth-limited subtree is counted (keys-only reads). */
const COUNT_PAGE = 10_000;
/**
 * The most keys one range read asks for: paths may be 4 KiB long, and 500 of them with their
 * values stay well under the 4 MiB a gRPC response may carry. Scans simply read again.
 */
const MAX_RANGE_KEYS = 500;
/** Directories whose last seen mod_revision a create may compare without reading them first. */
const PARENT_HINTS = 4096;
/** Deeper paths take the read path: each hinted ancestor is one compare of the transaction. */
const MAX_HINTED_DEPTH = 64;

export class EtcdMetadata implements Metadata, Membership {
  readonly prefix: string;
  private readonly prefixBytes: Buffer;
  private readonly client: Etcd3;
  private readonly ownsClient: boolean;
  private readonly timeoutMs: number;
  private readonly maxCreateAttempts: number;
  private readonly membership: EtcdMembership;
  private readonly logger: MetadataLogger;
  /**
   * Usable directories and the mod_revision they were last seen at, most recent last. A create
   * under one of them goes straight to its transaction, comparing that revision: one etcd
   * request. A hint is never trusted: a stale one fails the compare and the create reads anew.
   */
  private readonly parentHints = new Map<string, string>();
  private readonly bulk: EtcdBulk;

  constructor(options: EtcdMetadataOptions) {
    this.prefix = normalizePrefix(options.prefix ?? DEFAULT_PREFIX);
    this.prefixBytes = Buffer.from(this.prefix);
    this.timeoutMs = options.requestTimeoutMs ?? 5_000;
    this.maxCreateAttempts = options.maxCreateAttempts ?? 5;
    this.logger = options.logger ?? silentLogger;
    if (options.client) {
      this.client = options.client;
      this.ownsClient = false;
    } else {
      if (!options.endpoints) throw new TypeError('EtcdMetadata needs `client` or `endpoints`');
      const timeout = this.timeoutMs;
      this.client = new Etcd3({
        hosts: options.endpoints,
        dialTimeout: timeout,
        faultHandling: etcdFaultHandling(),
        auth: options.auth && { ...options.auth, callOptions: () => callOptions(timeout) },
      });
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
    this.bulk = new EtcdBulk({
      prefix: this.prefix,
      membership: this.membership,
      keyOf: (path) => this.keyOf(path),
      txn: (req, what, held) => this.txn(req, what, held),
      checkFence: (held, kv) => this.checkFence(held, kv),
    });
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
    const res = await this.range({ key: this.keyOf(path) }, 'get');
    const kv = res.kvs[0];
    return kv ? this.record(path, kv) : null;
  }

  /** Every child, read in pages of LIST_PAGE keys at one revision (never one huge range). */
  async list(dir: string): Promise<InodeRecord[]> {
    const out: InodeRecord[] = [];
    let page: ScanPage | undefined;
    do {
      page = await this.listPage(dir, {
        limit: LIST_PAGE,
        from: page?.next,
        revision: page?.revision,
      });
      out.push(...page.records);
    } while (page.next !== undefined);
    return out;
  }

  async listPage(dir: string, options: ScanOptions): Promise<ScanPage> {
    assertCanonical(dir);
    return this.scan(dir, childrenRange(dir), options);
  }

  async scanSubtree(dir: string, options: ScanOptions): Promise<ScanPage> {
    assertCanonical(dir);
    return this.scan(dir, subtreeRange(dir), options);
  }

  /**
   * One count-only range for children or a whole subtree; a depth-limited subtree is counted
   * with keys-only pages that skip too-deep subtrees (a range count cannot see depth).
   */
  async count(dir: string, options: CountOptions): Promise<number> {
    assertCanonical(dir);
    const range = options.recursive ? subtreeRange(dir) : childrenRange(dir);
    if (!options.recursive || options.maxDepth === undefined) {
      const res = await this.range(
        {
          key: this.absolute(range.start),
          range_end: this.absolute(range.end),
          count_only: true,
          revision: options.revision,
        },
        'count',
      );
      return Number(res.count);
    }
    const { fetch } = this.fetcher(range, options.revision, true);
    return countScan({ dir, range, maxDepth: options.maxDepth, fetch }, COUNT_PAGE);
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

  async putJournal(entry: JournalEntry): Promise<void> {
    try {
      await this.client.kv.put(
        {
          key: Buffer.from(`${this.prefix}ops/${entry.id}`),
          value: Buffer.from(JSON.stringify(entry.value)),
        },
        callOptions(this.timeoutMs),
      );
    } catch (err) {
      throw mapEtcdError(err, 'putJournal');
    }
  }

  private async scan(dir: string, range: KeyRange, o: ScanOptions): Promise<ScanPage> {
    const { fetch, revision } = this.fetcher(range, o.revision, false);
    const page = await scanPage({
      dir,
      range,
      limit: o.limit,
      from: o.from,
      maxDepth: o.maxDepth,
      fetch,
    });
    return {
      records: page.items.map((item) => this.record(item.path, item.value)),
      revision: revision(),
      next: page.next,
    };
  }

  /** Range reads over a relative key range, all at the revision of the first one. */
  private fetcher(range: KeyRange, revision: string | undefined, keysOnly: boolean) {
    let pinned = revision;
    const end = this.absolute(range.end);
    const fetch: Fetch<IKeyValue> = async (from, limit) => {
      const res = await this.range(
        {
          key: this.absolute(from),
          range_end: end,
          limit: Math.min(limit, MAX_RANGE_KEYS),
          revision: pinned,
          keys_only: keysOnly,
          sort_order: SortOrder.Ascend,
          sort_target: SortTarget.Key,
        },
        'list',
      );
      pinned ??= res.header.revision;
      const cut = this.prefixBytes.length;
      return {
        items: res.kvs.map((kv) => {
          const key = kv.key.subarray(cut);
          return { key, path: pathOfKey(key), value: kv };
        }),
        more: res.more,
      };
    };
    return { fetch, revision: () => pinned ?? '0' };
  }

  private absolute(relative: Buffer): Buffer {
    return Buffer.concat([this.prefixBytes, relative]);
  }

  async create(path: string, inode: Inode, options: CreateOptions): Promise<InodeRecord> {
    assertCanonical(path);
    if (path === '/') throw alreadyExists(rootRecord(), inode);
    return this.place(path, inode, { parents: options.parents, leased: options.leased });
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
    return this.place(to, inode, { ...options, moveFrom: from });
  }

  async journal(node: string): Promise<JournalEntry[]> {
    const start = Buffer.from(`${this.prefix}ops/`);
    const res = await this.range(
      {
        key: start,
        range_end: prefixEnd(start),
        sort_order: SortOrder.Ascend,
        sort_target: SortTarget.Create,
      },
      'journal',
    );
    const out: JournalEntry[] = [];
    for (const kv of res.kvs) {
      try {
        const value = JSON.parse(kv.value.toString('utf8')) as JournalEntry['value'];
        if (value.node === node) out.push({ id: kv.key.subarray(start.length).toString(), value });
      } catch {
        this.logger.warn({ key: kv.key.toString() }, 'unreadable journal entry');
      }
    }
    return out;
  }

  /**
   * The keys of journal entries whose value is not JSON: no node can tell they are its own, so
   * none acts on them; `callfs fsck` reports them for an operator to inspect with etcdctl.
   */
  async unreadableJournal(): Promise<string[]> {
    const start = Buffer.from(`${this.prefix}ops/`);
    const res = await this.range({ key: start, range_end: prefixEnd(start) }, 'journal');
    const out: string[] = [];
    for (const kv of res.kvs) {
      try {
        JSON.parse(kv.value.toString('utf8'));
      } catch {
        out.push(kv.key.toString());
      }
    }
    return out;
  }

  async clearJournal(id: string): Promise<void> {
    try {
      await this.client.kv.deleteRange(
        { key: Buffer.from(`${this.prefix}ops/${id}`) },
        callOptions(this.timeoutMs),
      );
    } catch (err) {
      throw mapEtcdError(err, 'clearJournal');
    }
  }

  /**
   * Puts `inode` at `path` in one fenced transaction: the target absent (or, with `overwrite`,
   * unchanged), the nearest existing ancestor unchanged, missing ancestors added (only with
   * `parents`), and for a move the source unchanged and deleted, plus an optional journal entry.
   */
  private async place(
    path: string,
    inode: Inode,
    o: MoveOptions & { leased?: boolean; moveFrom?: InodeRecord },
  ): Promise<InodeRecord> {
    const held = this.membership.current();
    const target = this.keyOf(path);
    const ancestors = ancestorsOf(path);
    if (!o.moveFrom && !o.overwrite && !o.journal) {
      const placed = await this.placeUnderKnownParent(path, inode, ancestors, o, held);
      if (placed) return placed;
    }
    for (let attempt = 1; ; attempt++) {
      const [targetKv, ...ancestorKvs] = await this.readMany([path, ...ancestors]);
      ancestorKvs.forEach((kv, i) => {
        if (kv) this.noteParent(ancestors[i]!, this.record(ancestors[i]!, kv));
      });
      if (targetKv && targetKv.mod_revision !== o.overwrite?.revision) {
        throw alreadyExists(this.record(path, targetKv), inode);
      }
      for (let i = 0; i < ancestors.length; i++) {
        const kv = ancestorKvs[i];
        if (kv) assertUsableParent(ancestors[i]!, this.record(ancestors[i]!, kv).inode);
      }
      // Below the nearest existing ancestor everything is missing and is added here.
      const nearest = ancestorKvs.findLastIndex((kv) => kv !== null);
      const missing = ancestors.slice(nearest + 1);
      if (missing.length > 0 && !o.parents) {
        throw new NotFoundError(`parent directory ${missing[0]} does not exist`);
      }
      if (missing.length > MAX_MISSING_ANCESTORS) {
        throw new BadRequestError(`too many missing parent directories (${missing.length})`);
      }
      const compare: ICompare[] = [
        targetKv ? unchanged(target, targetKv.mod_revision) : absent(target),
        this.membership.fence(held),
      ];
      const nearestKv = nearest >= 0 ? ancestorKvs[nearest] : null;
      if (nearestKv) compare.push(unchanged(nearestKv.key, nearestKv.mod_revision));
      const success: IRequestOp[] = [];
      if (o.parents) {
        const dirValue = Buffer.from(encodeInode(ancestorInode(o.parents)));
        for (const dir of missing) {
          const key = this.keyOf(dir);
          compare.push(absent(key));
          success.push({ request_put: { key, value: dirValue } });
        }
      }
      success.push({
        request_put: {
          key: target,
          value: Buffer.from(encodeInode(inode)),
          lease: o.leased ? held.leaseId : undefined,
        },
      });
      const failure: IRequestOp[] = [
        { request_range: { key: target } },
        { request_range: { key: this.membership.membershipKey } },
      ];
      if (o.moveFrom) {
        const source = this.keyOf(o.moveFrom.path);
        compare.push(unchanged(source, o.moveFrom.revision));
        success.push({ request_delete_range: { key: source } });
        failure.push({ request_range: { key: source } });
      }
      if (o.journal) {
        success.push({
          request_put: {
            key: Buffer.from(`${this.prefix}ops/${o.journal.id}`),
            value: Buffer.from(JSON.stringify(o.journal.value)),
          },
        });
      }
      const what = o.moveFrom ? 'move' : 'create';
      const res = await this.txn({ compare, success, failure }, what, held);
      if (res.succeeded) {
        const revision = res.header.revision;
        if (o.parents) for (const dir of missing) this.rememberParent(dir, revision);
        if (o.moveFrom) this.parentHints.delete(o.moveFrom.path);
        // A put over an existing key (an overwrite) keeps that key's create revision.
        const created = targetKv?.create_revision ?? revision;
        const record = { path, inode: pickInode(inode), revision, created };
        this.noteParent(path, record);
        return record;
      }
      const existing = res.responses[0]?.response_range.kvs[0];
      if (existing && existing.mod_revision !== o.overwrite?.revision) {
        throw alreadyExists(this.record(path, existing), inode);
      }
      this.checkFence(held, res.responses[1]?.response_range.kvs[0]);
      if (
        o.moveFrom &&
        res.responses[2]?.response_range.kvs[0]?.mod_revision !== o.moveFrom.revision
      ) {
        throw new StaleRevisionError(`${o.moveFrom.path} changed since it was read`);
      }
      // Only an ancestor changed: read again and decide anew.
      if (attempt >= this.maxCreateAttempts) {
        throw new StaleRevisionError(
          `${o.moveFrom?.path ?? ''} ${path}: kept changing; gave up after ${attempt} attempts`.trim(),
        );
      }
    }
  }

  /**
   * The warm create: the parent is a directory seen at a known revision (or the root), so one
   * transaction compares the target's absence, that revision and the lease, and puts the inode.
   * Returns null when there is no hint or the parent changed since it: the caller reads and
   * decides as for any create. A conflict on the target or a lost lease throws as usual.
   */
  private async placeUnderKnownParent(
    path: string,
    inode: Inode,
    ancestors: string[],
    o: { leased?: boolean },
    held: HeldRegistration,
  ): Promise<InodeRecord | null> {
    // Every ancestor must be a known, usable directory, each compared unchanged: a directory
    // move marks its top directories `moving` (a new revision), and a create anywhere below
    // them must then take the read path, which answers 503 (ARCHITECTURE.md invariant 8).
    if (ancestors.length > MAX_HINTED_DEPTH) return null;
    const known: [string, string][] = [];
    for (const dir of ancestors) {
      const revision = this.parentHints.get(dir);
      if (revision === undefined) return null;
      known.push([dir, revision]);
    }
    const target = this.keyOf(path);
    const compare: ICompare[] = [absent(target), this.membership.fence(held)];
    const failure: IRequestOp[] = [
      { request_range: { key: target } },
      { request_range: { key: this.membership.membershipKey } },
    ];
    for (const [dir, revision] of known) compare.push(unchanged(this.keyOf(dir), revision));
    const success: IRequestOp[] = [
      {
        request_put: {
          key: target,
          value: Buffer.from(encodeInode(inode)),
          lease: o.leased ? held.leaseId : undefined,
        },
      },
    ];
    const res = await this.txn({ compare, success, failure }, 'create', held);
    if (res.succeeded) {
      const revision = res.header.revision;
      const record = { path, inode: pickInode(inode), revision, created: revision };
      this.noteParent(path, record);
      return record;
    }
    const existing = res.responses[0]?.response_range.kvs[0];
    if (existing) throw alreadyExists(this.record(path, existing), inode);
    this.checkFence(held, res.responses[1]?.response_range.kvs[0]);
    for (const [dir] of known) this.parentHints.delete(dir);
    return null;
  }

  /** Keeps (or drops) the hint for `path` from a record just read or written. */
  private noteParent(path: string, rec: InodeRecord): void {
    if (isUsableParent(rec.inode)) this.rememberParent(path, rec.revision);
    else this.parentHints.delete(path);
  }

  private rememberParent(path: string, revision: string): void {
    this.parentHints.delete(path);
    this.parentHints.set(path, revision);
    if (this.parentHints.size > PARENT_HINTS) {
      const oldest = this.parentHints.keys().next().value;
      if (oldest !== undefined) this.parentHints.delete(oldest);
    }
  }

  async replace(expected: InodeRecord, inode: Inode): Promise<InodeRecord> {
    assertCanonical(expected.path);
    if (expected.path === '/') throw new BadRequestError('the root cannot be replaced');
    const held = this.membership.current();
    const key = this.keyOf(expected.path);
    const res = await this.txn(
      {
        compare: [unchanged(key, expected.revision), this.membership.fence(held)],
        // Not leased: a committed inode outlives the node's membership.
        success: [{ request_put: { key, value: Buffer.from(encodeInode(inode)) } }],
        failure: [{ request_range: { key: this.membership.membershipKey } }],
      },
      'replace',
      held,
    );
    if (!res.succeeded) {
      this.checkFence(held, res.responses[0]?.response_range.kvs[0]);
      throw new StaleRevisionError(`${expected.path} changed since revision ${expected.revision}`);
    }
    return {
      path: expected.path,
      inode: pickInode(inode),
      revision: res.header.revision,
      created: expected.created,
    };
  }

  async remove(expected: InodeRecord): Promise<void> {
    assertCanonical(expected.path);
    if (expected.path === '/') throw new BadRequestError('the root cannot be removed');
    const held = this.membership.current();
    const key = this.keyOf(expected.path);
    const compare = [unchanged(key, expected.revision), this.membership.fence(held)];
    const failure: IRequestOp[] = [
      { request_range: { key: this.membership.membershipKey } },
      { request_range: { key } },
    ];
    if (expected.inode.type === 'directory') {
      // etcd checks a range compare against every key in [key, range_end) and treats an empty
      // range as one key of version 0: "version == 0 over the children range" means "no child".
      const children = Buffer.from(childrenPrefix(this.prefix, expected.path));
      const end = prefixEnd(children);
      compare.push({
        key: children,
        range_end: end,
        target: CompareTarget.Version,
        result: CompareResult.Equal,
        version: 0,
      });
      failure.push({ request_range: { key: children, range_end: end, count_only: true } });
    }
    const res = await this.txn(
      { compare, success: [{ request_delete_range: { key } }], failure },
      'remove',
      held,
    );
    if (res.succeeded) return;
    this.checkFence(held, res.responses[0]?.response_range.kvs[0]);
    const now = res.responses[1]?.response_range.kvs[0];
    const children = Number(res.responses[2]?.response_range.count ?? 0);
    if (now?.mod_revision === expected.revision && children > 0) {
      throw new DirectoryNotEmptyError(`${expected.path} is not empty`);
    }
    throw new StaleRevisionError(`${expected.path} changed since revision ${expected.revision}`);
  }

  // ---- helpers ----------------------------------------------------------------------------

  private keyOf(path: string): Buffer {
    return Buffer.from(inodeKey(this.prefix, path));
  }

  private record(path: string, kv: IKeyValue): InodeRecord {
    return {
      path,
      inode: decodeInode(path, kv.value.toString('utf8')),
      revision: kv.mod_revision,
      created: kv.create_revision,
    };
  }

  /** Throws NodeNotServingError unless the membership key read in a failed txn is still ours. */
  private checkFence(held: HeldRegistration, kv: IKeyValue | undefined): void {
    if (!kv || kv.create_revision !== held.createRevision) throw this.membership.fenceFailed(held);
  }

  /** Reads several inodes, each chunk of ≤128 in one read-only txn (a consistent snapshot). */
  private async readMany(paths: string[]): Promise<(IKeyValue | null)[]> {
    const out: (IKeyValue | null)[] = [];
    for (let i = 0; i < paths.length; i += MAX_TXN_OPS) {
      const chunk = paths.slice(i, i + MAX_TXN_OPS);
      const res = await this.txn(
        { success: chunk.map((p) => ({ request_range: { key: this.keyOf(p) } })) },
        'read',
      );
      for (const r of res.responses) out.push(r.response_range.kvs[0] ?? null);
    }
    return out;
  }

  private async range(req: IRangeRequest, what: string) {
    try {
      return await this.client.kv.range(req, callOptions(this.timeoutMs));
    } catch (err) {
      throw mapEtcdError(err, what);
    }
  }

  private async txn(
    req: ITxnRequest,
    what: string,
    held?: HeldRegistration,
  ): Promise<ITxnResponse> {
    try {
      return await this.client.kv.txn(req, callOptions(this.timeoutMs));
    } catch (err) {
      const mapped = mapEtcdError(err, what);
      // A leased put naming a lease etcd no longer has: the registration is gone.
      if (held && mapped.code === 'NODE_NOT_SERVING') throw this.membership.fenceFailed(held);
      throw mapped;
    }
  }
}
