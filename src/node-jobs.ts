// A node's work on its journals, for the composition root (node.ts): what start-up recovers
// before the node serves, and what runs in the background once it is registered (the sweeps of
// directory-move disk steps and of jobs that nodes gone for good left, and the jobs start-up
// resumed). Each part hands its stop step to the node's shutdown list in the order it starts.
import type { Logger } from 'pino';
import type { Metadata } from './files/metadata-port.js';
import type { QuarantinedEntry } from './files/ports.js';
import type { JournalRecovery } from './files/service.js';
import type { FilesService } from './files/service.js';
import { retryWhileMetadataUnavailable } from './files/startup-retry.js';
import type { Storage } from './files/storage-port.js';
import type { S3Storage } from './storage/s3/storage.js';

/** How often abandoned S3 writes are retried while the node runs. */
const S3_SWEEP_MS = 30_000;

/** How often the node looks for disk steps of directory moves it was never asked to run. */
const DISK_STEP_SWEEP_MS = 10_000;

/** Logged when a stopping node waits for the jobs its start-up resumed. */
export const SHUTDOWN_WAITS_FOR_JOBS =
  'shutdown waits for the interrupted jobs resumed at start-up';

export interface NodeJobsDeps {
  instanceId: string;
  files: FilesService;
  /** The metadata the files service uses (read for this node's `ops/` journal). */
  store: Pick<Metadata, 'journal'>;
  /** The node's storage backends, its own disk first. */
  backends: ReadonlyArray<Pick<Storage, 'recover' | 'backendType'>>;
  s3: S3Storage | null;
  setAside(entry: QuarantinedEntry): void;
  logger: Logger;
  adoptAfterMs: number;
  /** The node's shutdown steps: each part pushes its own (they run in reverse). */
  cleanups: Array<() => Promise<void>>;
}

export class NodeJobs {
  private resumed: Promise<void> | undefined;

  constructor(private readonly d: NodeJobsDeps) {}

  /**
   * Before the node registers: the storage journals, then the commit reconciler and the S3
   * sweep start, then this node's `ops/` jobs are recovered. Returns the jobs that wait for the
   * membership fence (directory moves), for `start`.
   */
  async recover(): Promise<JournalRecovery> {
    const { files, logger, cleanups } = this.d;
    for (const backend of this.d.backends) {
      const report = await retryWhileMetadataUnavailable(
        () => backend.recover(files.recoveryIsCurrent()),
        { onRetry: this.onRetry(`${backend.backendType} journal recovery`) },
      );
      report.quarantined.forEach(this.d.setAside);
      if (report.rolledForward.length || report.discarded) {
        logger.info(
          {
            backend: backend.backendType,
            rolledForward: report.rolledForward,
            discarded: report.discarded,
          },
          'storage journal recovered',
        );
      }
    }
    // Writes whose commit outcome is unknown are settled while the node runs; once it stops,
    // what is left stays journaled for the next start-up recovery.
    files.reconciler.start();
    cleanups.push(() => files.reconciler.stop());
    const s3 = this.d.s3;
    if (s3) {
      // Writes whose discard could not reach the bucket are undone once it answers again.
      const sweep = setInterval(() => {
        s3.sweep().catch((err: unknown) => logger.warn({ err }, 'S3 journal sweep failed'));
      }, S3_SWEEP_MS);
      sweep.unref();
      cleanups.push(async () => clearInterval(sweep));
    }
    // One read of the `ops/` journal serves the recovery of this node's jobs and the count of
    // the entries no node can act on; a retry reads it again, as a restart would.
    const { recovery, unreadable } = await retryWhileMetadataUnavailable(
      async () => {
        const journal = await this.d.store.journal(this.d.instanceId);
        return {
          recovery: await files.recoverJournal(journal.entries),
          unreadable: journal.unreadable,
        };
      },
      { onRetry: this.onRetry('move journal recovery') },
    );
    if (recovery.finished) logger.info({ moves: recovery.finished }, 'interrupted moves finished');
    // An entry that is not even JSON names no node: every node counts and logs it, none acts.
    for (const key of unreadable) {
      this.d.setAside({
        kind: 'ops-unreadable',
        id: key,
        reason: 'the value is not JSON',
        keptAt: 'etcd',
      });
    }
    return recovery;
  }

  /** Once the node is registered: the two sweeps, and the jobs `recover` left waiting. */
  start(waiting: JournalRecovery['waiting']): void {
    const { files, logger, cleanups } = this.d;
    // A directory move's disk step whose ApplyMove call never reached this node runs here
    // while it serves, not only at its next start (disk-steps.ts). Then this node's own moves
    // that wait for some owner's disk step are run again: the one whose steps are all done
    // releases its source and clears its job.
    const diskSweep = setInterval(() => {
      files
        .sweepDiskSteps()
        .catch((err: unknown) => logger.warn({ err }, 'sweep of directory move disk steps failed'))
        .then(() => files.sweepWaitingMoves())
        .catch((err: unknown) => logger.warn({ err }, 'sweep of waiting directory moves failed'));
    }, DISK_STEP_SWEEP_MS);
    diskSweep.unref();
    cleanups.push(async () => {
      clearInterval(diskSweep);
      // A sweep still renaming must not outlive the node (nor run once etcd is closed).
      await files.stopWaitingMoves();
      await files.stopDiskSteps();
    });
    // Directory moves of nodes gone for longer than the grace period are taken over and run
    // here (journal-adoption.ts); checked a few times per grace period.
    const adoptSweep = setInterval(
      () => {
        files
          .sweepAdoption()
          .catch((err: unknown) => logger.warn({ err }, 'adoption of orphaned jobs failed'));
      },
      Math.max(250, Math.min(DISK_STEP_SWEEP_MS, this.d.adoptAfterMs / 4)),
    );
    adoptSweep.unref();
    cleanups.push(async () => {
      clearInterval(adoptSweep);
      await files.stopAdoption();
    });
    // Runs first of these (cleanups run in reverse): a sweep or a request queued behind a
    // rename that waits for etcd gets 503 instead of holding up the shutdown.
    cleanups.push(async () => files.stopWaitingForEtcd());
    // Journaled jobs that need the membership fence (directory moves) resume now, those the
    // journal still gives this node once it holds the fence (one may have been adopted).
    const resuming = files
      .resumeWaiting(waiting)
      .then(
        (r) => {
          if (r.finished) logger.info({ jobs: r.finished }, 'interrupted jobs finished');
        },
        (err: unknown) => logger.warn({ err }, 'could not finish interrupted jobs yet'),
      )
      .finally(() => {
        if (this.resumed === resuming) this.resumed = undefined;
      });
    this.resumed = resuming;
  }

  /**
   * The shutdown step for the jobs `start` resumed, which the node runs after its servers
   * closed and before the lease and the etcd client go: a job left running would go on writing
   * to etcd and other nodes' disks after close, or race the next start.
   */
  async waitForResumed(): Promise<void> {
    if (!this.resumed) return;
    this.d.logger.info(SHUTDOWN_WAITS_FOR_JOBS);
    await this.resumed;
  }

  private onRetry(step: string) {
    return (err: Error, attempt: number, delayMs: number): void =>
      this.d.logger.warn({ err, attempt, delayMs }, `${step}: etcd unavailable, trying again`);
  }
}
