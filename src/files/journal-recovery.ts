// Start-up recovery: finishes the journaled work of this node that a crash interrupted (file
// moves in move.ts, directory moves in move-dir.ts). One entry that cannot be finished is set
// aside — left in etcd with its reason, reported once, skipped from then on in this process —
// so that it never stops the node from starting; a transient failure (etcd away) is thrown,
// for the start-up retry to run the whole pass again, and a disk step the disk failed for now
// is left to the sweep of disk steps (disk-steps.ts).
import { isTransient, malformed, setAside } from './journal-entries.js';
import { recoverMoves, type MoveDeps } from './move.js';
import {
  applyLocal,
  MOVE_DIR,
  MOVE_DIR_DISK,
  runDirectoryMove,
  type MoveDirDeps,
} from './move-dir.js';
import { passingDiskError } from './move-dir-disk.js';
import { DELETE_JOB } from './subtree-delete.js';
import type { JournalEntry, QuarantinedEntry } from './ports.js';

export interface JournalRecoveryDeps extends MoveDeps, MoveDirDeps {
  /** Reports a journal entry start-up recovery could not finish and left for an operator. */
  onSetAside?: (entry: QuarantinedEntry) => void;
  /** Journal entries set aside in this process (kept across passes): reported once, not retried. */
  setAside: Set<string>;
}

/** What one start-up recovery pass did, and what it left for once the node serves. */
export interface JournalRecovery {
  finished: number;
  /**
   * Directory moves not finished: before registration they need this node's membership
   * (fenced transactions); after it, some owner's disk step is not done yet.
   */
  waiting: JournalEntry[];
}

/**
 * Runs one pass over `entries` (this node's journal as the caller read it; read here when not
 * given). Directory moves need this node's membership: before registration they are returned
 * as `waiting`, for a call made once it serves.
 */
export async function recoverJournal(
  d: JournalRecoveryDeps,
  entries?: readonly JournalEntry[],
): Promise<JournalRecovery> {
  const journal = entries ?? (await d.metadata.journal(d.instanceId)).entries;
  const setAsideAs = async (q: QuarantinedEntry, entry: JournalEntry): Promise<void> => {
    d.setAside.add(q.id);
    d.onSetAside?.(q);
    // The reason stays with the entry, for fsck and the operator; it is still retried at
    // the next start (the cause may be fixed by then).
    // Compared: the entry may be another node's by now (an adopted directory move whose old
    // node stalled past the grace period), and must not be handed back to this one.
    if (entry.value.set_aside !== q.reason) {
      await d.metadata
        .replaceJournal(entry, { ...entry.value, set_aside: q.reason })
        .catch(() => undefined);
    }
  };
  let finished = await recoverMoves(d, journal, setAsideAs, d.setAside);
  const waiting: JournalEntry[] = [];
  for (const entry of journal) {
    const type = entry.value.type;
    const handledElsewhere = ['move-file', 'move-file-out', DELETE_JOB].includes(type);
    if (handledElsewhere || d.setAside.has(entry.id)) continue;
    const problem = malformed(entry);
    if (problem) {
      await setAsideAs(setAside(entry, problem), entry);
      continue;
    }
    const { from, to } = entry.value as unknown as { from: string; to: string };
    try {
      if (type === MOVE_DIR) {
        // Re-keying needs this node's membership (fenced transactions): before registration
        // it waits for the call made once the node serves.
        if (!d.membership.isServing()) {
          waiting.push(entry);
          continue;
        }
        // A move whose disk steps are not all done yet waits for a later run.
        if ((await runDirectoryMove(d, entry)).waiting) waiting.push(entry);
        else finished += 1;
      } else if (type === MOVE_DIR_DISK) {
        await (d.runDiskStep ?? ((...a) => applyLocal(d, ...a)))(entry.id, from, to);
        finished += 1;
      }
    } catch (err) {
      if (isTransient(err)) throw err;
      // A disk step the disk failed for now (EMFILE, EIO, ...): the sweep runs it once the
      // node serves. Set aside, its files would wait for the next start at their old paths.
      if (type === MOVE_DIR_DISK && passingDiskError(err)) {
        d.warn?.(`disk step of the move of ${from} to ${to} left for the sweep`, err);
        continue;
      }
      await setAsideAs(setAside(entry, err), entry);
    }
  }
  return { finished, waiting };
}
