// A bounded map of values read from etcd, each tagged with the key's mod revision, that a
// change feed keeps up to date. Its one rule: a value enters only when nothing newer for its
// key can have been missed. Changes carry their revision and are applied only when newer than
// the entry (so a late watch event never undoes a newer own write); a read from etcd becomes
// an entry only if no change for its key arrived while it was in flight (the read may predate
// that change). Keys that are not entries are never added by a change, so the map holds what
// was read recently, evicting the least recently used beyond `maxEntries`.

interface Entry<V> {
  value: V;
  revision: bigint;
}

/** A read of one key from etcd in flight; `end()` it with what was read. */
export interface Fill<V> {
  /** Stores `value` read at mod revision `revision` (null: the key is absent), if still safe. */
  end(value: V | null, revision: bigint): void;
  /** The read failed: forget it. */
  cancel(): void;
}

interface Pending {
  /** The newest change seen for the key while the read was in flight (-1n: none). */
  newest: bigint;
  /** Invalidated while in flight (a change of unknown revision). */
  dirty: boolean;
}

export class RevisionLru<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private readonly pending = new Map<string, Set<Pending>>();
  /** Bumped by clear(): reads begun before it must not enter. */
  private epoch = 0;

  constructor(readonly maxEntries: number) {
    if (!(maxEntries >= 1)) throw new RangeError('maxEntries must be at least 1');
  }

  get size(): number {
    return this.entries.size;
  }

  /** The cached value, marked as most recently used; undefined when not cached. */
  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  /** Whether a change of `key` matters: it is cached, or being read. */
  tracks(key: string): boolean {
    return this.entries.has(key) || this.pending.has(key);
  }

  /** Starts a read of `key` from etcd whose result may enter the map. */
  beginFill(key: string): Fill<V> {
    const epoch = this.epoch;
    const mark: Pending = { newest: -1n, dirty: false };
    let marks = this.pending.get(key);
    if (!marks) this.pending.set(key, (marks = new Set()));
    marks.add(mark);
    const done = (): void => {
      marks.delete(mark);
      if (marks.size === 0 && this.pending.get(key) === marks) this.pending.delete(key);
    };
    return {
      end: (value, revision) => {
        done();
        if (epoch !== this.epoch) return;
        const missed = mark.dirty || mark.newest > revision;
        if (value === null) {
          // Absent in etcd: whatever is cached is older. No negative entries are kept.
          this.entries.delete(key);
          return;
        }
        if (missed) return;
        const current = this.entries.get(key);
        if (current && current.revision >= revision) return;
        this.put(key, value, revision);
      },
      cancel: done,
    };
  }

  /**
   * A change of `key` at `revision` (value null: deleted). Applied to an entry older than it;
   * `insert` adds it when absent (this node's own committed transactions).
   */
  change(key: string, value: V | null, revision: bigint, insert = false): void {
    for (const mark of this.pending.get(key) ?? []) {
      if (revision > mark.newest) mark.newest = revision;
    }
    const current = this.entries.get(key);
    if (current && current.revision >= revision) return;
    if (value === null) {
      this.entries.delete(key);
      return;
    }
    if (current || insert) this.put(key, value, revision);
  }

  /** Forgets `key` (a change whose revision is unknown); reads in flight will not enter. */
  invalidate(key: string): void {
    this.entries.delete(key);
    for (const mark of this.pending.get(key) ?? []) mark.dirty = true;
  }

  /** Forgets everything, including reads in flight (the feed lost continuity). */
  clear(): void {
    this.epoch++;
    this.entries.clear();
    for (const marks of this.pending.values()) {
      for (const mark of marks) mark.dirty = true;
    }
  }

  private put(key: string, value: V, revision: bigint): void {
    this.entries.delete(key);
    this.entries.set(key, { value, revision });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }
}
