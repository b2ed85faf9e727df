// Finishes, while the node runs, the journaled writes whose outcome the commit could not
// settle: a commit transaction etcd did not answer (nor the re-read after it), and a rename
// that failed after etcd named the new generation. Each such temp stays on disk, journaled,
// until etcd can be read: then it is renamed into place if etcd names its (path, gen, write
// id), else dropped — the decision start-up recovery makes (the same `isCurrent`), taken under
// the path's commit lock so it never races a newer commit of the path. Retries back off while
// etcd or the disk keeps failing; on shutdown what is left waits for start-up recovery.
import type { UnplacedBytes } from './move-dir-disk.js';
import type { PathLocks } from './path-lock.js';
import type { InodeRecord, IsCurrent, TempFile } from './ports.js';

export interface PendingWrite {
  path: string;
  gen: number;
  /** Prepared (journaled) as `gen` of `path`; its `id` is the write id etcd would name. */
  temp: TempFile;
  /** Undoes what else the write held (a create's claim) when it turns out not committed. */
  release?: () => Promise<void>;
  /**
   * A create's write fence (`Metadata.fenceWrite`): put before the temp is dropped, so a
   * commit etcd still holds can never name it later; the write is asked about again after it.
   */
  fence?: () => Promise<void>;
}

export interface ReconcilerOptions {
  locks: PathLocks;
  isCurrent: IsCurrent;
  /**
   * Does etcd name anything at the path? A write whose path no longer is named may have been
   * re-keyed by a directory move whose disk step has not run yet (it places the bytes, by write
   * id): it is held for that step up to `holdMs` (default 60 s), not dropped at once.
   */
  isNamed?: (path: string) => Promise<boolean>;
  holdMs?: number;
  /** First retry delay after a failed pass (default 100 ms), doubled up to `maxDelayMs`. */
  minDelayMs?: number;
  maxDelayMs?: number;
  warn?: (message: string, err: unknown) => void;
}

export class Reconciler implements UnplacedBytes {
  private readonly pending = new Map<string, PendingWrite>();
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private delay: number;
  private pass: Promise<void> = Promise.resolve();
  /** Per path, the pass its readers asked for last, and when it ended (0: still running). */
  private readonly forReaders = new Map<string, { pass: Promise<void>; endedAt: number }>();
  /** Per pending write, when a pass first found its path named by nothing. */
  private readonly unnamedSince = new Map<string, number>();

  constructor(private readonly o: ReconcilerOptions) {
    this.delay = o.minDelayMs ?? 100;
  }

  /** Writes waiting for their outcome. */
  get size(): number {
    return this.pending.size;
  }

  /** Takes charge of a prepared temp whose outcome is not known yet. */
  adopt(write: PendingWrite): void {
    this.pending.set(write.temp.id, write);
    // etcd may already name this write while its bytes are not in place: a reader of the path
    // must not take the file on disk for that generation, so it has the write settled first.
    this.o.locks.markUnresolved(write.path, () => this.readersPass(write.path));
    this.delay = this.o.minDelayMs ?? 100;
    if (this.running) this.schedule(0);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    if (this.pending.size > 0) this.schedule(0);
  }

  /** Stops retrying (after the pass in progress); pending temps stay journaled on disk. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.pass;
  }

  /**
   * An attempt at the pending writes of `path`, which its readers asked for. Readers arriving
   * while it runs, or within the first retry delay after it ended, share it: reads of a path
   * whose outcome etcd cannot tell yet make no more etcd requests than the retries would, and
   * they soon answer without an ETag instead of waiting. A stopped reconciler still answers
   * its readers: stopping holds off the retries, not the reads.
   */
  private readersPass(path: string): Promise<void> {
    const last = this.forReaders.get(path);
    const interval = this.o.minDelayMs ?? 100;
    if (last && (last.endedAt === 0 || Date.now() - last.endedAt < interval)) return last.pass;
    const entry = { pass: Promise.resolve(), endedAt: 0 };
    const run = this.pass.then(() => this.resolveAll(path));
    this.pass = run.then(
      () => undefined,
      () => undefined,
    );
    entry.pass = run.then(
      () => void (entry.endedAt = Date.now()),
      () => void (entry.endedAt = Date.now()),
    );
    this.forReaders.set(path, entry);
    return entry.pass;
  }

  /** One attempt at every pending write; resolves with how many are still pending. */
  async runOnce(): Promise<number> {
    const run = this.pass.then(() => this.resolveAll());
    this.pass = run.then(
      () => undefined,
      () => undefined,
    );
    await run;
    return this.pending.size;
  }

  /**
   * A directory move re-keyed `rec` away from `path` while its bytes waited here (etcd named
   * them before they were in place): places them at `path`, under the caller's lock of it,
   * for the move's disk step to carry them on. False when none of this node's writes match.
   */
  async placeMoved(path: string, rec: InodeRecord): Promise<boolean> {
    for (const [id, write] of this.pending) {
      if (write.path !== path || write.gen !== rec.inode.gen) continue;
      if (write.temp.id !== rec.inode.write) continue;
      await write.temp.commit();
      this.settled(id, write);
      return true;
    }
    return false;
  }

  /** One attempt at every pending write, or at those of `only`. */
  private async resolveAll(only?: string): Promise<void> {
    for (const [id, write] of [...this.pending]) {
      if (only !== undefined && write.path !== only) continue;
      try {
        await this.o.locks.run(write.path, async () => {
          // Placed while this waited for the lock, by a directory move's disk step.
          if (this.pending.get(id) !== write) return;
          // Errors (etcd unreachable, the disk refusing the rename) keep the write pending.
          const current = (): Promise<boolean> =>
            this.o.isCurrent(write.path, write.gen, write.temp.id);
          if (await current()) {
            await write.temp.commit();
          } else if (await this.heldForMove(id, write.path)) {
            return;
          } else if (write.fence && (await write.fence().then(current))) {
            // The create applied before its fence: it is the file.
            await write.temp.commit();
          } else {
            await write.temp.discard();
            await write.release?.();
          }
          this.settled(id, write);
        });
      } catch (err) {
        this.o.warn?.(`write of ${write.path} (gen ${write.gen}) is still unresolved`, err);
      }
    }
  }

  /** Whether a write not named at its path waits for a directory move's disk step. */
  private async heldForMove(id: string, path: string): Promise<boolean> {
    if (!this.o.isNamed || (await this.o.isNamed(path))) return false;
    const since = this.unnamedSince.get(id) ?? Date.now();
    this.unnamedSince.set(id, since);
    return Date.now() - since < (this.o.holdMs ?? 60_000);
  }

  private settled(id: string, write: PendingWrite): void {
    this.pending.delete(id);
    this.unnamedSince.delete(id);
    if (![...this.pending.values()].some((w) => w.path === write.path)) {
      this.o.locks.clearUnresolved(write.path);
      this.forReaders.delete(write.path);
    }
  }

  private schedule(ms: number): void {
    if (this.timer) {
      if (ms > 0) return;
      clearTimeout(this.timer);
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.runOnce().then((left) => {
        if (!this.running || left === 0) {
          this.delay = this.o.minDelayMs ?? 100;
          return;
        }
        const wait = this.delay;
        this.delay = Math.min(wait * 2, this.o.maxDelayMs ?? 5_000);
        this.schedule(wait);
      });
    }, ms);
    this.timer.unref();
  }
}
