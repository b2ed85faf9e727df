// The multi-version memory of the in-memory fake: a Map of the current inodes that also keeps
// every past version, so the fake can read "at revision R" like etcd (listings page at one
// revision) and act out compaction. Sets carry their revision in the value. A delete has no
// value to carry it: it is filed under the next revision, or under the current one when the
// same change already stored a value at it (a move deletes its source after allocating the
// revision it writes the destination with) — each change of the fake is one synchronous step,
// so the deletes of a step are settled by the end of it.
import { BadRequestError, CursorExpiredError } from '../files/errors.js';

interface Version<V> {
  revision: number;
  value: V | null;
}

/** A read-only view of the map at one revision. */
export interface Snapshot<V> {
  revision: number;
  get(key: string): V | undefined;
  keys(): IterableIterator<string>;
}

export class VersionedMap<V extends { revision: string }> extends Map<string, V> {
  private readonly versions = new Map<string, Version<V>[]>();
  /** Deletes of the change in progress, filed tentatively under the next revision. */
  private unsettled: Version<V>[] = [];
  private compactedAt = 0;
  private readonly subscribers = new Set<() => void>();
  private notifyQueued = false;

  constructor(private readonly current: () => number) {
    super();
  }

  override set(key: string, value: V): this {
    super.set(key, value);
    const revision = Number(value.revision);
    if (revision === this.current()) {
      for (const v of this.unsettled) v.revision = revision;
    }
    this.record(key, { revision, value });
    this.queueNotify();
    return this;
  }

  override delete(key: string): boolean {
    if (!super.delete(key)) return false;
    const v: Version<V> = { revision: this.current() + 1, value: null };
    this.unsettled.push(v);
    this.record(key, v);
    this.queueNotify();
    return true;
  }

  override clear(): void {
    for (const key of [...this.keys()]) this.delete(key);
  }

  /** Called when the store allocates a revision: the pending deletes belong to it. */
  settle(): void {
    this.unsettled = [];
  }

  /** Forgets versions older than `revision`; reads before it then fail like etcd's. */
  compact(revision: number): void {
    this.compactedAt = Math.max(this.compactedAt, revision);
    for (const [key, list] of this.versions) {
      let keep = list.findLastIndex((v) => v.revision <= revision);
      if (keep < 0) continue;
      if (list[keep]!.value === null) keep += 1;
      const rest = list.slice(keep);
      if (rest.length === 0) this.versions.delete(key);
      else this.versions.set(key, rest);
    }
  }

  /**
   * Calls `fn` after changes, on a microtask: a change of the fake is one synchronous step, so
   * by then its deletes are settled under their revision (the change feed reads them then).
   */
  subscribe(fn: () => void): () => void {
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  }

  /**
   * Every change with a revision in (after, upTo], oldest first, each with the value before it;
   * CursorExpiredError when `after` is older than the compacted history.
   */
  changesBetween(
    after: number,
    upTo: number,
  ): Array<{ key: string; revision: number; before: V | null; after: V | null }> {
    if (after < this.compactedAt) {
      throw new CursorExpiredError(`revision ${after} has been compacted (at ${this.compactedAt})`);
    }
    const out: Array<{ key: string; revision: number; before: V | null; after: V | null }> = [];
    for (const [key, list] of this.versions) {
      for (let i = 0; i < list.length; i++) {
        const v = list[i]!;
        if (v.revision <= after || v.revision > upTo) continue;
        out.push({ key, revision: v.revision, before: list[i - 1]?.value ?? null, after: v.value });
      }
    }
    return out.sort((a, b) => a.revision - b.revision);
  }

  private queueNotify(): void {
    if (this.notifyQueued || this.subscribers.size === 0) return;
    this.notifyQueued = true;
    queueMicrotask(() => {
      this.notifyQueued = false;
      for (const fn of [...this.subscribers]) fn();
    });
  }

  /** The map as it was at `revision` (default: now). */
  at(revision?: string): Snapshot<V> {
    const now = this.current();
    const r = revision === undefined ? now : Number(revision);
    if (!Number.isSafeInteger(r) || r < 1) throw new BadRequestError(`bad revision ${revision}`);
    if (r > now) throw new BadRequestError(`revision ${r} is in the future`);
    if (r < this.compactedAt) {
      throw new CursorExpiredError(`revision ${r} has been compacted (at ${this.compactedAt})`);
    }
    const versions = this.versions;
    const valueAt = (key: string): V | undefined => {
      const list = versions.get(key);
      if (!list) return undefined;
      for (let i = list.length - 1; i >= 0; i--) {
        if (list[i]!.revision <= r) return list[i]!.value ?? undefined;
      }
      return undefined;
    };
    return {
      revision: r,
      get: valueAt,
      keys: () => versions.keys(),
    };
  }

  private record(key: string, v: Version<V>): void {
    const list = this.versions.get(key);
    if (list) list.push(v);
    else this.versions.set(key, [v]);
  }
}
