// Adoption of the directory moves of a node that is gone for good. A directory move is run by
// the node that journaled it, and a crash leaves it to that node's next start; a node whose
// machine is gone never starts again, and its moves' directories would stay `moving` (every
// create under them 503) for ever. So a live node takes such a job over once the node has been
// seen without a membership record for a grace period, and runs it as its own.
//
// Which node tries first is only to spare needless races: the lowest live instance id after the
// grace period, each next one a grace period later (in case those before it cannot). What makes
// it safe is the metadata store's adoption transaction alone (Metadata.adoptJournal): the entry
// changes hands only while it is unchanged and its node still holds no membership record, so two
// adopters, or the old node coming back under its instance id, never both run the job.
//
// Only directory moves are adopted. The other kinds need the gone node's own disk (a file move's
// rename, a directory move's disk step, the drop of a copy sent away: they wait for that node)
// or are continued by any node (a recursive delete, by a DELETE retried anywhere).
import { MOVE_DIR } from './move-dir.js';
import { SerialPasses } from './serial-passes.js';
import type { JournalEntry, Membership, Metadata } from './ports.js';

export interface JournalAdoptionDeps {
  instanceId: string;
  metadata: Metadata;
  membership: Membership;
  /** How long a node must have been seen gone before its jobs are adopted (by the first). */
  graceMs: number;
  /**
   * Runs an adopted entry as one of this node's own (start-up recovery's pass); resolves true
   * when the entry was dealt with (finished or set aside), false when it must wait.
   */
  run: (entry: JournalEntry) => Promise<boolean>;
  /** Reports an entry this node took over. */
  onAdopted?: (entry: JournalEntry) => void;
  /**
   * Reports, once per entry in this process, an entry of a node gone for longer than the grace
   * period that no node takes over (a file move, a disk step, a recursive delete).
   */
  onLeftBehind?: (entry: JournalEntry) => void;
  warn?: (message: string, err: unknown) => void;
  now?: () => number;
}

export class JournalAdoption {
  /** When this process first saw each gone node that still has journal entries. */
  private readonly goneSince = new Map<string, number>();
  /** Entries adopted here whose job has not run to its end yet (etcd away, fence lost). */
  private readonly adopted = new Map<string, JournalEntry>();
  private readonly passes = new SerialPasses(() => this.sweepOnce());
  /** The entries the last pass found left behind by gone nodes (noteLeftBehind), by id. */
  private leftBehind = new Map<string, JournalEntry>();

  constructor(private readonly d: JournalAdoptionDeps) {}

  /** One pass: adopts what is due and runs it; resolves with the jobs it finished. */
  sweep(): Promise<number> {
    return this.passes.run();
  }

  /** Entries of nodes gone for longer than the grace period that wait for them, as last swept. */
  leftBehindEntries(): JournalEntry[] {
    return [...this.leftBehind.values()];
  }

  /** No pass starts from now on; the one running ends after its current job. */
  stop(): Promise<void> {
    return this.passes.stop();
  }

  private async sweepOnce(): Promise<number> {
    // Adopting needs this node's own membership (the transaction is fenced by it).
    if (!this.d.membership.isServing()) return 0;
    let finished = await this.runAdopted();
    const now = (this.d.now ?? Date.now)();
    const all = (await this.d.metadata.orphanedJournal()).filter(
      (e) => e.value.node !== this.d.instanceId,
    );
    const gone = new Set(all.map((e) => e.value.node));
    for (const node of this.goneSince.keys()) if (!gone.has(node)) this.goneSince.delete(node);
    for (const node of gone) if (!this.goneSince.has(node)) this.goneSince.set(node, now);
    this.noteLeftBehind(all, now);
    const orphans = all.filter((e) => e.value.type === MOVE_DIR);
    if (orphans.length === 0) return finished;
    const live = (await this.d.membership.listNodes()).map((n) => n.instance_id).sort();
    const rank = live.indexOf(this.d.instanceId);
    if (rank < 0) return finished;
    const due = this.d.graceMs * (1 + rank);
    for (const entry of orphans) {
      if (this.passes.stopped) break;
      if (now - this.goneSince.get(entry.value.node)! < due) continue;
      const mine = await this.d.metadata.adoptJournal(entry);
      if (!mine) continue;
      this.d.onAdopted?.(mine);
      this.adopted.set(mine.id, mine);
      finished += await this.runOne(mine);
    }
    return finished;
  }

  /**
   * The entries of nodes gone for longer than the grace period that no node takes over: they
   * wait for their node, which may never return, so an operator hears of each once (and the
   * composition root counts them) to remove them once the node is decommissioned.
   */
  private noteLeftBehind(orphans: readonly JournalEntry[], now: number): void {
    const left = orphans.filter(
      (e) => e.value.type !== MOVE_DIR && now - this.goneSince.get(e.value.node)! >= this.d.graceMs,
    );
    const known = this.leftBehind;
    this.leftBehind = new Map(left.map((e) => [e.id, e]));
    for (const e of left) if (!known.has(e.id)) this.d.onLeftBehind?.(e);
  }

  /** Runs again the adopted jobs an earlier pass could not finish, while they are still ours. */
  private async runAdopted(): Promise<number> {
    if (this.adopted.size === 0) return 0;
    // Run as stored now: a run that waits for disk steps journals them with the job.
    const ours = new Map(
      (await this.d.metadata.journal(this.d.instanceId)).entries.map((e) => [e.id, e]),
    );
    let finished = 0;
    for (const id of [...this.adopted.keys()]) {
      if (this.passes.stopped) break;
      const entry = ours.get(id);
      if (!entry) this.adopted.delete(id);
      else finished += await this.runOne(entry);
    }
    return finished;
  }

  private async runOne(entry: JournalEntry): Promise<number> {
    try {
      if (!(await this.d.run(entry))) return 0;
      this.adopted.delete(entry.id);
      return 1;
    } catch (err) {
      this.d.warn?.(`adopted move of ${String(entry.value.from)} not finished yet`, err);
      return 0;
    }
  }
}
