// The files service: every operation of the API on one node. It resolves a path's owner from
// the metadata store, runs the operation here when this node owns the path (or the path is a
// directory, which lives in etcd), and otherwise hands the same call to the owner through the
// OwnerClient port. Creates claim the path in one fenced transaction before any byte flows;
// writes stream to a temp file and commit in the journaled order of ARCHITECTURE.md.
import {
  AlreadyExistsError,
  MetadataUnavailableError,
  BadRequestError,
  CallfsError,
  NodeNotServingError,
  NotAFileError,
  NotFoundError,
  OwnerUnavailableError,
  PayloadTooLargeError,
  PermissionDeniedError,
  StaleRevisionError,
  WrongOwnerError,
} from './errors.js';
import { DIR_MODE, FILE_MODE, canModify, isVisible, toFileInfo } from './info.js';
import { PathLocks } from './path-lock.js';
import type {
  CallContext,
  DirectoryListing,
  FileInfo,
  FilesApi,
  Inode,
  InodeRecord,
  ListQuery,
  Membership,
  Metadata,
  MkdirResult,
  MoveSpec,
  NodeRecord,
  StagedFile,
  OwnerClient,
  ReadResult,
  RemoveOptions,
  Storage,
  WriteRequestHeader,
  WriteSession,
} from './ports.js';
import { moveFileToNode, moveLocalFile, recoverMoves } from './move.js';
import { Staging } from './staging.js';
import {
  applyLocal,
  moveDirectory,
  MOVE_DIR,
  MOVE_DIR_DISK,
  runDirectoryMove,
} from './move-dir.js';
import { listDirectory, listEntries } from './directories.js';
import { deleteSubtree } from './subtree-delete.js';
import { LocalWriteSession } from './write-session.js';

export interface FilesServiceOptions {
  instanceId: string;
  metadata: Metadata;
  membership: Membership;
  storage: Storage;
  owners: OwnerClient;
  maxBodyBytes: number;
  /** Seals listing cursors; the same on every node (deriveCursorKey of the internal secret). */
  cursorKey: Buffer;
  /** Reports a background step that failed without failing the request. */
  warn?: (message: string, err: unknown) => void;
}

const COMMIT_ATTEMPTS = 5;

export class FilesService implements FilesApi {
  private readonly locks = new PathLocks();
  private readonly staging: Staging;
  readonly instanceId: string;

  constructor(private readonly o: FilesServiceOptions) {
    this.instanceId = o.instanceId;
    this.staging = new Staging(o.storage, this.locks, (p, gen) => this.isCurrent(p, gen), o.warn);
  }

  async stat(ctx: CallContext, path: string): Promise<FileInfo> {
    return this.routed(ctx, path, {
      directory: async (rec) => toFileInfo(rec),
      local: async (rec) => toFileInfo(rec),
      remote: (owner) => this.o.owners.stat(owner, ctx, path),
    });
  }

  async read(ctx: CallContext, path: string): Promise<ReadResult> {
    return this.routed(ctx, path, {
      directory: async () => {
        throw new NotAFileError(`${path} is a directory`);
      },
      local: async (rec) => {
        const opened = await this.o.storage.open(path, ctx.signal);
        const info = toFileInfo(rec);
        info.size = opened.size;
        info.mtime_ms = Math.trunc(opened.mtimeMs);
        return { info, body: opened.body };
      },
      remote: (owner) => this.o.owners.read(owner, ctx, path),
    });
  }

  async openWrite(ctx: CallContext, header: WriteRequestHeader): Promise<WriteSession> {
    const { path } = header;
    const createOnly = header.write_mode === 'WRITE_MODE_CREATE_ONLY';
    if (path === '/') throw new NotAFileError('the root is a directory');
    if (header.expected_size > this.o.maxBodyBytes) {
      throw new PayloadTooLargeError(`body exceeds the limit of ${this.o.maxBodyBytes} bytes`);
    }
    // Two rounds: a PUT that loses a create race becomes a replace on the winner.
    for (let round = 0; ; round++) {
      const rec = await this.o.metadata.get(path);
      if (rec?.inode.type === 'directory') {
        if (createOnly) throw await this.conflict(rec, 'file');
        throw new NotAFileError(`${path} is a directory`);
      }
      if (rec) {
        if (createOnly) throw await this.conflict(rec, 'file');
        if (rec.inode.instance_id !== this.instanceId) {
          try {
            return await this.forward(ctx, rec, (owner) =>
              this.o.owners.openWrite(owner, ctx, header),
            );
          } catch (err) {
            // The owner changed under us (a move or a delete and re-create): decide again.
            if (err instanceof WrongOwnerError && round < 2) continue;
            throw err;
          }
        }
        if (!canModify(ctx.caller, rec.inode)) {
          throw new PermissionDeniedError(`only the owner may overwrite ${path}`);
        }
        this.assertServing();
        return this.session(ctx, path, false, null);
      }
      this.assertServing();
      const now = Date.now();
      const claim: Inode = {
        type: 'file',
        instance_id: this.instanceId,
        backend_type: this.o.storage.backendType,
        size: 0,
        mode: FILE_MODE,
        owner: ctx.caller.user,
        mtime: now,
        gen: 0,
        state: 'writing',
      };
      try {
        const claimed = await this.o.metadata.create(path, claim, {
          parents: this.parentTemplate(ctx, now),
          leased: true,
        });
        return this.session(ctx, path, true, claimed);
      } catch (err) {
        if (err instanceof AlreadyExistsError && !createOnly && round < 2) continue;
        if (err instanceof AlreadyExistsError) throw await this.conflict(null, 'file', err);
        throw err;
      }
    }
  }

