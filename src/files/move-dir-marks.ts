// The `moving` marks of a directory move on its source and destination (move-dir.ts): set
// when the job starts and ended when it finishes, each end only while the directory still
// holds the revision the job journaled when it marked it, so a job run again never ends a
// newer move's mark.
import { DirectoryNotEmptyError, MetadataUnavailableError, StaleRevisionError } from './errors.js';
import type { MoveDirDeps } from './move-dir.js';
import type { Inode, InodeRecord, Metadata } from './ports.js';

/** Re-reads of a directory whose mark keeps losing to a concurrent change. */
const MARK_ATTEMPTS = 5;

/** Removes the emptied source; one that kept entries (uploads finished there) is released. */
export async function finishSource(d: MoveDirDeps, from: string, onlyAt?: string): Promise<void> {
  for (let attempt = 1; attempt <= MARK_ATTEMPTS; attempt++) {
    const left = await d.metadata.get(from);
    if (!left || !holds(left, onlyAt)) return;
    try {
      await d.metadata.remove(left);
      return;
    } catch (err) {
      if (!(err instanceof DirectoryNotEmptyError)) {
        if (err instanceof StaleRevisionError || err instanceof MetadataUnavailableError) continue;
        throw err;
      }
      d.warn?.(`${from} kept entries while it moved`, err);
      await setState(d.metadata, from, 'ready', onlyAt);
      return;
    }
  }
}

/**
 * Sets a directory's state, compared against the inode as read; null when it is gone. With
 * `onlyAt`, only while the inode holds that revision (see `holds`); else it is left as it is.
 */
export async function setState(
  metadata: Metadata,
  path: string,
  state: Inode['state'],
  onlyAt?: string,
): Promise<InodeRecord | null> {
  for (let attempt = 1; ; attempt++) {
    const cur = await metadata.get(path);
    if (!cur || cur.inode.state === state || !holds(cur, onlyAt)) return cur;
    try {
      return await metadata.replace(cur, { ...cur.inode, state });
    } catch (err) {
      const again = err instanceof StaleRevisionError || err instanceof MetadataUnavailableError;
      if (!again || attempt >= MARK_ATTEMPTS) throw err;
    }
  }
}

/**
 * Whether `rec` still holds the mark a job set: the revision it journaled with its disk steps.
 * A job without one (an entry of an older version) takes any revision as its own, as before.
 */
function holds(rec: InodeRecord, revision: string | undefined): boolean {
  return revision === undefined || rec.revision === revision;
}
