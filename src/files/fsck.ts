// The consistency check of one node (`callfs fsck`): compares what etcd says this node owns
// with what its storage holds. It reports orphan files (bytes no inode of this node names),
// missing files (inodes whose bytes are gone), size mismatches, stale claims (creates that
// never committed), unfinished journaled moves, journal entries that cannot be acted on as
// written, and the local journal entries start-up recovery set aside. With `repair` it
// quarantines orphans, removes inodes of missing files and stale claims, and finishes the
// moves; a size mismatch it never repairs (it reports how to resolve it), nor a missing file
// whose bytes a directory move's disk step set aside in lost+found (it says where they are). Repairs change the
// namespace, so they run only while this node's membership is held by the check itself.
import { malformed } from './journal-entries.js';
import { MOVE_DIR_FILE } from './move-dir-disk.js';
import { recoverMoves } from './move.js';
import { DELETE_JOB } from './subtree-delete.js';
import type {
  InodeRecord,
  IsCurrent,
  Metadata,
  PathStorage,
  QuarantinedEntry,
  SharedStorage,
} from './ports.js';
import { fsckShared } from './fsck-shared.js';
import { subtreeRecords } from './subtree-records.js';

export type FsckIssueKind =
  | 'orphan-file'
  | 'missing-file'
  | 'size-mismatch'
  | 'stale-claim'
  | 'pending-move'
  | 'pending-delete'
  | 'bad-journal'
  | 'set-aside-journal'
  | 'orphan-object'
  | 'missing-object'
  | 'abandoned-upload';

export interface FsckIssue {
  kind: FsckIssueKind;
  path: string;
  detail: string;
  /** What the repair did, when it ran. */
  repaired?: string;
}

export interface FsckReport {
  instanceId: string;
  inodesChecked: number;
  filesChecked: number;
  issues: FsckIssue[];
}

export interface FsckOptions {
  instanceId: string;
  metadata: Metadata;
  storage: PathStorage;
  /** The shared store (S3) this node reaches: checked against every inode naming it. */
  shared?: SharedStorage;
  repair: boolean;
  /** Page size of the namespace scan. */
  pageSize?: number;
}

/** How an operator resolves a size mismatch, which no repair can. */
export const SIZE_MISMATCH_HINT =
  'fsck cannot repair this: GET the file (it serves the bytes on disk), check them, then PUT ' +
  'the right content (rewrites the bytes and the inode together) or DELETE the path';

/** How an operator restores a file whose bytes a directory move's disk step set aside. */
export const SET_ASIDE_HINT =
  "move them back to the file's path in the node's storage to restore it, or DELETE the path " +
  'to drop it';

