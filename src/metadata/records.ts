// The values stored in the namespace and the records both metadata adapters (etcd and the
// in-memory fake) build from them, so the two agree byte for byte: inode JSON with exactly the
// Inode fields in a fixed order (defaults left out), membership JSON, the synthesized root, and
// the 409 details.
import {
  AlreadyExistsError,
  InternalError,
  ParentNotADirectoryError,
  StaleRevisionError,
} from '../files/errors.js';
import { existingResource } from '../files/info.js';
import type { CreateOptions, Inode, InodeRecord, NodeRecord } from '../files/ports.js';

/** The root is a directory owned by `root`, on no node, never stored (revision "0"). */
export function rootRecord(): InodeRecord {
  return {
    path: '/',
    inode: {
      type: 'directory',
      instance_id: '',
      backend_type: '',
      size: 0,
      mode: 0o755,
      owner: 'root',
      mtime: 0,
      gen: 1,
      state: 'ready',
    },
    revision: '0',
    created: '0',
  };
}

/** Copies exactly the Inode fields, in a fixed order, so stray properties never reach etcd. */
export function pickInode(inode: Inode): Inode {
  return {
    type: inode.type,
    instance_id: inode.instance_id,
    backend_type: inode.backend_type,
    size: inode.size,
    mode: inode.mode,
    owner: inode.owner,
    mtime: inode.mtime,
    gen: inode.gen,
    state: inode.state,
    ...(typeof inode.write === 'string' ? { write: inode.write } : {}),
    ...(typeof inode.store === 'string' ? { store: inode.store } : {}),
  };
}

/** The mode a new file or directory gets, which a stored inode leaves out. */
const DEFAULT_MODE = { file: 0o644, directory: 0o755 } as const;
/** The backend and state most inodes have, which a stored inode leaves out. */
const DEFAULT_BACKEND = 'localfs';
const DEFAULT_STATE = 'ready';

/**
 * The stored form: JSON with the Inode fields in a fixed order, leaving out a field that has its
 * default (`backend_type` "localfs", `state` "ready", `mode` 0644 for a file / 0755 for a
 * directory), so a typical file's value is ~130 bytes rather than ~190 and etcd's default 2 GiB
 * quota holds over 8 million paths (BENCHMARKS.md). `type`, `instance_id`, `owner`, `size`,
 * `mtime` and `gen` are always written, so `etcdctl get` still shows who owns what.
 */
export function encodeInode(inode: Inode): string {
  const i = pickInode(inode);
  return JSON.stringify({
    type: i.type,
    instance_id: i.instance_id,
    ...(i.backend_type !== DEFAULT_BACKEND ? { backend_type: i.backend_type } : {}),
    size: i.size,
    ...(i.mode !== DEFAULT_MODE[i.type] ? { mode: i.mode } : {}),
    owner: i.owner,
    mtime: i.mtime,
    gen: i.gen,
    ...(i.state !== DEFAULT_STATE ? { state: i.state } : {}),
    ...(typeof i.write === 'string' ? { write: i.write } : {}),
    ...(typeof i.store === 'string' ? { store: i.store } : {}),
  });
}

export function decodeInode(path: string, raw: string): Inode {
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch (err) {
    throw new InternalError(`corrupt inode for ${path}`, { cause: err });
  }
  const o = v as Partial<Inode> | null;
  if (o && typeof o === 'object' && (o.type === 'file' || o.type === 'directory')) {
    // Fields left out because they had their default (encodeInode); a full record from an
    // earlier version decodes as it always did.
    o.backend_type ??= DEFAULT_BACKEND;
    o.mode ??= DEFAULT_MODE[o.type];
    o.state ??= DEFAULT_STATE;
  }
  if (
    !o ||
    typeof o !== 'object' ||
    (o.type !== 'file' && o.type !== 'directory') ||
    typeof o.instance_id !== 'string' ||
    typeof o.backend_type !== 'string' ||
    typeof o.size !== 'number' ||
    typeof o.mode !== 'number' ||
    typeof o.owner !== 'string' ||
    typeof o.mtime !== 'number' ||
    typeof o.gen !== 'number' ||
    (o.state !== 'ready' && o.state !== 'writing' && o.state !== 'moving') ||
    (o.write !== undefined && typeof o.write !== 'string') ||
    (o.store !== undefined && typeof o.store !== 'string')
  ) {
    throw new InternalError(`corrupt inode for ${path}: ${raw.slice(0, 200)}`);
  }
  return pickInode(o as Inode);
}

/** The directory inode put for an ancestor that a create adds. */
export function ancestorInode(parents: NonNullable<CreateOptions['parents']>): Inode {
  return {
    type: 'directory',
    instance_id: parents.instance_id,
    backend_type: parents.backend_type,
    size: 0,
    mode: 0o755,
    owner: parents.owner,
    mtime: parents.mtime,
    gen: 1,
    state: 'ready',
  };
}

/**
 * Throws unless a child may be created under this existing ancestor: a file (or a claim) is
 * ParentNotADirectoryError; a directory that a move is re-keying refuses new entries with a
 * retryable StaleRevisionError (503), so nothing lands where the move cannot see it.
 */
export function assertUsableParent(path: string, inode: Inode): void {
  if (inode.type !== 'directory' || inode.state === 'writing') {
    throw new ParentNotADirectoryError(`${path} is not a directory`);
  }
  if (inode.state === 'moving') {
    throw new StaleRevisionError(`${path} is being moved; try again once the move is done`);
  }
}

/** A directory a create may go under right now (what assertUsableParent lets through). */
export function isUsableParent(inode: Inode): boolean {
  return inode.type === 'directory' && inode.state === 'ready';
}

export function alreadyExists(existing: InodeRecord, requested: Inode): AlreadyExistsError {
  return new AlreadyExistsError(
    `${existing.path} already exists`,
    existingResource(existing),
    requested.type,
  );
}

/** Membership value: the instance id is the key, so it is not repeated in the value. */
export function encodeNode(node: NodeRecord): string {
  return JSON.stringify({
    http_url: node.http_url,
    grpc_addr: node.grpc_addr,
    backends: node.backends,
    ...(node.stores?.length ? { stores: node.stores } : {}),
    started: node.started,
    ...(typeof node.leased === 'number' ? { leased: node.leased } : {}),
  });
}

export function decodeNode(instanceId: string, raw: string): NodeRecord {
  let v: Partial<NodeRecord> | null;
  try {
    v = JSON.parse(raw) as Partial<NodeRecord> | null;
  } catch (err) {
    throw new InternalError(`corrupt membership record for ${instanceId}`, { cause: err });
  }
  if (!v || typeof v !== 'object') {
    throw new InternalError(`corrupt membership record for ${instanceId}`);
  }
  return {
    instance_id: instanceId,
    http_url: typeof v.http_url === 'string' ? v.http_url : '',
    grpc_addr: typeof v.grpc_addr === 'string' ? v.grpc_addr : '',
    backends: Array.isArray(v.backends) ? v.backends.map(String) : [],
    ...(Array.isArray(v.stores) ? { stores: v.stores.map(String) } : {}),
    started: typeof v.started === 'number' ? v.started : 0,
    ...(typeof v.leased === 'number' ? { leased: v.leased } : {}),
  };
}

/** Ancestors a create may add in its one transaction (etcd allows 128 ops per txn). */
export const MAX_MISSING_ANCESTORS = 120;
