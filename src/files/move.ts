// Rename and move of a file on its owner (API.md §3.6). The namespace switches in one fenced
// transaction that also journals the disk rename; the bytes are then renamed on this node's
// disk and the journal entry cleared. Both paths are locked (in sorted order) for the whole
// step, so a write committing either path waits, and two moves into each other's paths cannot
// deadlock. At start-up, `recoverMoves` finishes a disk rename that a crash interrupted.
import { randomBytes } from 'node:crypto';
import {
  AlreadyExistsError,
  NotFoundError,
  PermissionDeniedError,
  StaleRevisionError,
} from './errors.js';
import { canModify, existingResource, isVisible, toFileInfo } from './info.js';
import { evaluateConditions, type Conditions } from './conditions.js';
import type { PathLocks } from './path-lock.js';
import type { UnplacedBytes } from './move-dir-disk.js';
import { isTransient, malformed, setAside } from './journal-entries.js';
import type {
  CallContext,
  FileInfo,
  InodeRecord,
  JournalEntry,
  QuarantinedEntry,
  Metadata,
  MoveSpec,
  NodeRecord,
  OwnerClient,
} from './ports.js';
import {
  type BackendDeps,
  dropUnnamed,
  onDisk,
  refOf,
  servedHere,
  storageFor,
} from './backends.js';
import { parentTemplate } from './write-inodes.js';
import { decided } from './refusals.js';
import { afterUnansweredMove, UnsettledMove } from './move-unanswered.js';

export interface MoveDeps extends BackendDeps {
  instanceId: string;
  metadata: Metadata;
  locks: PathLocks;
  /** Where bytes wait that etcd may name before they are in place (move-dir-disk.ts). */
  unplaced?: readonly UnplacedBytes[];
  /**
   * Aborted at shutdown: a move whose outcome etcd could not tell stops waiting for etcd and
   * leaves its journal entry to start-up recovery (move-unanswered.ts).
   */
  stopping?: AbortSignal;
  warn?: (message: string, err: unknown) => void;
}

const MOVE_FILE = 'move-file';
const MOVE_FILE_OUT = 'move-file-out';

/**
 * The source of a move as read under its lock: a visible file of this node the caller may move,
 * whose version meets the request's conditions (the record the move's transaction compares).
 */
export async function ownFileToMove(
  d: MoveDeps,
  ctx: CallContext,
  source: string,
  conditions: Conditions | undefined,
): Promise<InodeRecord> {
  const rec = await decided(d.metadata, source, (cur) => {
    if (!isVisible(cur) || cur.inode.type !== 'file' || !servedHere(d, cur.inode)) {
      throw new NotFoundError(`${source} not found`);
    }
    if (!canModify(ctx.caller, cur.inode)) {
      throw new PermissionDeniedError(`only the owner may move ${source}`);
    }
    evaluateConditions(toFileInfo(cur), conditions, false);
  });
  return rec as InodeRecord;
}

export async function moveLocalFile(
  d: MoveDeps,
  ctx: CallContext,
  source: string,
  spec: MoveSpec,
  conditions?: Conditions,
): Promise<FileInfo> {
  const to = spec.destination;
  // The caller gets its answer as soon as there is one; a move whose outcome etcd cannot tell
  // yet keeps both paths locked after that, until etcd tells it and its disk step is done.
  return new Promise<FileInfo>((resolve, reject) => {
    d.locks
      .runAll([source, to], async () => {
        try {
          resolve(await renameLocked(d, ctx, source, spec, conditions));
        } catch (err) {
          if (!(err instanceof UnsettledMove)) return reject(err);
          reject(err.answer);
          await err.settle();
        }
      })
      // A path closed at shutdown refuses the lock itself.
      .catch(reject);
  });
}

/** moveLocalFile under both paths' locks: one retry on a refusal a stale cache decided. */
async function renameLocked(
  d: MoveDeps,
  ctx: CallContext,
  source: string,
  spec: MoveSpec,
  conditions?: Conditions,
): Promise<FileInfo> {
  for (let round = 1; ; round++) {
    try {
      return await renameLocalFile(d, ctx, source, spec, conditions);
    } catch (err) {
      // The source or destination as this node's cache had them may predate another node's
      // commit (a shared-store file replaced there): the transaction fails its compare, and
      // the cache forgets both paths. Decided once more on etcd's records, the request gets
      // etcd's answer rather than a 503 or a 409 that etcd's records do not justify. Nothing
      // has changed before the transaction, so running it again is safe.
      if (round === 1 && (err instanceof StaleRevisionError || err instanceof AlreadyExistsError)) {
        continue;
      }
      throw err;
    }
  }
}

