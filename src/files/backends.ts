// Which of this node's backends holds a file's bytes. Every node has a path-addressed backend
// on its own disk (localfs); it may also reach a store that keeps each generation under its
// own key and that several nodes share (S3). An inode's `backend_type` names the one holding
// its bytes; `defaultBackend` decides where this node puts new files.
import { InternalError } from './errors.js';
import type { FileRef, Inode, InodeRecord, PathStorage, Storage } from './ports.js';

export interface BackendDeps {
  /** This node's own disk. */
  storage: PathStorage;
  /** A generation-addressed store shared with other nodes (S3), when configured. */
  shared?: Storage;
  /** The backend type new files go to (default: `storage`'s). */
  defaultBackend?: string;
}

/** The backend holding bytes of this type on this node; InternalError when it has none. */
export function storageFor(d: BackendDeps, backendType: string): Storage {
  if (backendType === d.storage.backendType) return d.storage;
  if (d.shared && backendType === d.shared.backendType) return d.shared;
  throw new InternalError(`backend ${backendType} is not configured on this node`);
}

/** Where this node puts a new file's bytes. */
export function defaultStorage(d: BackendDeps): Storage {
  return storageFor(d, d.defaultBackend ?? d.storage.backendType);
}

/** Whether this node's own disk holds the bytes of `inode` (a move renames them there). */
export function onDisk(d: BackendDeps, inode: Inode): boolean {
  return inode.backend_type === d.storage.backendType;
}

/** The generation of a file's bytes that `rec` names. */
export function refOf(rec: InodeRecord): FileRef {
  return rec.inode.write === undefined
    ? { path: rec.path }
    : { path: rec.path, write: rec.inode.write };
}

/**
 * Removes the bytes of a generation no inode names any more (replaced, overwritten, moved to
 * another backend). The namespace has already moved on, so a failure is not the caller's: it
 * leaves an orphan for `callfs fsck`.
 */
export async function dropUnnamed(d: BackendDeps, rec: InodeRecord): Promise<void> {
  await storageFor(d, rec.inode.backend_type)
    .remove(refOf(rec))
    .catch(() => undefined);
}

/**
 * Whether this node runs operations on this file itself: it owns the file, or the file's
 * bytes are on a shared store (S3) this node reaches too, so no hop to the creator is needed
 * and the file outlives it. A create still in flight (`writing`) stays with its creator.
 */
export function servedHere(d: { instanceId: string; shared?: Storage }, inode: Inode): boolean {
  if (inode.instance_id === d.instanceId) return true;
  return (
    inode.type === 'file' &&
    inode.state === 'ready' &&
    d.shared?.location !== undefined &&
    inode.backend_type === d.shared.backendType &&
    inode.store === d.shared.location
  );
}

/** Where a file's bytes go on `storage`: its backend type and, for a shared store, which one. */
export function placement(storage: Storage): Pick<Inode, 'backend_type' | 'store'> {
  return storage.location === undefined
    ? { backend_type: storage.backendType }
    : { backend_type: storage.backendType, store: storage.location };
}
