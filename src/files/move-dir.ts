// Rename and move of a directory subtree (API.md §3.6, ARCHITECTURE.md invariant 8). The
// subtree cannot move in one transaction, so it is a journaled job run by the receiving node:
// journal the intent; create the destination directory; re-key the subtree page by page
// (each batch one fenced transaction comparing every entry unchanged) and sweep again until
// nothing is left under the source, which is then removed in a transaction that sees it empty;
// then each node that owns files in the subtree renames the directory on its own disk, from a
// journal entry of its own, so a node that is down does it when it starts. Readers may briefly
// see a half-moved tree. Uploads still in flight under the source when it moves (claims) are
// not moved: they finish at their old path, and the source directory stays for them.
import { randomBytes } from 'node:crypto';
import {
  AlreadyExistsError,
  CallfsError,
  NotFoundError,
  ParentNotADirectoryError,
  PermissionDeniedError,
  StaleRevisionError,
} from './errors.js';
import { canModify, toFileInfo } from './info.js';
import { parentOf } from './paths.js';
import type {
  CallContext,
  FileInfo,
  InodeRecord,
  Membership,
  Metadata,
  MoveSpec,
  OwnerClient,
  Storage,
} from './ports.js';

export interface MoveDirDeps {
  instanceId: string;
  metadata: Metadata;
  membership: Membership;
  storage: Storage;
  owners: OwnerClient;
  /** Reports a step that failed without failing the move (e.g. an owner that is down). */
  warn?: (message: string, err: unknown) => void;
}

export const MOVE_DIR = 'move-dir';
export const MOVE_DIR_DISK = 'move-dir-disk';

const PAGE = 500;
const SWEEPS = 5;

export async function moveDirectory(
  d: MoveDirDeps,
  ctx: CallContext,
  src: InodeRecord,
  spec: MoveSpec,
): Promise<FileInfo> {
  const from = src.path;
  const to = spec.destination;
  if (!canModify(ctx.caller, src.inode)) {
    throw new PermissionDeniedError(`only the owner may move ${from}`);
  }
  const existing = await d.metadata.get(to);
  if (existing) {
    throw new AlreadyExistsError(
      `${to} already exists${spec.overwrite ? ' (directories are never overwritten)' : ''}`,
      {
        path: to,
        type: existing.inode.type,
        instanceId: existing.inode.instance_id,
        backendType: existing.inode.backend_type,
      },
      'directory',
    );
  }
  if (!spec.create_parents) {
    const parent = await d.metadata.get(parentOf(to));
    if (!parent) throw new NotFoundError(`parent directory ${parentOf(to)} does not exist`);
    if (parent.inode.type !== 'directory') {
      throw new ParentNotADirectoryError(`${parentOf(to)} is not a directory`);
    }
  }
  await checkDestinations(d, from, to);
  const id = randomBytes(12).toString('hex');
  await d.metadata.putJournal({
    id,
    value: { type: MOVE_DIR, node: d.instanceId, from, to, user: ctx.caller.user },
  });
  return runDirectoryMove(d, id, from, to, ctx.caller.user);
}

/**
 * Refuses the move before anything is journaled when one of this node's files would land at a
 * path its disk cannot hold (the longest destination decides). Other owners' disks are not
 * asked: their disk step fails alone and their start-up sets the journal entry aside.
 */
async function checkDestinations(d: MoveDirDeps, from: string, to: string): Promise<void> {
  let longest: string | null = null;
  let next: string | undefined;
  let revision: string | undefined;
  do {
    const page = await d.metadata.scanSubtree(from, { limit: PAGE, from: next, revision });
    for (const r of page.records) {
      if (r.inode.type !== 'file' || r.inode.instance_id !== d.instanceId) continue;
      const dest = to + r.path.slice(from.length);
      if (longest === null || Buffer.byteLength(dest) > Buffer.byteLength(longest)) longest = dest;
    }
    next = page.next;
    revision = page.revision;
  } while (next);
  if (longest !== null) await d.storage.checkPath(longest);
}

/** The job itself; idempotent, so a coordinator that restarts runs it again from its journal. */
export async function runDirectoryMove(
  d: MoveDirDeps,
  id: string,
  from: string,
  to: string,
  user: string,
): Promise<FileInfo> {
  const src = await d.metadata.get(from);
  let dst = await d.metadata.get(to);
  if (src && !dst) {
    dst = await d.metadata.create(
      to,
      { ...src.inode, mtime: Date.now() },
      {
        parents: {
          owner: user,
          instance_id: d.instanceId,
          backend_type: d.storage.backendType,
          mtime: Date.now(),
        },
      },
    );
  }
  if (!dst) throw new NotFoundError(`${from} not found`);
  const owners = new Set<string>();
  for (let sweep = 1; sweep <= SWEEPS; sweep++) {
    await rekeySubtree(d, from, to, owners);
    const left = await d.metadata.get(from);
    if (!left) break;
    try {
      await d.metadata.remove(left);
      break;
    } catch (err) {
      // Something was created under the source meanwhile: sweep it too. A claim in flight
      // keeps the source (it finishes at its old path).
      if (!(err instanceof CallfsError)) throw err;
      if (sweep === SWEEPS) d.warn?.(`${from} kept entries while it moved`, err);
    }
  }
  for (const owner of owners) {
    await d.metadata.putJournal({
      id: `${id}-${owner}`,
      value: { type: MOVE_DIR_DISK, node: owner, from, to },
    });
  }
  await d.metadata.clearJournal(id);
  await Promise.all([...owners].map((owner) => applyOn(d, owner, `${id}-${owner}`, from, to)));
  const moved = await d.metadata.get(to);
  if (!moved) throw new NotFoundError(`${to} vanished while it moved`);
  return toFileInfo(moved);
}

async function rekeySubtree(
  d: MoveDirDeps,
  from: string,
  to: string,
  owners: Set<string>,
): Promise<void> {
  let stuck = 0;
  for (;;) {
    // Entries leave the source as they move, so each page starts at the beginning again;
    // claims in flight stay and are skipped.
    const page = await d.metadata.scanSubtree(from, { limit: PAGE });
    const movable = page.records.filter((r) => r.inode.state !== 'writing');
    if (movable.length === 0) return;
    for (const r of movable) if (r.inode.type === 'file') owners.add(r.inode.instance_id);
    const left = await d.metadata.rekey(movable, from, to);
    if (left.length === movable.length && ++stuck >= 5) {
      throw new StaleRevisionError(`${from} keeps changing while it moves; try again`);
    }
  }
}

/** Renames the directory on one owner's disk; an owner that is down does it at start-up. */
async function applyOn(
  d: MoveDirDeps,
  owner: string,
  journalId: string,
  from: string,
  to: string,
): Promise<void> {
  try {
    if (owner === d.instanceId) {
      await applyLocal(d, journalId, from, to);
      return;
    }
    const node = await d.membership.getNode(owner);
    if (!node) return;
    await d.owners.applyMove(node, journalId, from, to);
  } catch (err) {
    d.warn?.(`node ${owner} will move ${from} on its disk when it can`, err);
  }
}

/** This node's disk step of a directory move. */
export async function applyLocal(
  d: Pick<MoveDirDeps, 'metadata' | 'storage'>,
  journalId: string,
  from: string,
  to: string,
): Promise<number> {
  const moved = await d.storage.renameDir(from, to);
  await d.metadata.clearJournal(journalId);
  return moved;
}