  async remove(ctx: CallContext, path: string, options: RemoveOptions = {}): Promise<void> {
    if (path === '/') throw new BadRequestError('the root cannot be deleted');
    if (options.recursive) {
      // A directory goes with its subtree (subtree-delete.ts); a file is deleted as usual.
      const rec = await this.o.metadata.get(path);
      if (isVisible(rec) && rec.inode.type === 'directory') {
        return deleteSubtree(
          { ...this.o, locks: this.locks, instanceId: this.instanceId },
          ctx,
          rec,
        );
      }
    }
    await this.routed(ctx, path, {
      directory: async (rec) => {
        this.assertCanModify(ctx, rec);
        this.assertServing();
        await this.o.metadata.remove(rec);
      },
      local: async (rec) => {
        this.assertCanModify(ctx, rec);
        this.assertServing();
        await this.locks.run(path, async () => {
          const cur = await this.o.metadata.get(path);
          if (!isVisible(cur) || cur.inode.instance_id !== this.instanceId) {
            throw new NotFoundError(`${path} not found`);
          }
          // The file may have been deleted and re-created by someone else since it was read.
          this.assertCanModify(ctx, cur);
          // Namespace first: the file vanishes atomically; the bytes follow.
          await this.o.metadata.remove(cur);
          await this.o.storage.remove(path);
        });
      },
      remote: (owner) => this.o.owners.remove(owner, ctx, path),
    });
  }

  async mkdir(ctx: CallContext, path: string): Promise<MkdirResult> {
    for (let round = 0; ; round++) {
      const rec = await this.o.metadata.get(path);
      if (rec && rec.inode.type === 'directory') {
        if (path === '/' || rec.inode.instance_id === this.instanceId) {
          return { created: false, info: toFileInfo(rec) };
        }
        throw await this.conflict(rec, 'directory');
      }
      if (rec) throw await this.conflict(rec, 'directory');
      this.assertServing();
      const now = Date.now();
      const dir: Inode = {
        type: 'directory',
        instance_id: this.instanceId,
        backend_type: this.o.storage.backendType,
        size: 0,
        mode: DIR_MODE,
        owner: ctx.caller.user,
        mtime: now,
        gen: 1,
        state: 'ready',
      };
      try {
        const created = await this.o.metadata.create(path, dir, {
          parents: this.parentTemplate(ctx, now),
        });
        return { created: true, info: toFileInfo(created) };
      } catch (err) {
        if (err instanceof AlreadyExistsError && round === 0) continue;
        throw err;
      }
    }
  }

  async list(ctx: CallContext, path: string): Promise<FileInfo[]> {
    const out: FileInfo[] = [];
    for await (const info of await this.listEntries(ctx, path)) out.push(info);
    return out;
  }

  async listEntries(_ctx: CallContext, path: string): Promise<AsyncIterable<FileInfo>> {
    return listEntries(this.o.metadata, path);
  }

  async listDirectory(
    _ctx: CallContext,
    path: string,
    query: ListQuery,
  ): Promise<DirectoryListing> {
    return listDirectory(this.o.metadata, path, query, this.o.cursorKey);
  }

