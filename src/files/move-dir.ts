// Rename and move of a directory subtree (API.md §3.6, ARCHITECTURE.md invariant 8). The
// subtree cannot move in one transaction, so it is a journaled job run by the receiving node:
//
// 1. Check, before anything moves: the caller may modify every entry of the subtree (owner or
//    admin, the rule of a recursive delete; else 403, nothing moved).
// 2. Journal the intent; create the destination directory and mark the source directory,
//    both `moving`: from then on a create anywhere under either fails its ancestor check with
//    a retryable 503 (STALE_REVISION), so nothing lands where the move cannot see it.
// 3. Re-key the subtree page by page, each batch one fenced transaction comparing every source
//    unchanged and every destination key absent; sweep until nothing movable is left.
// 4. Each node owning files in the subtree moves their bytes on its own disk (move-dir-disk.ts,
//    under the commit locks), from a journal entry of its own, so a node that is down does it
//    at start-up before it serves.
// 5. Once every owner's disk step is done (its journal entry cleared), remove the source (or,
//    when uploads that were in flight finished there, end its `moving` mark) and end the
//    destination's `moving` mark; clear the journal. Bytes on a disk are known only by their
//    path, so a source released before a step ran would let a new file land on bytes not moved
//    yet: while a step waits (a live node the coordinator cannot reach runs it from its own
//    sweep, a node that is down at its start-up), the job stays journaled with the owners it
//    waits for, and a later run (FilesService.sweepWaitingMoves, or an adopter's) finishes it.
//
// Readers may briefly see a half-moved tree. An entry whose destination key is taken is never
// overwritten: it stays at its source and the move answers 409 once the rest has moved.
import { randomBytes } from 'node:crypto';
import {
  AlreadyExistsError,
  NodeNotServingError,
  NotFoundError,
  ParentNotADirectoryError,
  PermissionDeniedError,
  StaleRevisionError,
} from './errors.js';
import { canModify, existingResource, toFileInfo } from './info.js';
import { applyLocal, type MoveDirDiskDeps } from './move-dir-disk.js';
import {
  applyOn,
  assertStillOurs,
  endJob,
  pendingSteps,
  recordDiskSteps,
  unhurried,
} from './move-dir-job.js';
import { parentOf, rebasePath } from './paths.js';
import { subtreeRecords } from './subtree-records.js';
import { decided } from './refusals.js';
import { finishSource, setState } from './move-dir-marks.js';
import type {
  Caller,
  CallContext,
  FileInfo,
  InodeRecord,
  JournalEntry,
  Membership,
  Metadata,
  MoveSpec,
  OwnerClient,
} from './ports.js';

/** The disk step's deps (this node runs its own), and what reaches the other nodes. */
export interface MoveDirDeps extends MoveDirDiskDeps {
  membership: Membership;
  owners: OwnerClient;
  /** Reports a step that failed without failing the move (e.g. an owner that is down). */
  warn?: (message: string, err: unknown) => void;
  /**
   * Runs this node's own disk step (disk-steps.ts: one run per step, which its sweep joins);
   * `applyLocal` when not given.
   */
  runDiskStep?: (journalId: string, from: string, to: string) => Promise<number>;
  /** The directory moves running in this process, by journal id (see runDirectoryMove). */
  movesRunning?: Set<string>;
}

export { applyLocal };
export const MOVE_DIR = 'move-dir';
export const MOVE_DIR_DISK = 'move-dir-disk';

const PAGE = 500;

export async function moveDirectory(
  d: MoveDirDeps,
  ctx: CallContext,
  src: InodeRecord,
  spec: MoveSpec,
): Promise<FileInfo> {
  const from = src.path;
  const to = spec.destination;
  if (src.inode.state === 'moving') {
    throw new StaleRevisionError(`${from} is being moved; try again once the move is done`);
  }
  await assertMovable(d.metadata, ctx.caller, src);
  await decided(d.metadata, to, (existing) => {
    if (existing?.inode.state === 'moving') {
      // The source or destination of a move not finished yet (one may wait for a disk step):
      // a source is gone once it is, so the caller may try again then.
      throw new StaleRevisionError(`${to} is being moved; try again once that move is done`);
    }
    if (existing) throw taken(existing, spec.overwrite);
  });
  if (!spec.create_parents) {
    await decided(d.metadata, parentOf(to), (parent) => {
      if (!parent) throw new NotFoundError(`parent directory ${parentOf(to)} does not exist`);
      if (parent.inode.type !== 'directory') {
        throw new ParentNotADirectoryError(`${parentOf(to)} is not a directory`);
      }
    });
  }
  await checkDestinations(d, from, to);
  const entry: JournalEntry = {
    id: randomBytes(12).toString('hex'),
    value: { type: MOVE_DIR, node: d.instanceId, from, to, user: ctx.caller.user },
  };
  await d.metadata.putJournal(entry);
  const run = await runDirectoryMove(d, entry);
  // Only a job just journaled here can be running already, so the run gives its destination.
  if (!run.info) throw new NotFoundError(`${to} vanished while it moved`);
  return run.info;
}

