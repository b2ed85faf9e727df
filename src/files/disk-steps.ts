// This node's disk steps of directory moves (move-dir-disk.ts), however they are asked for:
// by the coordinator's ApplyMove call, or by this node's own sweep of its journal. The sweep is
// for a step whose call never arrived while this node kept running (a reset connection, a
// coordinator that gave up asking): its journal entry would otherwise wait for the next
// start-up, with etcd naming files under the new path whose bytes are still at the old one.
// A step asked for while it runs joins it, so the call and the sweep never run one twice.
import { isTransient, malformed } from './journal-entries.js';
import { applyLocal, passingDiskError, type MoveDirDiskDeps } from './move-dir-disk.js';
import { MOVE_DIR_DISK } from './move-dir.js';
import { SerialPasses } from './serial-passes.js';
import type { Metadata } from './ports.js';

export class DiskSteps {
  /** Steps running, by journal id. */
  private readonly running = new Map<string, Promise<number>>();
  /** Steps the sweep saw fail for good: reported once, left for start-up (which sets them aside). */
  private readonly failed = new Set<string>();
  /** Per sweep running, the steps that ended since it began reading the journal. */
  private readonly endedSince = new Set<Set<string>>();
  private readonly passes = new SerialPasses(() => this.sweepOnce());

  constructor(
    private readonly d: MoveDirDiskDeps & { metadata: Metadata },
    /** Journal entries set aside in this process (start-up recovery's): not retried here. */
    private readonly setAside: ReadonlySet<string>,
    private readonly warn: (message: string, err: unknown) => void = () => undefined,
  ) {}

  /** Runs (or joins) the step journaled as `journalId`; resolves with the files it renamed. */
  run(journalId: string, from: string, to: string): Promise<number> {
    const running = this.running.get(journalId);
    if (running) return running;
    const step = applyLocal(this.d, journalId, from, to).finally(() => {
      this.running.delete(journalId);
      for (const ended of this.endedSince) ended.add(journalId);
    });
    this.running.set(journalId, step);
    return step;
  }

  /**
   * Runs every disk step journaled for this node; returns how many finished. One that fails
   * while etcd does not answer, or on a disk error that may pass, is tried again at the next
   * sweep; one that fails otherwise is reported once and left for start-up, which sets it
   * aside for an operator.
   */
  sweep(): Promise<number> {
    return this.passes.run();
  }

  /** No sweep starts from now on, and the one running stops after its current step. */
  stop(): Promise<void> {
    return this.passes.stop();
  }

  private async sweepOnce(): Promise<number> {
    // A step that ended since the read began may have cleared its entry, and its coordinator
    // may have released the source: run again, it would take a file created at an old path
    // for bytes not moved yet. An entry put again since is there at the next sweep.
    const ended = new Set<string>();
    this.endedSince.add(ended);
    try {
      return await this.runJournaled(ended);
    } finally {
      this.endedSince.delete(ended);
    }
  }

  private async runJournaled(ended: ReadonlySet<string>): Promise<number> {
    const { entries } = await this.d.metadata.journal(this.d.instanceId);
    let finished = 0;
    for (const entry of entries) {
      if (this.passes.stopped) break;
      if (entry.value.type !== MOVE_DIR_DISK || this.setAside.has(entry.id)) continue;
      if (ended.has(entry.id) && !this.running.has(entry.id)) continue;
      if (this.failed.has(entry.id) || malformed(entry)) continue;
      const { from, to } = entry.value as unknown as { from: string; to: string };
      try {
        await this.run(entry.id, from, to);
        finished += 1;
      } catch (err) {
        // etcd, or the disk, away for now (a file that EMFILE kept in place): the next sweep.
        if (isTransient(err) || passingDiskError(err)) continue;
        this.failed.add(entry.id);
        this.warn(`disk step of the move of ${from} to ${to} failed; left for start-up`, err);
      }
    }
    return finished;
  }
}