export async function fsck(o: FsckOptions): Promise<FsckReport> {
  const report: FsckReport = {
    instanceId: o.instanceId,
    inodesChecked: 0,
    filesChecked: 0,
    issues: [],
  };
  const onDisk = new Map<string, number>();
  for await (const f of o.storage.inventory()) onDisk.set(f.path, f.size);
  report.filesChecked = onDisk.size;
  const setAsideEntries = [
    ...(await o.storage.quarantinedEntries()),
    ...((await o.shared?.quarantinedEntries()) ?? []),
  ];
  /** Where the bytes of a path were set aside (a disk step could not place them), by path. */
  const setAsideBytes = new Map<string, string>();
  for (const q of setAsideEntries) {
    if (q.kind === MOVE_DIR_FILE && q.path !== undefined) setAsideBytes.set(q.path, q.keptAt);
  }

  const known = new Set<string>();
  for await (const rec of ownFiles(o)) {
    report.inodesChecked += 1;
    const size = onDisk.get(rec.path);
    if (rec.inode.state === 'writing') {
      // A create whose bytes never committed; its claim was not released.
      const issue: FsckIssue = {
        kind: 'stale-claim',
        path: rec.path,
        detail: 'create never committed',
      };
      if (o.repair) issue.repaired = await removeInode(o, rec);
      report.issues.push(issue);
      continue;
    }
    // Bytes on a shared store (S3) are not on this disk; that store is checked on its own.
    if (rec.inode.backend_type !== o.storage.backendType) continue;
    known.add(rec.path);
    if (size === undefined) {
      const keptAt = setAsideBytes.get(rec.path);
      const issue: FsckIssue = {
        kind: 'missing-file',
        path: rec.path,
        detail: keptAt
          ? `inode without bytes: they were set aside at ${keptAt}; ${SET_ASIDE_HINT}`
          : 'inode without bytes',
      };
      // Bytes that are kept are never dropped from the namespace by a repair: only an
      // operator knows whether to put them back.
      if (o.repair) {
        issue.repaired = keptAt
          ? 'not repaired: its bytes are kept in lost+found'
          : await removeInode(o, rec);
      }
      report.issues.push(issue);
    } else if (size !== rec.inode.size) {
      // Neither side is known to be right (bytes edited behind the node's back, or an etcd
      // restored from another moment than the disk): only someone who knows the content can
      // decide, so the repair leaves it and says how to resolve it.
      report.issues.push({
        kind: 'size-mismatch',
        path: rec.path,
        detail: `etcd says ${rec.inode.size} bytes, disk has ${size}; ${SIZE_MISMATCH_HINT}`,
        ...(o.repair ? { repaired: 'not repaired: fsck cannot tell which side is right' } : {}),
      });
    }
  }
  for (const path of onDisk.keys()) {
    if (known.has(path)) continue;
    const issue: FsckIssue = {
      kind: 'orphan-file',
      path,
      detail: 'bytes no inode of this node names',
    };
    if (o.repair) issue.repaired = `moved to ${await o.storage.quarantine(path)}`;
    report.issues.push(issue);
  }
  const journal = await o.metadata.journal(o.instanceId);
  const unfinished = new Map<string, string>();
  if (o.repair) {
    await recoverMoves(o, journal.entries, (q: QuarantinedEntry) => {
      unfinished.set(q.id, q.reason);
    });
  }
  for (const entry of journal.entries) {
    const marked = entry.value.set_aside;
    const reason =
      malformed(entry) ?? unfinished.get(entry.id) ?? (typeof marked === 'string' ? marked : null);
    const type = String(entry.value.type);
    const path = String(entry.value.from ?? entry.value.path ?? entry.id);
    report.issues.push({
      kind: reason ? 'bad-journal' : type === DELETE_JOB ? 'pending-delete' : 'pending-move',
      path,
      detail: `journal entry ${entry.id} (${type})${reason ? `: ${reason}` : ''}`,
      ...(o.repair
        ? { repaired: reason ? 'not repaired: kept in etcd' : repairOf(type, path) }
        : {}),
    });
  }
  for (const key of journal.unreadable) {
    report.issues.push({
      kind: 'bad-journal',
      path: key,
      detail: `journal entry ${key} is not JSON, so no node acts on it: inspect it with \`etcdctl get ${key}\` and delete it once understood`,
      ...(o.repair ? { repaired: 'not repaired: kept in etcd' } : {}),
    });
  }
  if (o.shared) {
    const shared = await fsckShared({
      metadata: o.metadata,
      shared: o.shared,
      repair: o.repair,
      isCurrent: currentFor(o),
      pageSize: o.pageSize,
    });
    report.inodesChecked += shared.inodes;
    report.filesChecked += shared.objects;
    report.issues.push(...shared.issues);
  }
  for (const q of setAsideEntries) {
    report.issues.push({
      kind: 'set-aside-journal',
      path: q.path ?? q.id,
      detail: `${q.kind} ${q.id}: ${q.reason} (kept in ${q.keptAt})`,
    });
  }
  return report;
}

/** Whether etcd names a journaled write of this node (what start-up recovery asks). */
function currentFor(o: FsckOptions): IsCurrent {
  return async (path, gen, write) => {
    const rec = await o.metadata.get(path);
    return (
      rec?.inode.type === 'file' &&
      rec.inode.state === 'ready' &&
      rec.inode.gen === gen &&
      (write === undefined ? rec.inode.instance_id === o.instanceId : rec.inode.write === write)
    );
  };
}

/** The file inodes this node owns, page by page at one revision. */
async function* ownFiles(o: FsckOptions): AsyncGenerator<InodeRecord> {
  for await (const rec of subtreeRecords(o.metadata, '/', o.pageSize ?? 1000)) {
    if (rec.inode.type === 'file' && rec.inode.instance_id === o.instanceId) yield rec;
  }
}

async function removeInode(o: FsckOptions, rec: InodeRecord): Promise<string> {
  try {
    await o.metadata.remove(rec);
    return 'inode removed';
  } catch (err) {
    return `not repaired: ${(err as Error).message}`;
  }
}

/**
 * What --repair did with a journal entry of this node: the file moves it finishes itself
 * (recoverMoves); a recursive delete cut short is continued only by its DELETE retried, and a
 * directory move by its node's start-up, so their entries stay and are not reported finished.
 */
function repairOf(type: string, path: string): string {
  if (type === 'move-file' || type === 'move-file-out') return 'finished';
  if (type === DELETE_JOB) {
    return `not repaired: a recursive delete cut short; DELETE ${path}?recursive=true on any node finishes it`;
  }
  return 'not repaired: the node finishes it when it starts';
}