/**
 * Refuses the move before anything is journaled when one of this node's files would land at a
 * path its disk cannot hold (the longest destination decides). Other owners' disks are not
 * asked: their disk step fails alone and their start-up sets the journal entry aside. Refuses
 * it too (503, retryable) while a directory inside is another move's source or destination.
 */
async function checkDestinations(d: MoveDirDeps, from: string, to: string): Promise<void> {
  let longest: string | null = null;
  for await (const r of subtreeRecords(d.metadata, from, PAGE)) {
    if (r.inode.state === 'moving') {
      throw new StaleRevisionError(`${r.path} is being moved; try again once that move is done`);
    }
    if (r.inode.type !== 'file' || r.inode.instance_id !== d.instanceId) continue;
    const dest = to + r.path.slice(from.length);
    if (longest === null || Buffer.byteLength(dest) > Buffer.byteLength(longest)) longest = dest;
  }
  if (longest !== null) await d.storage.checkPath(longest);
}

/**
 * The caller may modify the directory and every entry under it (the rule of a recursive
 * delete): a move takes every file along, so it needs the right to take each one away.
 * Checked on the node that runs the job, whichever node received the request.
 */
async function assertMovable(metadata: Metadata, caller: Caller, dir: InodeRecord): Promise<void> {
  const deny = (r: InodeRecord) =>
    new PermissionDeniedError(`only the owner (or an admin) may move ${r.path}`);
  if (!canModify(caller, dir.inode)) throw deny(dir);
  if (caller.admin) return;
  for await (const r of subtreeRecords(metadata, dir.path, PAGE)) {
    if (!canModify(caller, r.inode)) throw deny(r);
  }
}

/** What a run of the job left: the destination, and whether it still waits for disk steps. */
export interface DirectoryMoveRun {
  /** The destination as the run left it (null only while the job still waits). */
  info: FileInfo | null;
  /**
   * Some owner has not done its disk step yet: both directories stay `moving` and the job stays
   * journaled, for a later run (FilesService.sweepWaitingMoves, adoption) to finish.
   */
  waiting: boolean;
}

/**
 * The job itself; idempotent, so a coordinator that restarts runs it again from its journal.
 * `entry` is the journal entry as this node wrote, read or adopted it: the job clears it only
 * while it is still stored so (see endJob). `d.movesRunning` holds the jobs running in this
 * process (a request's, a sweep's, an adoption's): a run of one already running answers at once
 * that it still waits, and leaves the job to that run.
 */
export async function runDirectoryMove(
  d: MoveDirDeps,
  entry: JournalEntry,
): Promise<DirectoryMoveRun> {
  if (d.movesRunning?.has(entry.id)) return { info: null, waiting: true };
  d.movesRunning?.add(entry.id);
  try {
    return await runJob(d, entry);
  } finally {
    d.movesRunning?.delete(entry.id);
  }
}

