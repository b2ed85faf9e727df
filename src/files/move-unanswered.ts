// A rename on one node (move.ts, moveLocalFile) whose transaction etcd did not answer: whether
// it applied, and, while etcd cannot tell, how the rename waits for it without letting go of
// its paths.
import { setTimeout as wait } from 'node:timers/promises';
import { MetadataUnavailableError, NodeNotServingError } from './errors.js';
import { fenceCompared } from './held-commits.js';
import type { InodeRecord } from './metadata-port.js';
import type { MoveDeps } from './move.js';

/** The unanswered rename: the source record it compared, its destination and its journal id. */
export interface UnansweredMove {
  cur: InodeRecord;
  to: string;
  id: string;
}

/**
 * The move's transaction went unanswered: etcd may have applied it (its answer lost) or hold it
 * and apply it later. The source, if still the record the move compares, is written over first,
 * so a held move fails its compare whenever it comes; then etcd tells whether it applied. It
 * did: its record, and the disk step follows now (left to start-up recovery, the bytes would
 * stay at the source, where a new file's would replace them). It did not: `err`. When etcd
 * cannot be asked, an UnsettledMove: the caller gets `err`, and the move asks again, still
 * holding both paths' locks (settleUnanswered).
 */
export async function afterUnansweredMove(
  d: MoveDeps,
  err: unknown,
  move: UnansweredMove,
  finish: (applied: InodeRecord) => Promise<unknown>,
): Promise<InodeRecord> {
  if (!(err instanceof MetadataUnavailableError)) throw err;
  let applied: InodeRecord | null;
  try {
    applied = await appliedMove(d, move);
  } catch {
    throw new UnsettledMove(err, () => settleUnanswered(d, move, finish, err));
  }
  if (applied) return applied;
  throw err;
}

/**
 * After the fence: etcd's record of `to` if the move applied, else null; etcd's failures. The
 * move's transaction put its journal entry, which nothing else clears while this node holds
 * both paths, so the entry tells (a file `callfs import` registered has no write id to look
 * for in the record).
 */
async function appliedMove(
  d: MoveDeps,
  { cur, to, id }: UnansweredMove,
): Promise<InodeRecord | null> {
  await fenceCompared(d.metadata, cur);
  if (!(await d.metadata.journalEntry(id))) return null;
  const now = await d.metadata.get(to, { fresh: true });
  if (now) return now;
  // Named and deleted since (a shared store's file, by another node): no bytes to carry on.
  await d.metadata.clearJournal(id);
  return null;
}

/** A move whose outcome etcd could not tell; its caller gets `answer` (503). */
export class UnsettledMove extends Error {
  constructor(
    readonly answer: unknown,
    readonly settle: () => Promise<void>,
  ) {
    super('the outcome of a move is not known yet');
  }
}

/**
 * Asks etcd again until it tells the move's outcome, under both paths' locks: applied, the
 * bytes follow to `to`. Released before, the source's lock let a new file written there replace
 * on the disk the bytes that etcd names at `to` (a restart's recovery then finds the source
 * named again and leaves them). Meanwhile writers of either path wait, and readers get
 * `unavailable` rather than wait for etcd. At shutdown both paths are closed (writers and
 * readers get 503) and the journal entry is left to start-up recovery, which runs before this
 * node serves again.
 */
async function settleUnanswered(
  d: MoveDeps,
  move: UnansweredMove,
  finish: (applied: InodeRecord) => Promise<unknown>,
  unavailable: MetadataUnavailableError,
): Promise<void> {
  const { cur, to } = move;
  const paths = [cur.path, to];
  d.locks.refuseReaders(paths, unavailable);
  try {
    for (let delay = 100; ; delay = Math.min(delay * 2, 2_000)) {
      // Ends early, with an AbortError, once shutdown began.
      await wait(delay, undefined, { signal: d.stopping }).catch(() => undefined);
      if (d.stopping?.aborted) {
        d.locks.close(paths, new NodeNotServingError('this node is shutting down'));
        return;
      }
      let applied: InodeRecord | null;
      try {
        applied = await appliedMove(d, move);
      } catch {
        continue; // etcd still cannot be asked
      }
      try {
        if (applied) await finish(applied);
      } catch (err) {
        // The bytes may still sit at the source while etcd names them at `to`: nothing may
        // take either path before start-up recovery, which finishes the step from the journal.
        d.warn?.(`rename of ${cur.path} to ${to}: its step after etcd's answer failed`, err);
        d.locks.close(paths, new NodeNotServingError(`${cur.path} waits for a restart`));
      }
      return;
    }
  } finally {
    d.locks.acceptReaders(paths);
  }
}
