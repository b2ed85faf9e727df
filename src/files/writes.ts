// The write path on this node: deciding a write (route to the owner, claim a new path, check
// permission) before any byte flows, and the session that stages its body; the commit that
// ends it (the journaled order of ARCHITECTURE.md, serialized per path) is write-commits.ts.
// Uploads run side by side.
import {
  AlreadyExistsError,
  NotAFileError,
  PayloadTooLargeError,
  PermissionDeniedError,
  WrongOwnerError,
} from './errors.js';
import { assertServing } from './serving.js';
import { FILE_MODE, canModify } from './info.js';
import { checkWriteConditions, type Conditions } from './conditions.js';
import type { PathLocks } from './path-lock.js';
import type {
  CallContext,
  Inode,
  InodeRecord,
  Membership,
  Metadata,
  OwnerClient,
  Storage,
  WriteRequestHeader,
  WriteSession,
} from './ports.js';
import { assertBound, type Router } from './routing.js';
import { decided } from './refusals.js';
import { LocalWriteSession } from './write-session.js';
import { Commits, newParents } from './write-commits.js';
import type { Reconciler } from './reconciler.js';
import { type BackendDeps, defaultStorage, placement, servedHere, storageFor } from './backends.js';

export interface WritesOptions extends BackendDeps {
  instanceId: string;
  metadata: Metadata;
  membership: Membership;
  owners: OwnerClient;
  maxBodyBytes: number;
  /**
   * A POST whose body has a known length up to this many bytes is staged before anything is
   * claimed and committed with one transaction (no claim); longer or unknown-length bodies
   * claim the path first, so a conflict is answered before they flow. 0 turns it off.
   */
  smallBodyBytes?: number;
  locks: PathLocks;
  router: Router;
  /** Takes the journaled temps whose commit outcome is not known yet. */
  reconciler: Reconciler;
}

export class Writes {
  private readonly commits: Commits;

  constructor(private readonly o: WritesOptions) {
    this.commits = new Commits(o);
  }

  async openWrite(ctx: CallContext, header: WriteRequestHeader): Promise<WriteSession> {
    const { path } = header;
    const createOnly = header.write_mode === 'WRITE_MODE_CREATE_ONLY';
    if (path === '/') throw new NotAFileError('the root is a directory');
    if (header.expected_size > this.o.maxBodyBytes) {
      throw new PayloadTooLargeError(`body exceeds the limit of ${this.o.maxBodyBytes} bytes`);
    }
    if (createOnly && !header.conditions && this.isSmall(header.expected_size)) {
      // A small create decides nothing before its body: the one commit transaction does.
      assertServing(this.o);
      return this.session(
        ctx,
        defaultStorage(this.o),
        path,
        true,
        null,
        createOnly,
        undefined,
        header.expected_size,
      );
    }
    // Two rounds: a PUT that loses a create race becomes a replace on the winner.
    for (let round = 0; ; round++) {
      const rec = await decided(this.o.metadata, path, (r) => this.refusal(ctx, header, r));
      if (rec) {
        if (!servedHere(this.o, rec.inode)) {
          try {
            return await this.o.router.forward(ctx, rec, (owner) =>
              this.o.owners.openWrite(owner, ctx, header),
            );
          } catch (err) {
            // The owner changed under us (a move or a delete and re-create): decide again.
            if (err instanceof WrongOwnerError && round < 2) continue;
            throw err;
          }
        }
        assertServing(this.o);
        const bytes = storageFor(this.o, rec.inode.backend_type);
        await bytes.checkPath(path);
        return this.session(ctx, bytes, path, false, null, createOnly, header.conditions);
      }
      assertServing(this.o);
      // Before the claim: a path this node's disk cannot hold must never reach the namespace.
      const bytes = defaultStorage(this.o);
      await bytes.checkPath(path);
      const now = Date.now();
      const claim: Inode = {
        type: 'file',
        instance_id: this.o.instanceId,
        ...placement(bytes),
        size: 0,
        mode: FILE_MODE,
        owner: ctx.caller.user,
        mtime: now,
        gen: 0,
        state: 'writing',
      };
      try {
        const claimed = await this.o.metadata.create(path, claim, {
          parents: this.parents(ctx, now),
          leased: true,
        });
        return this.session(ctx, bytes, path, true, claimed, createOnly, header.conditions);
      } catch (err) {
        if (err instanceof AlreadyExistsError && !createOnly && round < 2) continue;
        if (err instanceof AlreadyExistsError)
          throw await this.o.router.conflict(null, 'file', err);
        throw err;
      }
    }
  }

  /**
   * What refuses a write of the path as `rec` names it, before any byte flows; a file served
   * elsewhere is checked there. Throws the refusal.
   */
  private async refusal(
    ctx: CallContext,
    header: WriteRequestHeader,
    rec: InodeRecord | null,
  ): Promise<void> {
    assertBound(ctx, rec);
    const createOnly = header.write_mode === 'WRITE_MODE_CREATE_ONLY';
    if (rec && createOnly) throw await this.o.router.conflict(rec, 'file');
    if (rec?.inode.type === 'directory') throw new NotAFileError(`${rec.path} is a directory`);
    if (rec && !servedHere(this.o, rec.inode)) return;
    // Here, a 412 comes before any byte flows.
    checkWriteConditions(rec, header.conditions);
    if (rec && !canModify(ctx.caller, rec.inode)) {
      throw new PermissionDeniedError(`only the owner may overwrite ${rec.path}`);
    }
  }

  private session(
    ctx: CallContext,
    storage: Storage,
    path: string,
    created: boolean,
    claim: InodeRecord | null,
    createOnly: boolean,
    conditions?: Conditions,
    smallSize?: number,
  ): WriteSession {
    return new LocalWriteSession({
      conditions,
      smallSize,
      service: this.commits,
      storage,
      reconciler: this.o.reconciler,
      path,
      created,
      claim,
      createOnly,
      maxBytes: this.o.maxBodyBytes,
      ctx,
    });
  }

  private parents(ctx: CallContext, now: number): ReturnType<typeof newParents> {
    return newParents(this.o, ctx, now);
  }

  private isSmall(expectedSize: number): boolean {
    const limit = this.o.smallBodyBytes ?? 0;
    return expectedSize >= 0 && expectedSize <= limit && expectedSize <= this.o.maxBodyBytes;
  }
}
