// The commit of a staged write (ARCHITECTURE.md's journaled order: prepare the temp, fenced
// transaction, rename), serialized per path on this node: a replace as the path's next
// generation, a create over its claim, or a small create in one transaction; and what a commit
// does when etcd did not answer, when its claim vanished, or when the disk refused the path.
// Writes (writes.ts) decides a write before any byte flows; this is what ends it.
import {
  AlreadyExistsError,
  CallfsError,
  InvalidPathError,
  MetadataUnavailableError,
  NodeNotServingError,
  NotAFileError,
  NotFoundError,
  PermissionDeniedError,
  StaleRevisionError,
  WrongOwnerError,
} from './errors.js';
import { assertServing } from './serving.js';
import { canModify, isVisible } from './info.js';
import { checkWriteConditions, type Conditions } from './conditions.js';
import type { PathLocks } from './path-lock.js';
import type { CallContext, InodeRecord, Membership, Metadata } from './ports.js';
import type { Router } from './routing.js';
import type { CommitStage } from './write-session.js';
import { firstGeneration, parentTemplate } from './write-inodes.js';
import { type BackendDeps, defaultStorage, dropUnnamed, servedHere } from './backends.js';
import { namesWrite } from './held-commits.js';

export interface CommitsOptions extends BackendDeps {
  instanceId: string;
  metadata: Metadata;
  membership: Membership;
  locks: PathLocks;
  router: Router;
}

const COMMIT_ATTEMPTS = 5;
/**
 * Commits of a file on a shared store come from every node that reaches it, and only etcd's
 * compare orders them: a loser reads again and retries, after a short random pause so the
 * same nodes do not collide again, as long as it takes within reason.
 */
const SHARED_COMMIT_ATTEMPTS = 100;
const SHARED_RETRY_MAX_MS = 20;

function attemptsFor(stage: CommitStage): number {
  return stage.placement.store === undefined ? COMMIT_ATTEMPTS : SHARED_COMMIT_ATTEMPTS;
}

function jitter(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.random() * SHARED_RETRY_MAX_MS));
}

/** The template of a write's missing ancestors: directories of this node, made by the writer. */
export function newParents(
  o: Pick<CommitsOptions, 'instanceId' | 'storage' | 'shared' | 'defaultBackend'>,
  ctx: CallContext,
  now: number,
): ReturnType<typeof parentTemplate> {
  return parentTemplate(o.instanceId, defaultStorage(o).backendType, ctx, now);
}

export class Commits {
  constructor(private readonly o: CommitsOptions) {}

