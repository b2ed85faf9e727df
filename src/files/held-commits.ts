// What a commit etcd did not answer leaves to settle: etcd may have applied it (its answer
// lost) or hold it and apply it later. The writer reads etcd's own record to tell which, and
// before it gives up on a transaction that compared a record, writes over that record, so the
// held transaction's compare fails whenever it comes (write-commits.ts, move.ts,
// move-backend.ts; a create, which compares only absent keys, has its write fence instead).
import { StaleRevisionError } from './errors.js';
import type { InodeRecord, Metadata } from './metadata-port.js';

/** Whether `rec` names generation `gen` of write `write`: the unanswered commit applied. */
export function namesWrite(rec: InodeRecord, write: string | undefined, gen: number): boolean {
  return write !== undefined && rec.inode.write === write && rec.inode.gen === gen;
}

/**
 * Writes over `compared` (its inode put again) if it is still etcd's record of its path, so a
 * held transaction that compares it can never apply. A record changed since, maybe by that
 * transaction itself, needs nothing; etcd's failures reach the caller.
 */
export async function fenceCompared(
  metadata: Pick<Metadata, 'get' | 'replace'>,
  compared: InodeRecord,
): Promise<void> {
  const now = await metadata.get(compared.path, { fresh: true });
  if (now?.revision !== compared.revision) return;
  try {
    await metadata.replace(now, now.inode);
  } catch (err) {
    if (!(err instanceof StaleRevisionError)) throw err;
  }
}
