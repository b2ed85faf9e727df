// The journal entry of a directory move and the owning nodes' disk steps it waits for: who runs
// the job (its coordinator, or a node that adopted it), which steps are done, and how an
// owner is asked for its step. The job's flow is in move-dir.ts.
import { CallfsError, MetadataUnavailableError, NodeNotServingError } from './errors.js';
import { applyLocal } from './move-dir-disk.js';
import type { MoveDirDeps } from './move-dir.js';
import type { JournalEntry } from './ports.js';

/** Tries of one step of the job while etcd does not answer in time. */
const STEP_ATTEMPTS = 5;
/** Tries of an owner's disk step while the owner is a member but the call fails (retryable). */
const APPLY_ATTEMPTS = 4;

/**
 * Runs a step again when etcd did not answer in time. Every step compares what it changes,
 * so one that did commit before the answer was lost simply finds nothing left to do; a job
 * given up half-way would leave its directories `moving` until the coordinator restarts.
 */
export async function unhurried<T>(step: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (err) {
      if (!(err instanceof MetadataUnavailableError) || attempt >= STEP_ATTEMPTS) throw err;
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  }
}

/**
 * Journals, with the job, the owners whose disk steps it waits for: a later run only waits for
 * them. Compared: an entry changed since is another node's (adopted), which runs the job now.
 */
export async function recordDiskSteps(
  d: MoveDirDeps,
  entry: JournalEntry,
  owners: string[],
  /** The revisions of the source and destination as the job marked them `moving`. */
  marks?: Partial<Record<'from' | 'to', string>>,
): Promise<JournalEntry> {
  const value = { ...entry.value, disk_steps: owners, ...(marks ? { marks } : {}) };
  if (!(await unhurried(() => d.metadata.replaceJournal(entry, value)))) {
    await assertStillOurs(d, entry.id, String(entry.value.from));
    throw new NodeNotServingError(`journal entry ${entry.id} changed while its move ran`);
  }
  return { id: entry.id, value };
}

/** The owners whose disk step of the job is still journaled (not done yet). */
export async function pendingSteps(
  d: MoveDirDeps,
  id: string,
  owners: string[],
): Promise<string[]> {
  const pending: string[] = [];
  for (const owner of owners) {
    if (await unhurried(() => d.metadata.journalEntry(`${id}-${owner}`))) pending.push(owner);
  }
  return pending;
}

/**
 * The disk steps are the one long stretch of the job without a fenced commit: a node whose lease
 * lapsed for longer than the adoption grace period (journal-adoption.ts) and came back meanwhile
 * would otherwise finish, and clear, a job another node adopted and is running.
 */
export async function assertStillOurs(d: MoveDirDeps, id: string, from: string): Promise<void> {
  const entry = await d.metadata.journalEntry(id);
  if (entry?.value.node !== d.instanceId) {
    throw new NodeNotServingError(
      `the move of ${from} was taken over by ${entry?.value.node ?? 'another node'}`,
    );
  }
}

/**
 * Clears the job's journal entry with a compared delete. assertStillOurs is read before the last
 * steps, not with this clear: a coordinator that stalls past the grace period in between finds
 * the entry re-owned here, and leaves it to the node that adopted it (which finds the job done).
 */
export async function endJob(d: MoveDirDeps, entry: JournalEntry): Promise<void> {
  if (await d.metadata.clearJournalIfUnchanged(entry)) return;
  const now = await d.metadata.journalEntry(entry.id);
  if (now) {
    d.warn?.(
      `the move of ${String(entry.value.from)} was taken over by ${now.value.node}; its entry stays`,
      new NodeNotServingError(`journal entry ${entry.id} changed since this node read it`),
    );
  }
}

/**
 * Moves the bytes on one owner's disk; an owner that is down does it at start-up, before it
 * serves. A live owner that the call did not reach (a reset connection, headers not sent in
 * time on a loaded machine) is asked again a few times while it is a member, so the move
 * usually ends at once. Asking twice is safe: the owner joins a step it is running, and each
 * file's rename checks where its bytes are. Past that, the owner's own sweep of its journal
 * does it, and the job waits for its entry to be cleared. True when the step answered done.
 */
export async function applyOn(
  d: MoveDirDeps,
  owner: string,
  journalId: string,
  from: string,
  to: string,
): Promise<boolean> {
  try {
    if (owner === d.instanceId) {
      await (d.runDiskStep ?? ((...a) => applyLocal(d, ...a)))(journalId, from, to);
      return true;
    }
    for (let attempt = 1; ; attempt++) {
      const node = await d.membership.getNode(owner);
      if (!node) return false;
      try {
        await d.owners.applyMove(node, journalId, from, to);
        return true;
      } catch (err) {
        const again = err instanceof CallfsError && err.retryable && attempt < APPLY_ATTEMPTS;
        if (!again) throw err;
        await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** (attempt - 1)));
      }
    }
  } catch (err) {
    if (!(err instanceof CallfsError)) d.warn?.(`unexpected failure moving ${from}`, err);
    d.warn?.(`node ${owner} will move ${from} on its disk when it can`, err);
    return false;
  }
}
