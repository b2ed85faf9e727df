// Recursive delete of a directory (`DELETE ...?recursive=true`, gRPC Delete with `recursive`),
// a journaled job (ARCHITECTURE.md invariant 8): a subtree is too big for one transaction.
//
// 1. Check, before anything is deleted: the caller may delete every entry of the subtree
//    (owner or admin; else 403) and every node owning a file in it is a live member (else 503).
// 2. Journal the job at `<prefix>ops/delete-<hash of the path>`; the id depends only on the path,
//    so a retry on any node continues (and finally clears) the same entry.
// 3. Files, page by page: those this node owns (and any in-flight create claims) go in fenced
//    transactions of at most 128 ops, then their bytes; files of other nodes are deleted by their
//    owners through the OwnerClient (gRPC Delete), so each owner removes its own bytes. An owner
//    that cannot be reached stops the job with 503 and leaves the journal for a retry.
// 4. Directories bottom-up (deepest level first, each removed only while it has no children),
//    then the directory itself; then the journal entry is cleared.
//
// Concurrent writers are not fenced out: a create under the tree while it is being deleted may
// survive (the job then runs another round, and gives up with 409 DIRECTORY_NOT_EMPTY after a
// few) or fail; readers may briefly see a half-deleted tree.
import { createHash } from 'node:crypto';
import {
  DirectoryNotEmptyError,
  NotFoundError,
  OwnerUnavailableError,
  PermissionDeniedError,
  WrongOwnerError,
} from './errors.js';
import { assertNotMoving } from './moving.js';
import { assertServing } from './serving.js';
import { canModify } from './info.js';
import { type BackendDeps, refOf, servedHere, storageFor } from './backends.js';
import type { PathLocks } from './path-lock.js';
import type { NamedBytes } from './read-local.js';
import { subtreeRecords } from './subtree-records.js';
import type {
  CallContext,
  InodeRecord,
  Membership,
  Metadata,
  NodeRecord,
  OwnerClient,
} from './ports.js';

export interface SubtreeDeleteDeps extends BackendDeps {
  instanceId: string;
  metadata: Metadata;
  membership: Membership;
  owners: OwnerClient;
  locks: PathLocks;
  /** Files moving here whose bytes are still staged (staging.ts). */
  staged?: Pick<NamedBytes, 'dropNamed'>;
}

export const DELETE_JOB = 'delete';
/** Entries read per page of the subtree. */
const PAGE = 500;
/** Deletes of other nodes' files in flight at once. */
const REMOTE_CONCURRENCY = 8;
/** Passes over the tree when concurrent creates keep a directory non-empty. */
const ROUNDS = 3;

/** The journal id of the recursive delete of `path` (the same on every node). */
export function deleteJobId(path: string): string {
  return `delete-${createHash('sha256').update(path).digest('hex').slice(0, 32)}`;
}

export async function deleteSubtree(
  d: SubtreeDeleteDeps,
  callCtx: CallContext,
  dir: InodeRecord,
): Promise<void> {
  // The job runs to its end even if the client goes away mid-way.
  const ctx: CallContext = { caller: callCtx.caller, forwarded: callCtx.forwarded };
  const job = new SubtreeDelete(d, ctx, dir.path);
  if (!canModify(ctx.caller, dir.inode)) {
    throw new PermissionDeniedError(`only the owner may delete ${dir.path}`);
  }
  assertNotMoving(dir);
  await job.precheck();
  const id = deleteJobId(dir.path);
  const journal = (state: string) =>
    d.metadata.putJournal({
      id,
      value: { type: DELETE_JOB, node: d.instanceId, path: dir.path, state, created: Date.now() },
    });
  await journal('files');
  let target: InodeRecord | null = dir;
  for (let round = 1; ; round++) {
    const dirs = await job.deleteFiles();
    await journal('directories');
    const emptied = await job.deleteDirectories(dirs);
    if (emptied && target && (await d.metadata.removeMany([target])).length === 0) break;
    target = await d.metadata.get(dir.path);
    if (!target) break; // deleted meanwhile by someone else: the job is done all the same
    if (round >= ROUNDS) {
      throw new DirectoryNotEmptyError(`${dir.path} kept getting new entries while deleted`);
    }
    await journal('files');
  }
  await d.metadata.clearJournal(id);
}

class SubtreeDelete {
  private readonly owners = new Map<string, NodeRecord>();

