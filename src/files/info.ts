// Conversions between stored inodes and the API's FileInfo, and the permission rule shared by
// every operation (API.md §2): anyone authenticated reads; owners and admins modify.
import type { ExistingResource } from './errors.js';
import type { Caller, FileInfo, Inode, InodeRecord } from './ports.js';
import { nameOf } from './paths.js';
import { etagOf } from './conditions.js';

export const FILE_MODE = 0o644;
export const DIR_MODE = 0o755;

export function toFileInfo(record: InodeRecord): FileInfo {
  const { inode, path } = record;
  return {
    path,
    name: path === '/' ? '' : nameOf(path),
    type: inode.type === 'directory' ? 'FILE_TYPE_DIRECTORY' : 'FILE_TYPE_FILE',
    size: inode.type === 'directory' ? 0 : inode.size,
    mode: inode.mode,
    owner: inode.owner,
    mtime_ms: inode.mtime,
    instance_id: inode.instance_id,
    backend_type: inode.backend_type,
    gen: inode.gen,
    etag: etagOf(record),
  };
}

export function canModify(caller: Caller, inode: Inode): boolean {
  return caller.admin || inode.owner === caller.user;
}

/** Where an existing path lives, as a 409 names it. */
export function existingResource(record: InodeRecord): ExistingResource {
  const { inode, path } = record;
  return { path, type: inode.type, instanceId: inode.instance_id, backendType: inode.backend_type };
}

/** True for inodes that clients may see (a claimed path whose bytes are in flight is not). */
export function isVisible(record: InodeRecord | null): record is InodeRecord {
  return record !== null && record.inode.state !== 'writing';
}
