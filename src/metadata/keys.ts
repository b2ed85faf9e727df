// The etcd key layout of the namespace, in one place. An inode is keyed by its parent and its
// name, `<prefix>fs<parent>//<name>`, so one prefix range returns exactly one directory's
// children and `//` (which no canonical path contains) separates parent from name; membership
// lives under `<prefix>nodes/<instance_id>`. Also the path checks the adapters share.
import { InvalidPathError } from '../files/errors.js';
import { nameOf, parentOf } from '../files/paths.js';

export const DEFAULT_PREFIX = '/callfs/';

/** Prefixes are used as raw key prefixes, so they always end with `/`. */
export function normalizePrefix(prefix: string): string {
  return prefix.endsWith('/') ? prefix : `${prefix}/`;
}

/**
 * Rejects paths the API layer should never have passed down: the layout is only unambiguous
 * for canonical paths (absolute, no empty, `.` or `..` segment, no trailing slash, no NUL).
 */
export function assertCanonical(path: string): void {
  if (path === '/') return;
  const ok =
    path.startsWith('/') &&
    !path.endsWith('/') &&
    !path.includes('\0') &&
    path
      .slice(1)
      .split('/')
      .every((seg) => seg !== '' && seg !== '.' && seg !== '..');
  if (!ok) throw new InvalidPathError(`not a canonical path: ${JSON.stringify(path)}`);
}

/** `dir` + `name` as a canonical path. */
export function joinPath(dir: string, name: string): string {
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}

/** Proper ancestors excluding `/`, root-first (nearest last): `/a/b/c` → [`/a`, `/a/b`]. */
export function ancestorsOf(path: string): string[] {
  const out: string[] = [];
  for (let i = path.indexOf('/', 1); i > 0; i = path.indexOf('/', i + 1)) {
    out.push(path.slice(0, i));
  }
  return out;
}

/** `<prefix>fences/<write id>`: the fence of a create etcd may still hold (etcd-fences.ts). */
export function fenceKey(prefix: string, writeId: string): string {
  return `${prefix}fences/${writeId}`;
}

/** `<prefix>fs<dir>//`: the range holding exactly the direct children of `dir`. */
export function childrenPrefix(prefix: string, dir: string): string {
  return dir === '/' ? `${prefix}fs//` : `${prefix}fs${dir}//`;
}

/** `<prefix>fs<dir>/`: the range holding every descendant of `dir` (the whole namespace for `/`). */
export function subtreePrefix(prefix: string, dir: string): string {
  return dir === '/' ? `${prefix}fs/` : `${prefix}fs${dir}/`;
}

/** The key of a (non-root) path's inode. */
export function inodeKey(prefix: string, path: string): string {
  return childrenPrefix(prefix, parentOf(path)) + nameOf(path);
}

export function nodesPrefix(prefix: string): string {
  return `${prefix}nodes/`;
}

export function nodeKey(prefix: string, instanceId: string): string {
  return nodesPrefix(prefix) + instanceId;
}

/** The first key after every key starting with `prefix` (etcd's `range_end` for a prefix). */
export function prefixEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i] < 0xff) {
      end[i] += 1;
      return end.subarray(0, i + 1);
    }
  }
  // All 0xff: "every key from here on", etcd's `\0` range end.
  return Buffer.from([0]);
}
