// Rename and move of a file on its owner (API.md §3.6). The namespace switches in one fenced
// transaction that also journals the disk rename; the bytes are then renamed on this node's
// disk and the journal entry cleared. Both paths are locked (in sorted order) for the whole
// step, so a write committing either path waits, and two moves into each other's paths cannot
// deadlock. At start-up, `recoverMoves` finishes a disk rename that a crash interrupted.
import { randomBytes } from 'node:crypto';
import { AlreadyExistsError, PermissionDeniedError, NotFoundError } from './errors.js';
import { canModify, isVisible, toFileInfo } from './info.js';
import type { PathLocks } from './path-lock.js';
import type { CallContext, FileInfo, InodeRecord, Metadata, MoveSpec, Storage } from './ports.js';

export interface MoveDeps {
  instanceId: string;
  metadata: Metadata;
  storage: Storage;
  locks: PathLocks;
}

const MOVE_FILE = 'move-file';

export async function moveLocalFile(
  d: MoveDeps,
  ctx: CallContext,
  source: string,
  spec: MoveSpec,
): Promise<FileInfo> {
  const to = spec.destination;
  return d.locks.runAll([source, to], async () => {
    const cur = await d.metadata.get(source);
    if (!isVisible(cur) || cur.inode.type !== 'file' || cur.inode.instance_id !== d.instanceId) {
      throw new NotFoundError(`${source} not found`);
    }
    if (!canModify(ctx.caller, cur.inode)) {
      throw new PermissionDeniedError(`only the owner may move ${source}`);
    }
    const existing = await d.metadata.get(to);
    const overwrite = existing ? checkOverwrite(d, ctx, existing, spec) : null;
    const id = randomBytes(12).toString('hex');
    const now = Date.now();
    const moved = await d.metadata.move(cur, to, cur.inode, {
      overwrite,
      parents: spec.create_parents
        ? {
            owner: ctx.caller.user,
            instance_id: d.instanceId,
            backend_type: d.storage.backendType,
            mtime: now,
          }
        : undefined,
      journal: { id, value: { type: MOVE_FILE, node: d.instanceId, from: source, to } },
    });
    await d.storage.rename(source, to);
    await d.metadata.clearJournal(id);
    return toFileInfo(moved);
  });
}

/** The destination record to overwrite, after checking that overwriting it is allowed. */
function checkOverwrite(
  d: MoveDeps,
  ctx: CallContext,
  existing: InodeRecord,
  spec: MoveSpec,
): InodeRecord {
  const ex = existing.inode;
  const conflict = (message: string) =>
    new AlreadyExistsError(message, {
      path: existing.path,
      type: ex.type,
      instanceId: ex.instance_id,
      backendType: ex.backend_type,
    });
  if (!spec.overwrite) throw conflict(`${existing.path} already exists`);
  if (ex.type === 'directory') throw conflict(`${existing.path} is a directory`);
  // Overwriting bytes held by another node would leave them behind on its disk.
  if (ex.instance_id !== d.instanceId) {
    throw conflict(`${existing.path} is owned by ${ex.instance_id}; delete it first`);
  }
  if (!canModify(ctx.caller, ex)) {
    throw new PermissionDeniedError(`only the owner may overwrite ${existing.path}`);
  }
  return existing;
}

/**
 * Finishes the disk renames of moves this node journaled but did not complete (a crash between
 * the metadata switch and the rename). The bytes still at `from` are moved only while etcd says
 * `to` is this node's file and nothing new was created at `from`.
 */
export async function recoverMoves(d: Omit<MoveDeps, 'locks'>): Promise<number> {
  let finished = 0;
  for (const entry of await d.metadata.journal(d.instanceId)) {
    if (entry.value.type !== MOVE_FILE) continue;
    const { from, to } = entry.value as unknown as { from: string; to: string };
    const [src, dst] = [await d.metadata.get(from), await d.metadata.get(to)];
    const ours = dst?.inode.type === 'file' && dst.inode.instance_id === d.instanceId;
    if (ours && !src && (await d.storage.has(from))) {
      await d.storage.rename(from, to);
      finished += 1;
    }
    await d.metadata.clearJournal(entry.id);
  }
  return finished;
}