  constructor(
    private readonly d: SubtreeDeleteDeps,
    private readonly ctx: CallContext,
    private readonly path: string,
  ) {}

  /** Every entry deletable by the caller, every owner of a file a live member (one snapshot). */
  async precheck(): Promise<void> {
    const ownerIds = new Set<string>();
    for await (const r of subtreeRecords(this.d.metadata, this.path, PAGE)) {
      this.assertDeletable(r);
      assertNotMoving(r);
      if (this.isRemoteFile(r)) ownerIds.add(r.inode.instance_id);
    }
    for (const id of ownerIds) await this.owner(id);
    assertServing(this.d);
  }

  /** Deletes every file of the subtree; returns its directories (as read). */
  async deleteFiles(): Promise<InodeRecord[]> {
    const dirs: InodeRecord[] = [];
    let from: string | undefined;
    do {
      // Not pinned to a revision: each page starts after what the last one deleted.
      const page = await this.d.metadata.scanSubtree(this.path, { limit: PAGE, from });
      const local: InodeRecord[] = [];
      const remote: InodeRecord[] = [];
      for (const r of page.records) {
        this.assertDeletable(r);
        if (r.inode.type === 'directory') dirs.push(r);
        else if (this.isRemoteFile(r)) remote.push(r);
        else local.push(r);
      }
      await this.deleteLocal(local);
      await this.deleteRemote(remote);
      from = page.next;
    } while (from !== undefined);
    return dirs;
  }

  /** Removes directories deepest first; false when one still has children (a new entry). */
  async deleteDirectories(dirs: InodeRecord[]): Promise<boolean> {
    const byDepth = new Map<number, InodeRecord[]>();
    for (const r of dirs) {
      const depth = r.path.split('/').length;
      byDepth.set(depth, [...(byDepth.get(depth) ?? []), r]);
    }
    let emptied = true;
    for (const depth of [...byDepth.keys()].sort((a, b) => b - a)) {
      assertServing(this.d);
      const left = await this.d.metadata.removeMany(byDepth.get(depth)!);
      if (left.length > 0) emptied = false;
    }
    return emptied;
  }

  /**
   * This node's files and every in-flight create claim (metadata only: its bytes are still a
   * temp file that the uploader discards when its commit finds the claim gone), in fenced
   * batches; the bytes of this node's files follow their inodes, under the commit locks.
   */
  private async deleteLocal(records: InodeRecord[]): Promise<void> {
    if (records.length === 0) return;
    assertServing(this.d);
    await this.d.locks.runAll(
      records.map((r) => r.path),
      async () => {
        const left = new Set((await this.d.metadata.removeMany(records)).map((r) => r.path));
        for (const r of records) {
          if (!left.has(r.path) && servedHere(this.d, r.inode)) {
            await storageFor(this.d, r.inode.backend_type).remove(refOf(r));
            await this.d.staged?.dropNamed(r);
          }
        }
      },
    );
  }

  /** Other nodes' files, each deleted by its owner (which checks permission and owns the bytes). */
  private async deleteRemote(records: InodeRecord[]): Promise<void> {
    const queue = [...records];
    const worker = async (): Promise<void> => {
      for (let r = queue.shift(); r; r = queue.shift()) {
        const owner = await this.owner(r.inode.instance_id);
        try {
          await this.d.owners.remove(owner, this.ctx, r.path);
        } catch (err) {
          // Gone already, or moved to another owner: the next round sees what is left.
          if (!(err instanceof NotFoundError || err instanceof WrongOwnerError)) throw err;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(REMOTE_CONCURRENCY, queue.length) }, worker));
  }

  private isRemoteFile(r: InodeRecord): boolean {
    return r.inode.type === 'file' && r.inode.state === 'ready' && !servedHere(this.d, r.inode);
  }

  private assertDeletable(r: InodeRecord): void {
    if (!canModify(this.ctx.caller, r.inode)) {
      throw new PermissionDeniedError(`only the owner may delete ${r.path}`);
    }
  }

  private async owner(id: string): Promise<NodeRecord> {
    let node = this.owners.get(id);
    if (!node) {
      node = (await this.d.membership.getNode(id)) ?? undefined;
      if (!node) throw new OwnerUnavailableError(id);
      this.owners.set(id, node);
    }
    return node;
  }
}
