// Per-path mutual exclusion inside one node. Writers upload side by side; only the short
// commit step (re-read inode, fenced txn, rename) runs under the lock, so commits of one path
// are serialized on its owner while other paths proceed (ARCHITECTURE.md invariant 4).

export class PathLocks {
  private readonly tails = new Map<string, Promise<void>>();
  /** Paths with a write whose commit outcome is not settled yet, and how to try settling it. */
  private readonly unresolved = new Map<string, () => Promise<void>>();
  /** Paths whose readers get an error instead of waiting for the holder (refuseReaders). */
  private readonly refusing = new Map<string, Error>();
  /** Paths nobody takes any more: shutdown left a step on them to start-up recovery (close). */
  private readonly closed = new Map<string, Error>();

  async run<T>(path: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(path) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = prev.then(() => mine);
    this.tails.set(path, tail);
    await prev;
    try {
      const closed = this.closed.get(path);
      if (closed) throw closed;
      return await fn();
    } finally {
      release();
      if (this.tails.get(path) === tail) this.tails.delete(path);
    }
  }

  /**
   * While anyone holds or waits for `path`: a promise that settles once they all released it.
   * While a write of it waits for its outcome (marked unresolved), one attempt at settling it.
   * Undefined when the path is free, which tells a reader that no commit of it is half done.
   */
  settled(path: string): Promise<void> | undefined {
    const refused = this.closed.get(path) ?? this.refusing.get(path);
    if (refused) return Promise.reject(refused);
    return this.tails.get(path) ?? this.unresolved.get(path)?.();
  }

  /**
   * While the holder of `paths` waits for something that may take long (etcd to tell a
   * rename's outcome), their readers get `err` from `settled` instead of waiting; writers
   * still queue. Until acceptReaders.
   */
  refuseReaders(paths: readonly string[], err: Error): void {
    for (const path of paths) this.refusing.set(path, err);
  }

  acceptReaders(paths: readonly string[]): void {
    for (const path of paths) this.refusing.delete(path);
  }

  /** From now on `run` on `paths` fails with `err`, and so do their readers (shutdown). */
  close(paths: readonly string[], err: Error): void {
    for (const path of paths) this.closed.set(path, err);
  }

  /** Whether anyone holds or waits for `path`, or a write of it waits for its outcome. */
  busy(path: string): boolean {
    return this.tails.has(path) || this.unresolved.has(path);
  }

  /**
   * Marks `path` as having a write whose outcome is unknown (etcd may name it while its bytes
   * are not in place yet): until cleared, `settled` runs `settle` instead of answering free.
   */
  markUnresolved(path: string, settle: () => Promise<void>): void {
    this.unresolved.set(path, settle);
  }

  clearUnresolved(path: string): void {
    this.unresolved.delete(path);
  }

  /** Holds the locks of several paths, taken in sorted order so two callers cannot deadlock. */
  async runAll<T>(paths: string[], fn: () => Promise<T>): Promise<T> {
    const sorted = [...new Set(paths)].sort();
    const take = (i: number): Promise<T> =>
      i === sorted.length ? fn() : this.run(sorted[i]!, () => take(i + 1));
    return take(0);
  }
}
