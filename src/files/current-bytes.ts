// Whether a journaled temp's bytes are a current file of this node: start-up recovery keeps a
// temp only then, and staging and the reconciler ask the same before they place bytes.
import { MOVE_DIR_DISK } from './move-dir.js';
import { malformed } from './journal-entries.js';
import type { InodeRecord, Metadata } from './metadata-port.js';
import { rebasePath } from './paths.js';
import type { IsCurrent } from './storage-port.js';

export interface CurrentBytesDeps {
  metadata: Metadata;
  instanceId: string;
}

/**
 * Whether etcd names (path, gen) as this node's file; with a write id, only that write's
 * bytes (another write may have been given the same gen after this one failed). A "no" drops
 * bytes, so it is etcd's own: a record from this node's cache may predate the commit naming
 * them (a sender's switch of a file moved here, a commit of this node whose answer was lost).
 */
export async function isCurrent(
  d: CurrentBytesDeps,
  path: string,
  gen: number,
  write?: string,
): Promise<boolean> {
  const names = (rec: InodeRecord | null): boolean =>
    rec !== null &&
    rec.inode.type === 'file' &&
    // A write id is minted by one node only: a shared store's file another node created
    // still names this node's write when this node replaced it.
    (rec.inode.instance_id === d.instanceId ||
      (write !== undefined && rec.inode.write === write)) &&
    rec.inode.state === 'ready' &&
    rec.inode.gen === gen &&
    (write === undefined || rec.inode.write === write);
  return names(await d.metadata.get(path)) || names(await d.metadata.get(path, { fresh: true }));
}

/** Whether etcd names anything at `path`, asked of etcd itself: a "yes" drops bytes too. */
export async function isNamed(d: CurrentBytesDeps, path: string): Promise<boolean> {
  return (await d.metadata.get(path, { fresh: true })) !== null;
}

/**
 * Start-up recovery's question for a journaled temp at `path`: does etcd name it there, or
 * where a move journaled for this node re-keyed it before its bytes were in place (a staged
 * file, a write the reconciler held)? The move's step, which runs next, carries them on from
 * `path`; dropped here, the file would have no bytes, or an older generation's. The journal
 * is read once per recovery, on the first temp etcd does not name where it is.
 */
export function recoveryIsCurrent(d: CurrentBytesDeps): IsCurrent {
  let moves: Promise<Array<{ type: string; from: string; to: string }>> | undefined;
  const journaled = async () => {
    const { entries } = await d.metadata.journal(d.instanceId);
    return entries
      .filter((e) => [MOVE_DIR_DISK, 'move-file'].includes(e.value.type) && !malformed(e))
      .map((e) => e.value as unknown as { type: string; from: string; to: string });
  };
  return async (path, gen, write) => {
    if (await isCurrent(d, path, gen, write)) return true;
    if (write === undefined) return false;
    moves ??= journaled().catch((err: unknown) => {
      moves = undefined;
      throw err;
    });
    for (const { type, from, to } of await moves) {
      const under = type === MOVE_DIR_DISK ? path.startsWith(`${from}/`) : path === from;
      if (under && (await isCurrent(d, rebasePath(path, from, to), gen, write))) return true;
    }
    return false;
  };
}
