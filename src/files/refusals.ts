// A request refused on a record read through this node's cache (metadata/cached-metadata.ts),
// which may predate another node's commit: 404 for a file created since, 409 for one deleted
// since, 412 for the version a client just wrote elsewhere, 403 for a file re-created by its
// caller. Such a refusal is etcd's to make: the record is read again from etcd itself and the
// request decided anew on it. Requests that proceed, and refusals of an absent path (a cache
// never answers "absent"), make no extra request.
import { CallfsError } from './errors.js';
import type { InodeRecord, Metadata } from './metadata-port.js';

/**
 * Reads `path` and runs `decide` on its record, which throws to refuse the request; a refusal
 * of a record that a cache may have answered is decided again on etcd's own. Returns the
 * record the request goes on with.
 */
export async function decided(
  metadata: Pick<Metadata, 'get'>,
  path: string,
  decide: (rec: InodeRecord | null) => unknown,
): Promise<InodeRecord | null> {
  const rec = await metadata.get(path);
  try {
    await decide(rec);
    return rec;
  } catch (err) {
    if (rec === null || !(err instanceof CallfsError)) throw err;
    const now = await metadata.get(path, { fresh: true });
    if (now?.revision === rec.revision) throw err;
    await decide(now);
    return now;
  }
}
