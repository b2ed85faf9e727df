// Where the in-memory fake puts one inode: a create (with its missing ancestors) or a move's
// switch, each one step of the store as the one fenced transaction of etcd-place.ts: the target
// absent (or, for a move with `overwrite`, unchanged), ancestors usable, the source unchanged,
// the membership fence held, no fence for a create's write id, and an optional journal entry
// written with it.
import { BadRequestError, NotFoundError, StaleRevisionError } from '../files/errors.js';
import type { CreateOptions, Inode, InodeRecord, MoveOptions } from '../files/ports.js';
import { ancestorsOf } from './keys.js';
import type { MemoryMembership } from './memory-membership.js';
import { recordOf, type MemoryStore } from './memory-store.js';
import {
  alreadyExists,
  ancestorInode,
  assertUsableParent,
  MAX_MISSING_ANCESTORS,
  pickInode,
} from './records.js';

export class MemoryPlacement {
  constructor(
    private readonly store: MemoryStore,
    private readonly membership: MemoryMembership,
  ) {}

  create(path: string, inode: Inode, options: CreateOptions): InodeRecord {
    const held = this.membership.current();
    const existing = this.store.inodes.get(path);
    if (existing) throw alreadyExists(recordOf(path, existing), inode);
    const missing = this.missingAncestors(path);
    if (missing.length > 0 && !options.parents) {
      throw new NotFoundError(`parent directory ${missing[0]} does not exist`);
    }
    if (missing.length > MAX_MISSING_ANCESTORS) {
      throw new BadRequestError(`too many missing parent directories (${missing.length})`);
    }
    this.membership.checkFence(held);
    if (options.fence !== undefined && this.store.fences.has(options.fence)) {
      throw new StaleRevisionError(
        `the create of ${path} (write ${options.fence}) was fenced; nothing was put`,
      );
    }
    const revision = this.store.nextRevision();
    this.addAncestors(missing, options.parents, revision);
    const stored = {
      inode: pickInode(inode),
      revision,
      created: revision,
      lease: options.leased ? held.lease : 0,
    };
    this.store.inodes.set(path, stored);
    return recordOf(path, stored);
  }

  move(from: InodeRecord, to: string, inode: Inode, options: MoveOptions): InodeRecord {
    const held = this.membership.current();
    const existing = this.store.inodes.get(to);
    if (existing && existing.revision !== options.overwrite?.revision) {
      throw alreadyExists(recordOf(to, existing), inode);
    }
    const missing = this.missingAncestors(to);
    if (missing.length > 0 && !options.parents) {
      throw new NotFoundError(`parent directory ${missing[0]} does not exist`);
    }
    this.membership.checkFence(held);
    if (this.store.inodes.get(from.path)?.revision !== from.revision) {
      throw new StaleRevisionError(`${from.path} changed since it was read`);
    }
    const revision = this.store.nextRevision();
    this.addAncestors(missing, options.parents, revision);
    this.store.inodes.delete(from.path);
    const created = existing?.created ?? revision;
    const stored = { inode: pickInode(inode), revision, created, lease: 0 };
    this.store.inodes.set(to, stored);
    if (options.journal) this.store.journal.set(options.journal.id, options.journal.value);
    return recordOf(to, stored);
  }

  /** The ancestors below the nearest existing one; ParentNotADirectoryError on a file. */
  private missingAncestors(path: string): string[] {
    const ancestors = ancestorsOf(path);
    let nearest = -1;
    ancestors.forEach((dir, i) => {
      const e = this.store.inodes.get(dir);
      if (!e) return;
      assertUsableParent(dir, e.inode);
      nearest = i;
    });
    return ancestors.slice(nearest + 1);
  }

  private addAncestors(
    missing: string[],
    parents: CreateOptions['parents'],
    revision: string,
  ): void {
    if (!parents) return;
    for (const dir of missing) {
      this.store.inodes.set(dir, {
        inode: ancestorInode(parents),
        revision,
        created: revision,
        lease: 0,
      });
    }
  }
}