  async move(ctx: CallContext, source: string, spec: MoveSpec): Promise<FileInfo> {
    const to = spec.destination;
    if (source === '/' || to === '/') throw new BadRequestError('the root cannot be moved');
    if (to.startsWith(`${source}/`)) {
      throw new BadRequestError('a directory cannot be moved into itself');
    }
    if (spec.backend && spec.backend !== this.o.storage.backendType) {
      throw new BadRequestError(`backend ${spec.backend} is not available`);
    }
    const rec = await this.o.metadata.get(source);
    if (!isVisible(rec)) throw new NotFoundError(`${source} not found`);
    if (rec.inode.type === 'directory') {
      if (spec.instance) throw new BadRequestError('"instance" applies to files only');
      if (to === source) return toFileInfo(rec);
      this.assertServing();
      return moveDirectory(this.moveDirDeps(), ctx, rec, spec);
    }
    const toNode = spec.instance && spec.instance !== rec.inode.instance_id;
    if (to === source && !toNode) return this.stat(ctx, source);
    if (rec.inode.instance_id !== this.instanceId) {
      return this.forward(ctx, rec, (owner) => this.o.owners.move(owner, ctx, source, spec));
    }
    this.assertServing();
    if (toNode) {
      const target = await this.o.membership.getNode(spec.instance);
      if (!target) throw new OwnerUnavailableError(spec.instance);
      return moveFileToNode(
        { ...this.o, locks: this.locks, instanceId: this.instanceId },
        ctx,
        source,
        spec,
        target,
      );
    }
    return moveLocalFile(
      { ...this.o, locks: this.locks, instanceId: this.instanceId },
      ctx,
      source,
      spec,
    );
  }

  /** Start-up: finishes journaled work of this node that a crash interrupted. */
  async recoverJournal(): Promise<number> {
    let finished = await recoverMoves({ ...this.o, instanceId: this.instanceId });
    for (const entry of await this.o.metadata.journal(this.instanceId)) {
      const { from, to, user } = entry.value as unknown as {
        from: string;
        to: string;
        user: string;
      };
      if (entry.value.type === MOVE_DIR) {
        // Re-keying needs this node's membership (fenced transactions): before registration
        // it waits for the call made once the node serves.
        if (!this.o.membership.isServing()) continue;
        await runDirectoryMove(this.moveDirDeps(), entry.id, from, to, user);
        finished += 1;
      } else if (entry.value.type === MOVE_DIR_DISK) {
        await applyLocal(this.o, entry.id, from, to);
        finished += 1;
      }
    }
    return finished;
  }

  async stageFile(stage: StagedFile, body: AsyncIterable<Buffer>): Promise<number> {
    this.assertServing();
    return this.staging.stage(stage, body);
  }

  async finishStaged(stageId: string, commit: boolean): Promise<void> {
    return this.staging.finish(stageId, commit);
  }

  /** The disk step of a directory move, asked by the node that moved it in the namespace. */
  async applyMove(journalId: string, from: string, to: string): Promise<number> {
    return applyLocal(this.o, journalId, from, to);
  }

  private moveDirDeps() {
    return { ...this.o, instanceId: this.instanceId, warn: this.o.warn };
  }

  /** Is (path, gen) the committed generation this node owns? Used by start-up recovery. */
  async isCurrent(path: string, gen: number): Promise<boolean> {
    const rec = await this.o.metadata.get(path);
    return (
      rec !== null &&
      rec.inode.type === 'file' &&
      rec.inode.instance_id === this.instanceId &&
      rec.inode.state === 'ready' &&
      rec.inode.gen === gen
    );
  }

