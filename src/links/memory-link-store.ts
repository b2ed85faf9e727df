// An in-memory LinkStore for unit tests, with etcd's semantics: revisions from one counter,
// create-if-absent, redemption as a compare-and-swap on the revision, and records that vanish
// when their TTL has passed (by an injectable clock). Every call yields to the event loop
// first, so concurrent callers interleave as they would against etcd.
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { LinkRecord, LinkStore, StoredLink } from './ports.js';

interface Entry {
  link: LinkRecord;
  revision: string;
  /** Unix ms after which the lease has run out. */
  deadline: number;
}

export interface MemoryLinkStoreOptions {
  now?: () => number;
}

export class MemoryLinkStore implements LinkStore {
  private readonly entries = new Map<string, Entry>();
  private revision = 0;
  private readonly now: () => number;

  constructor(o: MemoryLinkStoreOptions = {}) {
    this.now = o.now ?? Date.now;
  }

  async create(id: string, link: LinkRecord, ttlSeconds: number): Promise<boolean> {
    await nextTurn();
    if (this.live(id)) return false;
    this.entries.set(id, {
      link: { ...link },
      revision: this.nextRevision(),
      deadline: this.now() + Math.max(1, Math.ceil(ttlSeconds)) * 1000,
    });
    return true;
  }

  async get(id: string): Promise<StoredLink | null> {
    await nextTurn();
    const entry = this.live(id);
    return entry ? { id, link: { ...entry.link }, revision: entry.revision } : null;
  }

  async redeem(expected: StoredLink): Promise<boolean> {
    await nextTurn();
    if (expected.link.state !== 'active') return false;
    const entry = this.live(expected.id);
    if (!entry || entry.revision !== expected.revision) return false;
    entry.link = { ...entry.link, state: 'used' };
    entry.revision = this.nextRevision();
    return true;
  }

  /** Number of records still held (expired leases are dropped when touched). */
  get size(): number {
    return this.entries.size;
  }

  private live(id: string): Entry | undefined {
    const entry = this.entries.get(id);
    if (entry && this.now() >= entry.deadline) {
      this.entries.delete(id);
      return undefined;
    }
    return entry;
  }

  private nextRevision(): string {
    this.revision += 1;
    return String(this.revision);
  }
}
