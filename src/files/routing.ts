// Where an operation runs: directories on the receiving node (they live in etcd), files served
// here locally (owned here, or on a shared store this node reaches: backends.ts), other files
// on their owner through the OwnerClient port — or, for a file on a shared store whose creator
// is gone, on any live node that reaches that store. Also builds the 409 that names where an
// existing path lives (API.md §3.1).
import {
  AlreadyExistsError,
  AuthenticationError,
  NotFoundError,
  OwnerUnavailableError,
  WrongOwnerError,
} from './errors.js';
import { isVisible } from './info.js';
import type {
  CallContext,
  InodeRecord,
  Membership,
  Metadata,
  NodeRecord,
  Storage,
} from './ports.js';
import { servedHere } from './backends.js';
import { decided } from './refusals.js';

export interface RouterOptions {
  instanceId: string;
  metadata: Metadata;
  membership: Membership;
  /** The shared store this node reaches (S3), if any. */
  shared?: Storage;
}

export interface RouteHandlers<T> {
  directory: (rec: InodeRecord) => Promise<T>;
  local: (rec: InodeRecord) => Promise<T>;
  remote: (owner: NodeRecord) => Promise<T>;
}

/** A call bound to one file (CallContext.boundTo) acts on that file or on nothing. */
export function assertBound(ctx: CallContext, rec: InodeRecord | null): void {
  if (ctx.boundTo !== undefined && rec?.created !== ctx.boundTo) {
    throw new AuthenticationError(`the credential was issued for another file at this path`);
  }
}

export class Router {
  constructor(private readonly o: RouterOptions) {}

  /**
   * Runs an operation where the path lives; a stale owner answer is re-resolved once. Also a
   * local one: a file that moved to another node while the call waited for its path here (a
   * read waits for the move's lock) is then served by its new owner.
   */
  async routed<T>(ctx: CallContext, path: string, run: RouteHandlers<T>): Promise<T> {
    for (let round = 0; ; round++) {
      // A create another node finished may not have reached a cache holding its claim yet.
      const rec = (await decided(this.o.metadata, path, (r) => {
        if (!isVisible(r)) throw new NotFoundError(`${path} not found`);
        assertBound(ctx, r);
      })) as InodeRecord;
      if (rec.inode.type === 'directory') return run.directory(rec);
      try {
        if (servedHere(this.o, rec.inode)) return await run.local(rec);
        return await this.forward(ctx, rec, run.remote);
      } catch (err) {
        if (err instanceof WrongOwnerError && round === 0) continue;
        throw err;
      }
    }
  }

  /** Hands a call to the node owning `rec`, unless the call was itself forwarded. */
  async forward<T>(
    ctx: CallContext,
    rec: InodeRecord,
    call: (owner: NodeRecord) => Promise<T>,
  ): Promise<T> {
    const ownerId = rec.inode.instance_id;
    // A forwarded call is never forwarded again: the sender's view was stale.
    if (ctx.forwarded) throw new WrongOwnerError(ownerId);
    const owner = await this.serverOf(rec);
    if (!owner) throw new OwnerUnavailableError(ownerId);
    return call(owner);
  }

  /**
   * The node to run a call on a file held elsewhere: its owner while registered, else (a file
   * on a shared store) a live node that reaches the store; null when there is none.
   */
  private async serverOf(rec: InodeRecord): Promise<NodeRecord | null> {
    const owner = await this.o.membership.getNode(rec.inode.instance_id);
    if (owner) return owner;
    const store = rec.inode.store;
    if (store === undefined || rec.inode.type !== 'file') return null;
    const nodes = await this.o.membership.listNodes();
    return (
      nodes.find((n) => n.instance_id !== this.o.instanceId && n.stores?.includes(store)) ?? null
    );
  }

  /**
   * The live owner of a file stored on another node, with the file's identity (for redirects);
   * null when the path is missing, a directory, stored here, or its owner is not registered.
   */
  async remoteOwner(path: string): Promise<{ node: NodeRecord; created: string } | null> {
    const rec = await this.o.metadata.get(path);
    if (!isVisible(rec) || rec.inode.type !== 'file') return null;
    if (servedHere(this.o, rec.inode)) return null;
    const node = await this.serverOf(rec);
    return node ? { node, created: rec.created } : null;
  }

  /** Builds the 409 for a path that exists, naming where it lives. */
  async conflict(
    rec: InodeRecord | null,
    requested: 'file' | 'directory',
    fromStore?: AlreadyExistsError,
  ): Promise<AlreadyExistsError> {
    const existing = rec
      ? {
          path: rec.path,
          type: rec.inode.type,
          instanceId: rec.inode.instance_id,
          backendType: rec.inode.backend_type,
        }
      : fromStore?.existing;
    if (!existing) return fromStore ?? new AlreadyExistsError('path already exists');
    let httpUrl: string | undefined;
    if (existing.instanceId && existing.instanceId !== this.o.instanceId) {
      httpUrl = (await this.o.membership.getNode(existing.instanceId).catch(() => null))?.http_url;
    }
    return new AlreadyExistsError(
      `${existing.path} already exists`,
      { ...existing, httpUrl },
      requested,
    );
  }
}
