// The consistency check of a shared store (S3) against etcd, run by `callfs fsck` on a node
// that reaches it. Objects are keyed by write id, so the check joins the store's listing with
// the write ids of every inode naming this store: an object no inode names is an orphan (once
// older than a grace period, so an upload about to commit is never taken for one), an inode
// whose object is gone is missing, and sizes must agree. With `repair`, this node's journal is
// recovered first (abandoned uploads undone), then orphans are deleted and inodes of missing
// objects removed.
import type { FsckIssue } from './fsck.js';
import type { InodeRecord, IsCurrent, Metadata, SharedStorage } from './ports.js';
import { subtreeRecords } from './subtree-records.js';

/** Objects younger than this are never orphans: their upload may be about to commit. */
export const ORPHAN_GRACE_MS = 15 * 60_000;

export interface SharedFsckOptions {
  metadata: Metadata;
  shared: SharedStorage;
  repair: boolean;
  /** Decides this node's journaled writes on repair (as start-up recovery does). */
  isCurrent: IsCurrent;
  graceMs?: number;
  now?: number;
  pageSize?: number;
}

export interface SharedFsckResult {
  inodes: number;
  objects: number;
  issues: FsckIssue[];
}

export async function fsckShared(o: SharedFsckOptions): Promise<SharedFsckResult> {
  const issues: FsckIssue[] = [];
  if (o.repair) {
    const report = await o.shared.recover(o.isCurrent);
    if (report.discarded > 0) {
      issues.push({
        kind: 'abandoned-upload',
        path: o.shared.location,
        detail: `${report.discarded} journaled write(s) never committed`,
        repaired: 'upload aborted, object deleted',
      });
    }
  }
  const named = new Map<string, InodeRecord>();
  for await (const rec of filesOn(o)) if (rec.inode.write) named.set(rec.inode.write, rec);
  const seen = new Set<string>();
  const cutoff = (o.now ?? Date.now()) - (o.graceMs ?? ORPHAN_GRACE_MS);
  let objects = 0;
  for await (const obj of o.shared.objects()) {
    objects += 1;
    const rec = named.get(obj.write);
    if (rec) {
      seen.add(obj.write);
      if (rec.inode.size !== obj.size) {
        issues.push({
          kind: 'size-mismatch',
          path: rec.path,
          detail: `etcd says ${rec.inode.size} bytes, object ${obj.write} has ${obj.size}`,
        });
      }
      continue;
    }
    if (obj.modifiedMs > cutoff) continue;
    const issue: FsckIssue = {
      kind: 'orphan-object',
      path: obj.write,
      detail: `object of write ${obj.write} (${obj.size} bytes) that no inode names`,
    };
    if (o.repair) {
      issue.repaired = await o.shared.deleteObject(obj.write).then(
        () => 'object deleted',
        (err: unknown) => `not repaired: ${(err as Error).message}`,
      );
    }
    issues.push(issue);
  }
  for (const [write, rec] of named) {
    if (seen.has(write)) continue;
    const issue: FsckIssue = {
      kind: 'missing-object',
      path: rec.path,
      detail: `inode names object ${write}, which the store does not hold`,
    };
    if (o.repair) {
      issue.repaired = await o.metadata.remove(rec).then(
        () => 'inode removed',
        (err: unknown) => `not repaired: ${(err as Error).message}`,
      );
    }
    issues.push(issue);
  }
  return { inodes: named.size, objects, issues };
}

/** Every committed file inode naming this store, whichever node created it. */
async function* filesOn(o: SharedFsckOptions): AsyncGenerator<InodeRecord> {
  for await (const rec of subtreeRecords(o.metadata, '/', o.pageSize ?? 1000)) {
    const i = rec.inode;
    if (
      i.type === 'file' &&
      i.state === 'ready' &&
      i.backend_type === o.shared.backendType &&
      i.store === o.shared.location
    ) {
      yield rec;
    }
  }
}