/** One attempt of moveLocalFile, under both paths' locks. */
async function renameLocalFile(
  d: MoveDeps,
  ctx: CallContext,
  source: string,
  spec: MoveSpec,
  conditions?: Conditions,
): Promise<FileInfo> {
  const to = spec.destination;
  const cur = await ownFileToMove(d, ctx, source, conditions);
  // Before the namespace switch: a destination this disk cannot hold must never be named.
  const bytes = storageFor(d, cur.inode.backend_type);
  await bytes.checkPath(to);
  const overwrite = await decided(d.metadata, to, (r) => r && checkMoveOverwrite(d, ctx, r, spec));
  const id = randomBytes(12).toString('hex');
  const now = Date.now();
  // Over an existing file the destination's bytes change now: its Last-Modified must not go
  // back to the source's (If-Modified-Since would answer 304 for other bytes).
  const inode = overwrite ? { ...cur.inode, mtime: Math.max(now, cur.inode.mtime) } : cur.inode;
  const moved = await d.metadata
    .move(cur, to, inode, {
      overwrite,
      parents: spec.create_parents
        ? parentTemplate(d.instanceId, d.storage.backendType, ctx, now)
        : undefined,
      journal: { id, value: { type: MOVE_FILE, node: d.instanceId, from: source, to } },
    })
    .catch((err: unknown) =>
      afterUnansweredMove(d, err, { cur, to, id }, (applied) =>
        finishRename(d, cur, applied, to, overwrite, id),
      ),
    );
  return finishRename(d, cur, moved, to, overwrite, id);
}

/** The steps after a rename's transaction applied: the disk rename, then the journal entry. */
async function finishRename(
  d: MoveDeps,
  cur: InodeRecord,
  moved: InodeRecord,
  to: string,
  overwrite: InodeRecord | null | undefined,
  id: string,
): Promise<FileInfo> {
  const source = cur.path;
  // A generation-keyed backend stores no path: its bytes stay where they are.
  if (onDisk(d, cur.inode)) {
    // Bytes etcd named at the source before they were in place (a file that moved here and
    // is still staged, a write the reconciler holds) are placed first, then renamed.
    for (const where of d.unplaced ?? []) if (await where.placeMoved(source, moved)) break;
    await d.storage.rename(source, to);
  }
  // The overwritten file's bytes, unless that rename replaced them on the disk: an S3
  // generation no inode names any more, or a disk file at a path now naming S3 bytes. Both
  // paths' locks are held, so nothing committed at the destination since can be removed; a
  // failure leaves an orphan for `callfs fsck`, the move being done.
  if (overwrite && !(onDisk(d, overwrite.inode) && onDisk(d, cur.inode))) {
    await dropUnnamed(d, overwrite);
  }
  await d.metadata.clearJournal(id);
  return toFileInfo(moved);
}

/**
 * Moves a file's bytes to another node (`instance`), streamed over gRPC: the target stages
 * them (fsynced and journaled, not visible); only then does one fenced transaction switch the
 * inode to the target (and the destination path); then the target commits and this node
 * removes its copy. A crash at any point leaves either the old file or the new one: the
 * target rolls its staged file forward at start-up exactly when etcd names it, and this node
 * removes its leftover copy from its journal entry.
 *
 * Only the source's lock is held, for the whole step (a file created at the source after the
 * switch must not lose its bytes to the removal of the old ones). The destination's lock here
 * would guard nothing (this node never touches the destination's bytes; the switch compares
 * its absence), and held across FinishStaged, which takes the target's lock of the
 * destination, it let two moves to one new path, each to the other's node, wait on each other.
 */
