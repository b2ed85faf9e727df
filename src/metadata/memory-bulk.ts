// The bulk subtree operations of the in-memory fake, as etcd-bulk.ts runs them: re-keying a
// subtree under a new path and removing many inodes, each record compared unchanged since read
// (a destination absent, a directory empty) and handed back when it is not, never forced.
import type { InodeRecord, RekeyResult } from '../files/ports.js';
import { rebasePath } from '../files/paths.js';
import type { MemoryMembership } from './memory-membership.js';
import type { MemoryStore } from './memory-store.js';
import { pickInode } from './records.js';

export class MemoryBulk {
  constructor(
    private readonly store: MemoryStore,
    private readonly membership: MemoryMembership,
  ) {}

  rekey(records: InodeRecord[], from: string, to: string): RekeyResult {
    this.membership.fenced();
    const out: RekeyResult = { stale: [], taken: [] };
    for (const r of records) {
      const e = this.store.inodes.get(r.path);
      const dest = rebasePath(r.path, from, to);
      if (!e || e.revision !== r.revision) {
        out.stale.push(r);
        continue;
      }
      if (this.store.inodes.get(dest)) {
        out.taken.push(r);
        continue;
      }
      this.store.inodes.delete(r.path);
      const revision = this.store.nextRevision();
      this.store.inodes.set(dest, {
        inode: pickInode(r.inode),
        revision,
        // The destination was absent: a re-keyed inode is a new key, as in etcd.
        created: revision,
        lease: 0,
      });
    }
    return out;
  }

  removeMany(records: InodeRecord[]): InodeRecord[] {
    this.membership.fenced();
    const left: InodeRecord[] = [];
    const removable: string[] = [];
    for (const r of records) {
      const e = this.store.inodes.get(r.path);
      const ok =
        e !== undefined &&
        e.revision === r.revision &&
        (e.inode.type !== 'directory' || !this.store.hasChildren(r.path));
      if (ok) removable.push(r.path);
      else left.push(r);
    }
    for (const path of removable) this.store.inodes.delete(path);
    if (removable.length > 0) this.store.nextRevision();
    return left;
  }
}