  /**
   * Commits a staged write as the next generation of `path`, serialized per path on this node.
   * `claim` is the create's claim record (null for a replace). A replace whose file vanished
   * while it uploaded (a create it lost to failed, or a delete) creates the file, as PUT does:
   * `created` then says so. A create whose claim vanished answers a retryable error (or, for a
   * POST whose path a PUT completed meanwhile, 409): it never reports the file as not found.
   */
  async commit(
    path: string,
    claim: InodeRecord | null,
    size: number,
    stage: CommitStage,
    writer: CallContext,
    createOnly = false,
    conditions?: Conditions,
  ): Promise<{ record: InodeRecord; created: boolean }> {
    return this.o.locks.run(path, async () => {
      for (let attempt = 1; ; attempt++) {
        const cur = await this.o.metadata.get(path);
        if (claim && cur?.revision !== claim.revision) {
          // The claim is gone: its lease lapsed (the node registered again while the body
          // uploaded), or a PUT completed the path and maybe a DELETE removed it since.
          if (createOnly && isVisible(cur)) throw await this.o.router.conflict(cur, 'file');
          if (!isVisible(cur)) {
            if (await this.claimLapsed(claim)) {
              throw new NodeNotServingError(
                `the claim on ${path} lapsed while its body was uploading; nothing was written`,
              );
            }
            throw new StaleRevisionError(
              `the claim on ${path} was removed while its body was uploading (its directory ` +
                'was deleted); nothing was written',
            );
          }
          // A PUT whose claimed path now holds a file replaces it, as any PUT would.
          claim = null;
        }
        // The version this commit replaces (none for a create), the very record the
        // transaction below compares: of two writers with one If-Match, one commits.
        checkWriteConditions(claim ? null : cur, conditions);
        if (!cur && !claim) {
          assertServing(this.o);
          await stage.prepare(1);
          const inode = firstGeneration(this.o.instanceId, size, writer, stage, Date.now());
          let record: InodeRecord;
          try {
            // Never re-creates a directory: a file whose directory was moved (or deleted)
            // while it uploaded must not reappear at its old path.
            record = await this.o.metadata.create(path, inode, { fence: stage.id });
          } catch (err) {
            if (err instanceof AlreadyExistsError && attempt < COMMIT_ATTEMPTS) continue;
            if (err instanceof NotFoundError) {
              throw new StaleRevisionError(`the directory of ${path} moved while it was written`, {
                cause: err,
              });
            }
            record = await this.afterUnanswered(err, path, 1, stage, null);
          }
          await stage.commit(1);
          return { record, created: true };
        }
        if (!cur || cur.inode.type !== 'file' || !servedHere(this.o, cur.inode)) {
          assertServing(this.o);
          if (cur && cur.inode.type === 'file') throw new WrongOwnerError(cur.inode.instance_id);
          throw new NotAFileError(`${path} became a directory while it was written`);
        }
        // A replace was authorized against the file as it was; it may since have been deleted
        // and re-created by another user.
        if (!claim && !canModify(writer.caller, cur.inode)) {
          throw new PermissionDeniedError(`only the owner may overwrite ${path}`);
        }
        const gen = cur.inode.gen + 1;
        // The generation this one replaces, when it is on the same backend: a backend keeping
        // each generation under its own key deletes it once this one is committed.
        const sameBackend =
          cur.inode.backend_type === stage.placement.backend_type &&
          cur.inode.store === stage.placement.store;
        await stage.prepare(gen, sameBackend ? cur.inode.write : undefined);
        let record: InodeRecord;
        try {
          const { store: _previous, ...kept } = cur.inode;
          record = await this.o.metadata.replace(cur, {
            ...kept,
            ...stage.placement,
            // Bytes on this node's disk make the file this node's, whoever created the S3
            // generation they replace: reads of a disk file go to the node it names.
            ...(stage.placement.store === undefined ? { instance_id: this.o.instanceId } : {}),
            size,
            mtime: Date.now(),
            gen,
            state: 'ready',
            write: stage.id,
          });
        } catch (err) {
          if (err instanceof StaleRevisionError && attempt < attemptsFor(stage)) {
            if (stage.placement.store !== undefined) await jitter();
            continue;
          }
          record = await this.afterUnanswered(err, path, gen, stage, cur);
        }
        await stage.commit(gen);
        // Staged on another backend than the generation it replaced (the file changed backend
        // while this body uploaded): those bytes go (an S3 object, or this node's disk file,
        // none newer under the path's lock); a failure leaves an orphan for `callfs fsck`.
        if (!sameBackend && isVisible(cur)) {
          await dropUnnamed(this.o, cur);
        }
        // Over another create's claim (its bytes still in flight) this write made the file.
        return { record, created: !isVisible(cur) };
      }
    });
  }

  /**
   * Commits a small create staged without a claim: the journaled temp first, then one
   * transaction that puts the finished inode if the path is still absent (and its missing
   * parents as directories), then the rename. The transaction alone decides the winner; a
   * loser's temp is discarded by its session, so it leaves no bytes.
   */
  async commitCreate(
    path: string,
    size: number,
    stage: CommitStage,
    writer: CallContext,
  ): Promise<{ record: InodeRecord; created: boolean }> {
    return this.o.locks.run(path, async () => {
      assertServing(this.o);
      await stage.prepare(1);
      const now = Date.now();
      const inode = firstGeneration(this.o.instanceId, size, writer, stage, now);
      let record: InodeRecord;
      try {
        record = await this.o.metadata.create(path, inode, {
          parents: newParents(this.o, writer, now),
          fence: stage.id,
        });
      } catch (err) {
        if (err instanceof AlreadyExistsError) {
          throw await this.o.router.conflict(null, 'file', err);
        }
        record = await this.afterUnanswered(err, path, 1, stage, null);
      }
      await stage.commit(1);
      return { record, created: true };
    });
  }