  /**
   * Commits a staged write as the next generation of `path`, serialized per path on this node.
   * `claim` is the create's claim record (null for a replace). A replace whose file vanished
   * while it uploaded (a create it lost to failed, or a delete) creates the file, as PUT does:
   * `created` then says so.
   */
  async commit(
    path: string,
    claim: InodeRecord | null,
    size: number,
    stage: { prepare(gen: number): Promise<void>; commit(): Promise<void> },
    writer: CallContext,
  ): Promise<{ record: InodeRecord; created: boolean }> {
    return this.locks.run(path, async () => {
      for (let attempt = 1; ; attempt++) {
        const cur = await this.o.metadata.get(path);
        if (!cur && !claim) {
          this.assertServing();
          await stage.prepare(1);
          try {
            const now = Date.now();
            const record = await this.o.metadata.create(
              path,
              {
                type: 'file',
                instance_id: this.instanceId,
                backend_type: this.o.storage.backendType,
                size,
                mode: FILE_MODE,
                owner: writer.caller.user,
                mtime: now,
                gen: 1,
                state: 'ready',
              },
              { parents: this.parentTemplate(writer, now) },
            );
            await stage.commit();
            return { record, created: true };
          } catch (err) {
            if (err instanceof AlreadyExistsError && attempt < COMMIT_ATTEMPTS) continue;
            throw err;
          }
        }
        if (!cur || cur.inode.type !== 'file' || cur.inode.instance_id !== this.instanceId) {
          this.assertServing();
          if (cur && cur.inode.type === 'file') throw new WrongOwnerError(cur.inode.instance_id);
          if (cur) throw new NotAFileError(`${path} became a directory while it was written`);
          throw new NotFoundError(`${path} was removed while it was being written`);
        }
        if (claim && cur.revision !== claim.revision && cur.inode.state === 'writing') {
          throw new StaleRevisionError(`the claim on ${path} changed`);
        }
        // A replace was authorized against the file as it was; it may since have been deleted
        // and re-created by another user.
        if (!claim && !canModify(writer.caller, cur.inode)) {
          throw new PermissionDeniedError(`only the owner may overwrite ${path}`);
        }
        const gen = cur.inode.gen + 1;
        await stage.prepare(gen);
        let record: InodeRecord;
        try {
          record = await this.o.metadata.replace(cur, {
            ...cur.inode,
            size,
            mtime: Date.now(),
            gen,
            state: 'ready',
          });
        } catch (err) {
          if (err instanceof StaleRevisionError && attempt < COMMIT_ATTEMPTS) continue;
          // etcd did not answer: the transaction may have committed. If it did, the bytes
          // must follow it; if it cannot be told, the journaled temp waits for recovery.
          if (!(err instanceof MetadataUnavailableError)) throw err;
          const now = await this.o.metadata.get(path).catch(() => null);
          if (now?.inode.gen !== gen || now.inode.instance_id !== this.instanceId) throw err;
          record = now;
        }
        await stage.commit();
        return { record, created: false };
      }
    });
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

  private session(
    ctx: CallContext,
    path: string,
    created: boolean,
    claim: InodeRecord | null,
  ): WriteSession {
    return new LocalWriteSession({
      service: this,
      storage: this.o.storage,
      path,
      created,
      claim,
      maxBytes: this.o.maxBodyBytes,
      ctx,
    });
  }

  private parentTemplate(ctx: CallContext, now: number) {
    return {
      owner: ctx.caller.user,
      instance_id: this.instanceId,
      backend_type: this.o.storage.backendType,
      mtime: now,
    };
  }

  private assertServing(): void {
    if (!this.o.membership.isServing()) {
      throw new NodeNotServingError(`node ${this.instanceId} does not hold its membership lease`);
    }
  }

  private assertCanModify(ctx: CallContext, rec: InodeRecord): void {
    if (!canModify(ctx.caller, rec.inode)) {
      throw new PermissionDeniedError(`only the owner may modify ${rec.path}`);
    }
  }

  /** Builds the 409 for a path that exists, naming where it lives. */
  private async conflict(
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
    if (existing.instanceId && existing.instanceId !== this.instanceId) {
      httpUrl = (await this.o.membership.getNode(existing.instanceId).catch(() => null))?.http_url;
    }
    return new AlreadyExistsError(
      `${existing.path} already exists`,
      { ...existing, httpUrl },
      requested,
    );
  }

  /**
   * Runs an operation where the path lives: directories here (from etcd), files owned here
   * locally, files owned elsewhere on their owner. A stale owner answer is re-resolved once.
   */
  private async routed<T>(
    ctx: CallContext,
    path: string,
    run: {
      directory: (rec: InodeRecord) => Promise<T>;
      local: (rec: InodeRecord) => Promise<T>;
      remote: (owner: NodeRecord) => Promise<T>;
    },
  ): Promise<T> {
    for (let round = 0; ; round++) {
      const rec = await this.o.metadata.get(path);
      if (!isVisible(rec)) throw new NotFoundError(`${path} not found`);
      if (rec.inode.type === 'directory') return run.directory(rec);
      if (rec.inode.instance_id === this.instanceId) return run.local(rec);
      try {
        return await this.forward(ctx, rec, run.remote);
      } catch (err) {
        if (err instanceof WrongOwnerError && round === 0) continue;
        throw err;
      }
    }
  }

  private async forward<T>(
    ctx: CallContext,
    rec: InodeRecord,
    call: (owner: NodeRecord) => Promise<T>,
  ): Promise<T> {
    const ownerId = rec.inode.instance_id;
    // A forwarded call is never forwarded again: the sender's view was stale.
    if (ctx.forwarded) throw new WrongOwnerError(ownerId);
    const owner = await this.o.membership.getNode(ownerId);
    if (!owner) throw new OwnerUnavailableError(ownerId);
    return call(owner);
  }
}