export async function moveFileToNode(
  d: MoveDeps & { owners: OwnerClient },
  ctx: CallContext,
  source: string,
  spec: MoveSpec,
  target: NodeRecord,
  conditions?: Conditions,
): Promise<FileInfo> {
  const to = spec.destination;
  return d.locks.run(source, async () => {
    const cur = await ownFileToMove(d, ctx, source, conditions);
    if (to !== source) {
      await decided(d.metadata, to, (existing) => {
        if (!existing) return;
        throw new AlreadyExistsError(
          `${to} already exists (moving to another node never overwrites)`,
          existingResource(existing),
        );
      });
    }
    const bytes = storageFor(d, cur.inode.backend_type);
    const opened = await bytes.open(refOf(cur), ctx.signal);
    const id = randomBytes(12).toString('hex');
    const gen = cur.inode.gen + 1;
    let write: string;
    try {
      write = await d.owners.stageFile(
        target,
        { stageId: id, path: to, gen, size: opened.size, namesWrite: true },
        opened.body,
      );
    } finally {
      // A refused stage may not have read the body at all: its descriptor is closed here.
      opened.body.destroy();
    }
    const inode = {
      ...cur.inode,
      instance_id: target.instance_id,
      backend_type: target.backends[0] ?? cur.inode.backend_type,
      size: opened.size,
      gen,
      // The staged bytes' own id: the target's start-up recovery keeps them only when etcd
      // names it (a target that gives none keeps the id the bytes had here).
      ...(write ? { write } : {}),
    };
    let moved: InodeRecord;
    try {
      await d.metadata.putJournal({
        id,
        value: { type: MOVE_FILE_OUT, node: d.instanceId, from: source },
      });
      moved =
        to === source
          ? await d.metadata.replace(cur, inode)
          : await d.metadata.move(cur, to, inode, {
              parents: spec.create_parents
                ? parentTemplate(d.instanceId, d.storage.backendType, ctx, Date.now())
                : undefined,
            });
    } catch (err) {
      await d.owners.finishStaged(target, id, false).catch(() => undefined);
      await d.metadata.clearJournal(id).catch(() => undefined);
      throw err;
    }
    // From here the target owns the file; if this commit does not arrive, the target's staging
    // timer (or its start-up recovery) rolls the staged file forward because etcd names it.
    await d.owners.finishStaged(target, id, true).catch(() => undefined);
    await bytes.remove(refOf(cur));
    await d.metadata.clearJournal(id);
    return toFileInfo(moved);
  });
}

/** The destination record to overwrite, after checking that overwriting it is allowed. */
export function checkMoveOverwrite(
  d: MoveDeps,
  ctx: CallContext,
  existing: InodeRecord,
  spec: MoveSpec,
): InodeRecord {
  const ex = existing.inode;
  const conflict = (message: string) => new AlreadyExistsError(message, existingResource(existing));
  if (!spec.overwrite) throw conflict(`${existing.path} already exists`);
  if (ex.type === 'directory') throw conflict(`${existing.path} is a directory`);
  // Overwriting bytes held by another node would leave them behind on its disk.
  if (!servedHere(d, ex)) {
    throw conflict(`${existing.path} is owned by ${ex.instance_id}; delete it first`);
  }
  if (!canModify(ctx.caller, ex)) {
    throw new PermissionDeniedError(`only the owner may overwrite ${existing.path}`);
  }
  return existing;
}

/**
 * Finishes the disk renames of moves this node journaled but did not complete (a crash between
 * the metadata switch and the rename), among `entries` (this node's journal as read). The bytes
 * still at `from` are moved only while etcd says `to` is this node's file and nothing new was
 * created at `from`. An entry that cannot be finished (malformed, or its disk step fails for
 * good) stays in etcd and goes to `setAsideAs`; only an unavailable store stops recovery.
 */
export async function recoverMoves(
  d: Omit<MoveDeps, 'locks'>,
  entries: readonly JournalEntry[],
  setAsideAs: (q: QuarantinedEntry, entry: JournalEntry) => Promise<void> | void = () => undefined,
  skip: ReadonlySet<string> = new Set(),
): Promise<number> {
  let finished = 0;
  for (const entry of entries) {
    if (entry.value.type !== MOVE_FILE_OUT && entry.value.type !== MOVE_FILE) continue;
    if (skip.has(entry.id)) continue;
    const problem = malformed(entry);
    if (problem) {
      await setAsideAs(setAside(entry, problem), entry);
      continue;
    }
    try {
      finished += await recoverMove(d, entry);
    } catch (err) {
      if (isTransient(err)) throw err;
      await setAsideAs(setAside(entry, err), entry);
    }
  }
  return finished;
}

async function recoverMove(d: Omit<MoveDeps, 'locks'>, entry: JournalEntry): Promise<number> {
  let finished = 0;
  if (entry.value.type === MOVE_FILE_OUT) {
    // Our copy of a file sent to another node: drop it once etcd no longer names us.
    const from = String(entry.value.from);
    const now = await d.metadata.get(from);
    if (now?.inode.instance_id !== d.instanceId && (await d.storage.has(from))) {
      await d.storage.remove({ path: from });
      finished += 1;
    }
    await d.metadata.clearJournal(entry.id);
    return finished;
  }
  const { from, to } = entry.value as unknown as { from: string; to: string };
  const [src, dst] = [await d.metadata.get(from), await d.metadata.get(to)];
  const ours = dst?.inode.type === 'file' && dst.inode.instance_id === d.instanceId;
  if (ours && !src && (await d.storage.has(from))) {
    await d.storage.rename(from, to);
    finished += 1;
  }
  await d.metadata.clearJournal(entry.id);
  return finished;
}
