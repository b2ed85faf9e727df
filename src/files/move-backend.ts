// PATCH with `backend`: moves a file's bytes between this node's backends (its disk and a
// shared store, either way), optionally to a new path. Like a move to another node, the bytes
// are staged first on the target backend (a temp file or a new object, journaled) and checked
// to be the whole file; only then does one fenced transaction name the new generation there;
// the old bytes are removed last. A crash leaves the old file or the new one: the target's
// journal rolls the staged bytes forward exactly when etcd names them, and leftovers of the
// old backend are what `callfs fsck` reports as orphans.
import { BadRequestError, InternalError, MetadataUnavailableError } from './errors.js';
import { toFileInfo } from './info.js';
import { type BackendDeps, dropUnnamed, onDisk, placement, refOf, storageFor } from './backends.js';
import type { Conditions } from './conditions.js';
import type { PathLocks } from './path-lock.js';
import type { CallContext, FileInfo, InodeRecord, Metadata, MoveSpec, TempFile } from './ports.js';
import type { PendingWrite } from './reconciler.js';
import { checkMoveOverwrite, ownFileToMove } from './move.js';
import { parentTemplate } from './write-inodes.js';
import { decided } from './refusals.js';
import { fenceCompared, namesWrite } from './held-commits.js';

export interface MoveBackendDeps extends BackendDeps {
  instanceId: string;
  metadata: Metadata;
  locks: PathLocks;
  /** Where a copy goes whose switch etcd did not answer and cannot be asked about now. */
  pending?: { adopt(write: PendingWrite): void };
}

export async function moveToBackend(
  d: MoveBackendDeps,
  ctx: CallContext,
  source: string,
  spec: MoveSpec,
  conditions?: Conditions,
): Promise<FileInfo> {
  const to = spec.destination;
  return d.locks.runAll([source, to], async () => {
    const cur = await ownFileToMove(d, ctx, source, conditions);
    const from = storageFor(d, cur.inode.backend_type);
    const target = storageFor(d, spec.backend);
    await target.checkPath(to);
    const overwrite =
      to === source
        ? null
        : await decided(d.metadata, to, (r) => r && checkMoveOverwrite(d, ctx, r, spec));
    const opened = await from.open(refOf(cur), ctx.signal);
    const temp = await target.createTemp(to);
    let record: InodeRecord;
    let gen = cur.inode.gen + 1;
    let switching = false;
    try {
      const size = await temp.write(opened.body, { maxBytes: cur.inode.size, signal: ctx.signal });
      // The whole file, or nothing: a short copy never becomes the file.
      if (size !== cur.inode.size) {
        throw new InternalError(
          `copy of ${source} to ${spec.backend} has ${size} bytes, not ${cur.inode.size}`,
        );
      }
      gen = cur.inode.gen + 1;
      await temp.prepare(gen);
      const { store: _old, ...kept } = cur.inode;
      // Over an existing file the destination's bytes change now (see moveLocalFile).
      const mtime = overwrite ? Math.max(Date.now(), cur.inode.mtime) : cur.inode.mtime;
      const inode = { ...kept, ...placement(target), gen, write: temp.id, mtime };
      // On this node's disk the file is this node's, whoever created it on the shared store:
      // reads of a disk file go to the node its inode names.
      if (target === d.storage) inode.instance_id = d.instanceId;
      switching = true;
      record =
        to === source
          ? await d.metadata.replace(cur, inode)
          : await d.metadata.move(cur, to, inode, {
              overwrite,
              parents: spec.create_parents
                ? parentTemplate(d.instanceId, cur.inode.backend_type, ctx, Date.now())
                : undefined,
            });
    } catch (err) {
      opened.body.destroy();
      if (!switching || !(err instanceof MetadataUnavailableError)) {
        await temp.discard();
        throw err;
      }
      record = await afterUnansweredSwitch(d, err, cur, to, gen, temp);
    }
    await temp.commit();
    // The old bytes go; a best effort, since the namespace already names the new ones (what a
    // failure leaves is an orphan for fsck). The source's backend differs from the target's,
    // so its bytes never sit where the new ones were placed.
    await dropUnnamed(d, cur);
    // An overwritten file on the disk was replaced by the rename when the target is the disk.
    if (overwrite && !(onDisk(d, overwrite.inode) && target === d.storage)) {
      await dropUnnamed(d, overwrite);
    }
    return toFileInfo(record);
  });
}

/**
 * The switch went unanswered: etcd may have applied it (its answer lost), or hold it and apply
 * it later. The source, if still the record the switch compares, is written over first (the
 * fence of a replace's commit, write-commits.ts), so a held switch can never apply; then a
 * fresh read of the destination tells. Named there: the copy is the file (its record is
 * returned, and the move goes on). Not named: the copy is dropped and the caller gets `err`.
 * When etcd cannot be asked, the copy goes to the reconciler with that fence, and stays.
 */
async function afterUnansweredSwitch(
  d: MoveBackendDeps,
  err: MetadataUnavailableError,
  cur: InodeRecord,
  to: string,
  gen: number,
  temp: TempFile,
): Promise<InodeRecord> {
  const fence = (): Promise<void> => fenceCompared(d.metadata, cur);
  let now: InodeRecord | null;
  try {
    await fence();
    now = await d.metadata.get(to, { fresh: true });
  } catch {
    if (d.pending) {
      d.pending.adopt({ path: to, gen, temp, fence });
    }
    // Without a reconciler the journaled copy stays for start-up recovery, which keeps it
    // exactly when etcd names it.
    throw err;
  }
  if (now && namesWrite(now, temp.id, gen)) return now;
  await temp.discard();
  throw err;
}

/** The backend a PATCH asks for, checked: one this node has, and a file's move only. */
export function requestedBackend(d: BackendDeps, spec: MoveSpec): string | null {
  if (!spec.backend) return null;
  try {
    storageFor(d, spec.backend);
  } catch {
    throw new BadRequestError(`backend ${spec.backend} is not available on this node`);
  }
  return spec.backend;
}
