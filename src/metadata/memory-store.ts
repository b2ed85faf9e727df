// The shared "etcd" of the in-memory fake: the inodes (with their history, memory-history.ts),
// the membership records and the journal, one global revision counter and the leases that
// entries hang on. Give the same store to several MemoryMetadata to simulate a cluster.
import type { Inode, InodeRecord, JournalEntry, NodeRecord } from '../files/ports.js';
import { parentOf } from '../files/paths.js';
import { VersionedMap } from './memory-history.js';
import { pickInode } from './records.js';

export interface StoredInode {
  inode: Inode;
  revision: string;
  /** The revision that created the key; a put over an existing key keeps it, as etcd does. */
  created: string;
  /** The lease the entry is attached to, or 0. */
  lease: number;
}

export interface StoredNode {
  node: NodeRecord;
  createRevision: string;
  lease: number;
}

export class MemoryStore {
  /** The current inodes; their past versions too, for reads at a revision (memory-history.ts). */
  readonly inodes = new VersionedMap<StoredInode>(() => this.revision);
  readonly nodes = new Map<string, StoredNode>();
  readonly journal = new Map<string, JournalEntry['value']>();
  /** The write ids whose creates are fenced (etcd: `<prefix>fences/<id>`, leased an hour). */
  readonly fences = new Set<string>();
  private revision = 1;
  private leases = 0;

  /** One store revision per committed change, as one etcd txn. */
  nextRevision(): string {
    this.revision += 1;
    this.inodes.settle();
    return String(this.revision);
  }

  /** The latest revision (the header revision of an etcd read). */
  currentRevision(): string {
    return String(this.revision);
  }

  /** Test hook: compacts the history at `revision`, as etcd's compaction does. */
  compact(revision: string): void {
    this.inodes.compact(Number(revision));
  }

  nextLease(): number {
    this.leases += 1;
    return this.leases;
  }

  /** Removes everything attached to `lease`, as etcd does when a lease expires or is revoked. */
  revokeLease(lease: number): void {
    let changed = false;
    for (const [path, e] of this.inodes) {
      if (e.lease === lease) {
        this.inodes.delete(path);
        changed = true;
      }
    }
    for (const [id, n] of this.nodes) {
      if (n.lease === lease) {
        this.nodes.delete(id);
        changed = true;
      }
    }
    if (changed) this.nextRevision();
  }

  /** True when a stored inode sits directly under `dir`. */
  hasChildren(dir: string): boolean {
    for (const path of this.inodes.keys()) if (parentOf(path) === dir) return true;
    return false;
  }
}

/** A stored inode as the port returns it (a copy: callers may not change the store). */
export function recordOf(path: string, e: StoredInode): InodeRecord {
  return { path, inode: pickInode(e.inode), revision: e.revision, created: e.created };
}

/** Byte order of the UTF-8 names, as etcd sorts keys. */
export function byBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
