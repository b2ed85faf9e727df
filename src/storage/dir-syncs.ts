// Group commit for directory fsyncs. Concurrent writes into one directory (the temp folder,
// a hot target directory) each need "an fsync of this directory that started after my change",
// not one fsync each: a request made while a sync runs waits for the next one, which starts
// when the running one ends and covers everyone who asked meanwhile. Under 64 concurrent
// creates this turns one fsync per create into a few per disk round, and frees the libuv
// threads the other file operations of those creates queue for.

interface DirState {
  running: Promise<void> | null;
  next: Promise<void> | null;
}

export class DirSyncs {
  private readonly dirs = new Map<string, DirState>();

  constructor(private readonly fsync: (dir: string) => Promise<void>) {}

  /** Resolves once an fsync of `dir` that started after this call has completed. */
  sync(dir: string): Promise<void> {
    let state = this.dirs.get(dir);
    if (!state) {
      state = { running: null, next: null };
      this.dirs.set(dir, state);
    }
    const running = state.running;
    if (!running) return this.start(dir, state);
    const s = state;
    s.next ??= running
      .catch(() => undefined)
      .then(() => {
        s.next = null;
        return this.start(dir, s);
      });
    return s.next;
  }

  private start(dir: string, state: DirState): Promise<void> {
    const run: Promise<void> = this.fsync(dir).finally(() => {
      if (state.running !== run) return;
      state.running = null;
      if (!state.next) this.dirs.delete(dir);
    });
    state.running = run;
    return run;
  }
}