  /**
   * A commit transaction failed. If etcd did not answer, it may have committed: a re-read
   * tells, and then the bytes must follow it; the re-read asks etcd itself, since this node's
   * cache learns nothing from a commit without an answer and would name the old version. If
   * even the re-read fails the outcome is unknown: the journaled temp is kept for the
   * reconciler, and the caller gets the error.
   *
   * A re-read that does not show the commit does not end it: etcd may hold the request and
   * apply it later (proposed, not yet committed), naming bytes this write then no longer has.
   * So a replace whose `compared` record is still the current one is fenced first: a compared
   * write over that record (the claim removed, a ready file's inode put again) makes the held
   * transaction's compare fail whenever it comes. A create (`compared` null) compares absent
   * keys, which no write can fence without leaving something at the path: it carries its
   * write id's fence instead (`Metadata.fenceWrite`), put before the re-read.
   */
  private async afterUnanswered(
    err: unknown,
    path: string,
    gen: number,
    stage: CommitStage,
    compared: InodeRecord | null,
  ): Promise<InodeRecord> {
    if (!(err instanceof MetadataUnavailableError)) throw err;
    if (!compared) return this.afterUnansweredCreate(err, path, stage);
    for (let round = 1; ; round++) {
      let now: InodeRecord | null;
      try {
        now = await this.o.metadata.get(path, { fresh: true });
      } catch {
        stage.keepPending(gen);
        throw err;
      }
      if (now && namesWrite(now, stage.id, gen)) return now;
      // Changed by another commit since: the held transaction's compare can never pass.
      if (!compared || now?.revision !== compared.revision) throw err;
      try {
        if (now.inode.state === 'writing') await this.o.metadata.remove(now);
        else await this.o.metadata.replace(now, now.inode);
      } catch (fenceErr) {
        // Changed meanwhile, maybe by the held transaction itself: read again.
        if (fenceErr instanceof StaleRevisionError && round < 3) continue;
        stage.keepPending(gen);
        throw err;
      }
      throw err;
    }
  }

  /**
   * A create whose transaction went unanswered: its fence first, so that whatever etcd still
   * holds can never apply, then a re-read decides. The create applied before the fence: its
   * record; else the caller's error, and the session drops the temp. If etcd cannot be
   * reached for either, the temp stays with the reconciler, which fences before it drops.
   */
  private async afterUnansweredCreate(
    err: MetadataUnavailableError,
    path: string,
    stage: CommitStage,
  ): Promise<InodeRecord> {
    const fence = (): Promise<void> => this.o.metadata.fenceWrite(stage.id);
    let now: InodeRecord | null;
    try {
      await fence();
      now = await this.o.metadata.get(path, { fresh: true });
    } catch {
      stage.keepPending(1, fence);
      throw err;
    }
    if (now && namesWrite(now, stage.id, 1)) return now;
    throw err;
  }

  /**
   * What a small create answers when this node's disk refused its path before anything was
   * read from etcd: a non-empty directory in the way is, when the namespace knows the path (a
   * directory holding files of this node), the 409 every other create of that path gets.
   * Only this failure pays the read.
   */
  async createRefused(path: string, err: unknown): Promise<unknown> {
    if (!(err instanceof InvalidPathError)) return err;
    const rec = await this.o.metadata.get(path).catch(() => null);
    return isVisible(rec) ? await this.o.router.conflict(rec, 'file') : err;
  }

  /**
   * Whether a claim that vanished went with the lease that held it: this node is not serving,
   * or registered again after claiming (its record's lease is younger than the claim; both
   * times come from this process's clock). Otherwise someone removed it (a recursive delete of
   * its directory takes in-flight claims too), and saying the node lost its lease would be false.
   */
  private async claimLapsed(claim: InodeRecord): Promise<boolean> {
    if (!this.o.membership.isServing()) return true;
    const me = await this.o.membership.getNode(this.o.instanceId).catch(() => null);
    return me?.leased === undefined || me.leased > claim.inode.mtime;
  }

  /** Removes a create's claim after a failed or cut upload, unless something replaced it. */
  async releaseClaim(claim: InodeRecord): Promise<void> {
    try {
      await this.o.metadata.remove(claim);
    } catch (err) {
      // A stale claim was already replaced or removed; a lapsed lease removes it anyway.
      if (!(err instanceof CallfsError)) throw err;
    }
  }
}
