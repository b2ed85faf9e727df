// The disk step of a directory move, run by each node for its own files once the namespace
// has moved (ARCHITECTURE.md invariant 8). It is driven by etcd, not by the disk: it moves
// exactly the files etcd now names under the destination as this node's, one by one, each
// under the commit locks of both paths (path-lock.ts), so a commit of either path and the
// rename of its bytes never interleave. It never removes bytes: a file etcd still names under
// the source stays, and an old generation whose new path already holds a newer commit is
// quarantined for an operator, not deleted. One file whose rename fails for good (a permission,
// a foreign entry in its way) is quarantined too, reported, and the step goes on with the
// others: it cannot hold the whole tree's bytes at their old paths, which the move releases.
import { CallfsError } from './errors.js';
import type { PathLocks } from './path-lock.js';
import { rebasePath } from './paths.js';
import type { InodeRecord, Metadata, PathStorage, QuarantinedEntry } from './ports.js';
import { subtreeRecords } from './subtree-records.js';

export interface MoveDirDiskDeps {
  instanceId: string;
  metadata: Metadata;
  storage: PathStorage;
  locks: PathLocks;
  /** Where bytes of this node's files wait that etcd may name before they are in place. */
  unplaced?: readonly UnplacedBytes[];
  /** Reports a file the step set aside for an operator (logged and counted by the node). */
  onSetAside?: (entry: QuarantinedEntry) => void;
}

/** The label a file set aside by a disk step is reported and counted under. */
export const MOVE_DIR_FILE = 'move-dir-file';

/**
 * Bytes of this node's files that etcd may name while they are not at their path yet: a file
 * moving here still staged (staging.ts), a write whose rename or commit outcome is pending
 * (reconciler.ts). Neither holds the path's lock meanwhile, so a directory move can re-key
 * such a file; its disk step then has them placed first.
 */
export interface UnplacedBytes {
  /**
   * Places at `path` the bytes `rec` names (this node's file, re-keyed away from `path`), if
   * they wait here; false otherwise. Runs under the caller's lock of `path`.
   */
  placeMoved(path: string, rec: InodeRecord): Promise<boolean>;
}

const PAGE = 500;
/** Files renamed side by side on this node (each rename waits for fsyncs; they batch). */
const CONCURRENCY = 32;

/** This node's disk step of the move `from` → `to`; returns how many files it renamed. */
export async function applyLocal(
  d: MoveDirDiskDeps,
  journalId: string,
  from: string,
  to: string,
): Promise<number> {
  // What etcd still names under the source (uploads that finished there, entries that stayed
  // because their destination was taken): their bytes stay where they are.
  const stayed = new Set<string>();
  for await (const r of subtreeRecords(d.metadata, from, PAGE)) stayed.add(r.path);
  let moved = 0;
  const queue: InodeRecord[] = [];
  const drain = async (): Promise<void> => {
    const worker = async (): Promise<void> => {
      for (let r = queue.shift(); r; r = queue.shift()) {
        const old = rebasePath(r.path, to, from);
        if (stayed.has(old)) continue;
        const n = await d.locks.runAll([old, r.path], async () => {
          try {
            // Bytes etcd named at the old path that were not in place when it was re-keyed (a
            // staged move, a pending write) are placed now, then moved like the others.
            for (const where of d.unplaced ?? []) if (await where.placeMoved(old, r)) break;
            return await moveBytes(d.storage, old, r.path);
          } catch (err) {
            // etcd or the disk away for now: the whole step runs again later.
            if (!refusedForGood(err)) throw err;
            await setAsideFile(d, journalId, old, r.path, err);
            return 0;
          }
        });
        moved += n;
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  };
  for await (const r of subtreeRecords(d.metadata, to, PAGE)) {
    const mine = r.inode.type === 'file' && r.inode.instance_id === d.instanceId;
    if (mine && r.inode.state === 'ready') queue.push(r);
    if (queue.length >= PAGE) await drain();
  }
  await drain();
  await d.metadata.clearJournal(journalId);
  return moved;
}

/**
 * A file whose bytes this step cannot move: they leave the old path for the backend's
 * quarantine (a file created there once the move releases the source must not replace them)
 * and the operator hears where they are. Runs under the locks of both paths.
 */
async function setAsideFile(
  d: MoveDirDiskDeps,
  journalId: string,
  old: string,
  path: string,
  err: unknown,
): Promise<void> {
  const reason = `moving its bytes from ${old} failed: ${(err as Error)?.message || String(err)}`;
  let keptAt: string;
  try {
    // The note stays with the bytes: fsck names the path they belong to, and does not take
    // the file for one whose bytes are gone.
    keptAt = await d.storage.quarantine(old, { kind: MOVE_DIR_FILE, path, reason });
  } catch (qErr) {
    if (!refusedForGood(qErr)) throw qErr;
    keptAt = (await d.storage.has(old).catch(() => false))
      ? `${old} (could not be quarantined: ${(qErr as Error)?.message ?? String(qErr)})`
      : 'nowhere: no bytes at the old path';
  }
  d.onSetAside?.({
    kind: MOVE_DIR_FILE,
    id: journalId,
    path,
    reason,
    keptAt,
  });
}

/**
 * Disk answers that stay the same however often the rename is tried: the file is refused, or
 * something foreign is in its way. Anything else (EMFILE, ENOSPC, EIO, EBUSY, an error without
 * a code) may pass, and a healthy file set aside for it would be lost to its users until an
 * operator restored it: the step fails instead and runs again, which each rename allows.
 */
const REFUSED = new Set([
  'EACCES',
  'EPERM',
  'EEXIST',
  'EISDIR',
  'ENOTDIR',
  'ENOTEMPTY',
  'ENAMETOOLONG',
  'ELOOP',
  'EINVAL',
  'EXDEV',
]);

function refusedForGood(err: unknown): boolean {
  if (err instanceof CallfsError) return !err.retryable;
  const code = errnoOf(err);
  return code !== undefined && REFUSED.has(code);
}

/** A disk error that may pass (EMFILE, ENOSPC, EIO, ...): the step is worth another run. */
export function passingDiskError(err: unknown): boolean {
  if (err instanceof CallfsError) return false;
  const code = errnoOf(err);
  return code !== undefined && !REFUSED.has(code);
}

function errnoOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

async function moveBytes(storage: PathStorage, old: string, path: string): Promise<number> {
  if (!(await storage.has(old))) return 0; // moved already (a step run again), or never here
  if (await storage.has(path)) {
    // A replace committed at the new path after the namespace moved: etcd names those bytes.
    // The old generation is not named anywhere, yet it is kept, never deleted.
    await storage.quarantine(old);
    return 0;
  }
  try {
    await storage.rename(old, path);
  } catch (err) {
    // The rename landed but its follow-up failed (a sibling's rename pruned the emptied
    // source directory before this one synced it): the bytes are where etcd names them.
    if ((await storage.has(old)) || !(await storage.has(path))) throw err;
  }
  return 1;
}
