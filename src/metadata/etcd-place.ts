// Where the etcd adapter puts one inode: a create, a move's switch, an overwrite. Each is one
// fenced transaction that compares the target's absence (or its revision), the nearest existing
// ancestor's revision, the absence of every ancestor it adds and, for a move, the source's
// revision. Directories seen recently are remembered with their revision (parent hints) so a
// create under one of them is a single request; a hint is never trusted, only compared.
import type { ICompare, IKeyValue, IRequestOp, ITxnRequest, ITxnResponse } from 'etcd3';
import { BadRequestError, NotFoundError, StaleRevisionError } from '../files/errors.js';
import type { Inode, InodeRecord, MoveOptions } from '../files/ports.js';
import { absent, unchanged } from './etcd-compares.js';
import type { EtcdMembership, HeldRegistration } from './etcd-membership.js';
import { ancestorsOf } from './keys.js';
import {
  alreadyExists,
  ancestorInode,
  assertUsableParent,
  encodeInode,
  isUsableParent,
  MAX_MISSING_ANCESTORS,
  pickInode,
} from './records.js';

/** Remembered usable directories, for creates of one request. */
const PARENT_HINTS = 4096;
/** Deeper paths take the read path (a hinted create compares every ancestor). */
const MAX_HINTED_DEPTH = 64;

export interface EtcdPlacementDeps {
  prefix: string;
  membership: EtcdMembership;
  keyOf(path: string): Buffer;
  record(path: string, kv: IKeyValue): InodeRecord;
  readMany(paths: string[]): Promise<(IKeyValue | null)[]>;
  txn(req: ITxnRequest, what: string, held?: HeldRegistration): Promise<ITxnResponse>;
  /** Throws NodeNotServingError unless the membership key read in a failed txn is ours. */
  checkFence(held: HeldRegistration, kv: IKeyValue | undefined): void;
}

/** A create's write fence (etcd-fences.ts): its compare, and the read of a failed txn. */
export interface WriteFences {
  compare(id: string): ICompare;
  read(id: string): IRequestOp;
}

/** Options of a placement; `fence` is the creating write's id. */
type PlaceOptions = MoveOptions & { leased?: boolean; moveFrom?: InodeRecord; fence?: string };

/** A failed txn whose read of the write's fence found it: the create can never apply. */
function checkWriteFence(
  path: string,
  id: string | undefined,
  res: ITxnResponse,
  at: number,
): void {
  if (id !== undefined && (res.responses[at]?.response_range.kvs.length ?? 0) > 0) {
    throw new StaleRevisionError(`the create of ${path} (write ${id}) was fenced; nothing was put`);
  }
}

export class EtcdPlacement {
  /**
   * Usable directories and the mod_revision they were last seen at, most recent last. A create
   * under one of them goes straight to its transaction, comparing that revision: one etcd
   * request. A hint is never trusted: a stale one fails the compare and the create reads anew.
   */
  private readonly parentHints = new Map<string, string>();

  constructor(
    private readonly d: EtcdPlacementDeps,
    /** Attempts of a create whose ancestors keep changing under it. */
    private readonly maxCreateAttempts: number,
    private readonly fences: WriteFences,
  ) {}

  /**
   * Puts `inode` at `path` in one fenced transaction: the target absent (or, with `overwrite`,
   * unchanged), the nearest existing ancestor unchanged, missing ancestors added (only with
   * `parents`), and for a move the source unchanged and deleted, plus an optional journal entry;
   * with `fence`, no fence put for that write id.
   */
  async place(path: string, inode: Inode, o: PlaceOptions): Promise<InodeRecord> {
    const held = this.d.membership.current();
    const target = this.d.keyOf(path);
    const ancestors = ancestorsOf(path);
    if (!o.moveFrom && !o.overwrite && !o.journal) {
      const placed = await this.placeUnderKnownParent(path, inode, ancestors, o, held);
      if (placed) return placed;
    }
    for (let attempt = 1; ; attempt++) {
      const [targetKv, ...ancestorKvs] = await this.d.readMany([path, ...ancestors]);
      ancestorKvs.forEach((kv, i) => {
        if (kv) this.noteParent(ancestors[i]!, this.d.record(ancestors[i]!, kv));
      });
      if (targetKv && targetKv.mod_revision !== o.overwrite?.revision) {
        throw alreadyExists(this.d.record(path, targetKv), inode);
      }
      for (let i = 0; i < ancestors.length; i++) {
        const kv = ancestorKvs[i];
        if (kv) assertUsableParent(ancestors[i]!, this.d.record(ancestors[i]!, kv).inode);
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
        this.d.membership.fence(held),
      ];
      const nearestKv = nearest >= 0 ? ancestorKvs[nearest] : null;
      if (nearestKv) compare.push(unchanged(nearestKv.key, nearestKv.mod_revision));
      const success: IRequestOp[] = [];
      if (o.parents) {
        const dirValue = Buffer.from(encodeInode(ancestorInode(o.parents)));
        for (const dir of missing) {
          const key = this.d.keyOf(dir);
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
        { request_range: { key: this.d.membership.membershipKey } },
      ];
      if (o.moveFrom) {
        const source = this.d.keyOf(o.moveFrom.path);
        compare.push(unchanged(source, o.moveFrom.revision));
        success.push({ request_delete_range: { key: source } });
        failure.push({ request_range: { key: source } });
      }
      if (o.journal) {
        success.push({
          request_put: {
            key: Buffer.from(`${this.d.prefix}ops/${o.journal.id}`),
            value: Buffer.from(JSON.stringify(o.journal.value)),
          },
        });
      }
      const fenceAt = failure.length;
      if (o.fence !== undefined) {
        compare.push(this.fences.compare(o.fence));
        failure.push(this.fences.read(o.fence));
      }
      const what = o.moveFrom ? 'move' : 'create';
      const res = await this.d.txn({ compare, success, failure }, what, held);
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
        throw alreadyExists(this.d.record(path, existing), inode);
      }
      this.d.checkFence(held, res.responses[1]?.response_range.kvs[0]);
      checkWriteFence(path, o.fence, res, fenceAt);
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
    o: { leased?: boolean; fence?: string },
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
    const target = this.d.keyOf(path);
    const compare: ICompare[] = [absent(target), this.d.membership.fence(held)];
    const failure: IRequestOp[] = [
      { request_range: { key: target } },
      { request_range: { key: this.d.membership.membershipKey } },
    ];
    for (const [dir, revision] of known) compare.push(unchanged(this.d.keyOf(dir), revision));
    if (o.fence !== undefined) {
      compare.push(this.fences.compare(o.fence));
      failure.push(this.fences.read(o.fence));
    }
    const success: IRequestOp[] = [
      {
        request_put: {
          key: target,
          value: Buffer.from(encodeInode(inode)),
          lease: o.leased ? held.leaseId : undefined,
        },
      },
    ];
    const res = await this.d.txn({ compare, success, failure }, 'create', held);
    if (res.succeeded) {
      const revision = res.header.revision;
      const record = { path, inode: pickInode(inode), revision, created: revision };
      this.noteParent(path, record);
      return record;
    }
    const existing = res.responses[0]?.response_range.kvs[0];
    if (existing) throw alreadyExists(this.d.record(path, existing), inode);
    this.d.checkFence(held, res.responses[1]?.response_range.kvs[0]);
    checkWriteFence(path, o.fence, res, 2);
    for (const [dir] of known) this.parentHints.delete(dir);
    return null;
  }

  /** Keeps (or drops) the hint for `path` from a record just read or written. */
  noteParent(path: string, rec: InodeRecord): void {
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
}
