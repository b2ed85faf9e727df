// The object-key layout of the S3 backend: one immutable object per committed generation,
// keyed by its write id (`<prefix>objects/<write id>`), never by path. A path's inode names its
// generation's write id, so a reader opens exactly the bytes that inode names, a replace never
// overwrites an object anyone reads, and a rename or move changes no object at all.
import { InvalidPathError } from '../../files/errors.js';

/** The folder of a cluster's objects, under the key prefix (see `keyPrefixOf`). */
export const OBJECTS_FOLDER = 'objects/';

/** Write ids this backend mints: 32 lowercase hex digits. */
const WRITE_ID = /^[0-9a-f]{32}$/;

/**
 * The key prefix of one cluster in a bucket, from its etcd prefix (`/callfs/` → `callfs/`), so
 * clusters with their own etcd prefixes may share a bucket without seeing each other's objects.
 */
export function keyPrefixOf(etcdPrefix: string): string {
  const trimmed = etcdPrefix.replace(/^\/+/, '').replace(/\/+$/, '');
  return trimmed === '' ? '' : `${trimmed}/`;
}

export function isWriteId(id: string): boolean {
  return WRITE_ID.test(id);
}

/** The key of one generation's object; InvalidPathError for a write id this backend never made. */
export function objectKey(prefix: string, write: string): string {
  if (!isWriteId(write)) throw new InvalidPathError(`not an S3 write id: ${JSON.stringify(write)}`);
  return `${prefix}${OBJECTS_FOLDER}${write}`;
}

/** The write id of an object key under `prefix`, or null when the key is not one of ours. */
export function writeIdOf(prefix: string, key: string): string | null {
  const head = `${prefix}${OBJECTS_FOLDER}`;
  if (!key.startsWith(head)) return null;
  const id = key.slice(head.length);
  return isWriteId(id) ? id : null;
}