async function runJob(d: MoveDirDeps, entry: JournalEntry): Promise<DirectoryMoveRun> {
  const { id } = entry;
  const { from, to, user, disk_steps, marks } = entry.value as unknown as {
    from: string;
    to: string;
    user: string;
    disk_steps?: unknown;
    marks?: Partial<Record<'from' | 'to', string>>;
  };
  let job = entry;
  let conflicts: InodeRecord[] = [];
  let owners: string[];
  /** The revisions of the two directories as this job marked them `moving` (see `ours`). */
  let marked: Partial<Record<'from' | 'to', string>> | undefined;
  if (Array.isArray(disk_steps)) {
    // An earlier run moved the namespace and journaled the disk steps: the job only waits for
    // them. Re-keyed again, a file an upload finished under the source since would leave it
    // with its bytes on a disk whose step has already run.
    owners = disk_steps.map(String);
    marked = marks;
  } else {
    const src = await d.metadata.get(from);
    let dst = await d.metadata.get(to);
    if (src && !dst) {
      try {
        dst = await d.metadata.create(
          to,
          { ...src.inode, mtime: Date.now(), state: 'moving' },
          {
            parents: {
              owner: user,
              instance_id: d.instanceId,
              backend_type: d.storage.backendType,
              mtime: Date.now(),
            },
          },
        );
      } catch (err) {
        // Nothing moved yet: the job ends here.
        await endJob(d, entry);
        throw err;
      }
    }
    if (!dst) {
      await endJob(d, entry);
      throw new NotFoundError(`${from} not found`);
    }
    const fromMark = src ? await setState(d.metadata, from, 'moving') : null;
    marked = { to: dst.revision, ...(fromMark ? { from: fromMark.revision } : {}) };
    conflicts = await rekeySubtree(d, from, to);
    owners = [...(await fileOwners(d.metadata, to))];
    for (const owner of owners) {
      await d.metadata.putJournal({
        id: `${id}-${owner}`,
        value: { type: MOVE_DIR_DISK, node: owner, from, to },
      });
    }
    job = await recordDiskSteps(d, entry, owners, marked);
  }
  const pending = await pendingSteps(d, id, owners);
  const done = await Promise.all(
    pending.map((owner) => applyOn(d, owner, `${id}-${owner}`, from, to)),
  );
  // A step that answered is done (its entry is cleared before it answers); one that did not
  // may have been run by its node's own sweep meanwhile.
  const left = await pendingSteps(
    d,
    id,
    pending.filter((_, i) => !done[i]),
  );
  if (left.length > 0) {
    // A live node the calls did not reach runs its step from its own sweep, later: until then
    // its bytes are at their old paths, where a file created under the released source would
    // land on them. Both directories stay `moving` and the job stays journaled.
    if (!Array.isArray(disk_steps)) {
      d.warn?.(
        `the move of ${from} waits for the disk step of ${left.join(', ')}; ${from} and ${to} stay moving`,
        new NodeNotServingError(`disk step pending on ${left.join(', ')}`),
      );
    }
    if (conflicts.length > 0) throw await stayed(d, conflicts, from, to);
    const dst = await d.metadata.get(to);
    return { info: dst ? toFileInfo(dst) : null, waiting: true };
  }
  await assertStillOurs(d, id, from);
  // A run that had marked the destination ready and stopped before clearing the job leaves
  // both directories free for a newer move, whose `moving` marks are not this job's to end:
  // each is changed only while it holds the revision this job journaled.
  await finishSource(d, from, marked?.from);
  const moved = await setState(d.metadata, to, 'ready', marked?.to);
  await endJob(d, job);
  if (conflicts.length > 0) throw await stayed(d, conflicts, from, to);
  if (!moved) throw new NotFoundError(`${to} vanished while it moved`);
  return { info: toFileInfo(moved), waiting: false };
}

/** 409 for entries that stayed at the source because their destination was taken. */
async function stayed(
  d: MoveDirDeps,
  conflicts: InodeRecord[],
  from: string,
  to: string,
): Promise<AlreadyExistsError> {
  const first = conflicts[0]!;
  const there = await d.metadata.get(rebasePath(first.path, from, to));
  return taken(
    there ?? first,
    false,
    `${conflicts.length} entries stayed under ${from}: their destination exists (e.g. ${first.path})`,
  );
}

/** Re-keys everything movable; returns the entries whose destination was taken. */
async function rekeySubtree(d: MoveDirDeps, from: string, to: string): Promise<InodeRecord[]> {
  const stay = new Map<string, InodeRecord>();
  // Directories another move marked since this one was checked (its source or destination):
  // they belong to that job, which clears their mark where it left them. Carried along, one
  // would stay `moving` for ever at its new path. They stay here with all they hold.
  const held = new Set<string>();
  const inHeld = (path: string): boolean => {
    for (let dir = path; dir.length > from.length; dir = parentOf(dir)) {
      if (held.has(dir)) return true;
    }
    return false;
  };
  let stuck = 0;
  for (;;) {
    // Entries leave the source as they move, so each page starts at the beginning again;
    // uploads in flight (claims) and entries whose destination is taken stay and are skipped.
    let movable: InodeRecord[] = [];
    let next: string | undefined;
    do {
      const page = await unhurried(() => d.metadata.scanSubtree(from, { limit: PAGE, from: next }));
      for (const r of page.records) if (r.inode.state === 'moving') held.add(r.path);
      movable = page.records.filter(
        (r) => r.inode.state !== 'writing' && !stay.has(r.path) && !inHeld(r.path),
      );
      next = page.next;
    } while (movable.length === 0 && next !== undefined);
    if (movable.length === 0) return [...stay.values()];
    const { stale, taken } = await unhurried(() => d.metadata.rekey(movable, from, to));
    for (const r of taken) stay.set(r.path, r);
    if (stale.length === movable.length && ++stuck >= 5) {
      throw new StaleRevisionError(`${from} keeps changing while it moves; try again`);
    }
  }
}

/** The nodes owning files under `dir` (a restarted job finds them after the re-key). */
async function fileOwners(metadata: Metadata, dir: string): Promise<Set<string>> {
  const owners = new Set<string>();
  for await (const r of subtreeRecords(metadata, dir, PAGE)) {
    if (r.inode.type === 'file') owners.add(r.inode.instance_id);
  }
  return owners;
}

function taken(existing: InodeRecord, overwrite: boolean | undefined, message?: string) {
  return new AlreadyExistsError(
    message ??
      `${existing.path} already exists${overwrite ? ' (directories are never overwritten)' : ''}`,
    existingResource(existing),
    'directory',
  );
}
