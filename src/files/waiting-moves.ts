// This node's directory moves whose namespace moved but whose source stays `moving` until every
// owning node has done its disk step (an owner the coordinator could not reach does it from its
// own sweep, later): each pass runs them again, and the run that finds every step done releases
// the source and clears the job (move-dir.ts). The composition root runs a pass now and then.
import { MOVE_DIR } from './move-dir.js';
import type { JournalEntry, Membership, Metadata } from './ports.js';
import { SerialPasses } from './serial-passes.js';

export interface WaitingMovesDeps {
  instanceId: string;
  metadata: Pick<Metadata, 'journal'>;
  membership: Pick<Membership, 'isServing'>;
  /** Runs one journaled job (the service's recovery); `finished` counts it done. */
  run(entry: JournalEntry): Promise<{ finished: number }>;
  /** Jobs not to run here: set aside, or running in this process already. */
  skip(entry: JournalEntry): boolean;
  warn?: (message: string, err: unknown) => void;
}

export class WaitingMoves {
  private readonly passes = new SerialPasses(() => this.pass());
  private waiting = 0;

  constructor(private readonly d: WaitingMovesDeps) {}

  /** One pass (joined if one runs); resolves to the moves it finished. */
  run(): Promise<number> {
    return this.passes.run();
  }

  /** No new pass; waits for the running one (shutdown). */
  stop(): Promise<void> {
    return this.passes.stop();
  }

  /**
   * The moves still waiting for an owner's disk step as the last pass left them (0 before the
   * first): an operator's signal that an owning node has not done its part, and that creates
   * under the moves' sources answer 503 meanwhile.
   */
  count(): number {
    return this.waiting;
  }

  private async pass(): Promise<number> {
    // The jobs run fenced transactions: they need this node's membership.
    if (!this.d.membership.isServing()) return 0;
    const { entries } = await this.d.metadata.journal(this.d.instanceId);
    const waiting = entries.filter(
      (e) => e.value.type === MOVE_DIR && Array.isArray(e.value.disk_steps),
    );
    let finished = 0;
    for (const entry of waiting) {
      if (this.passes.stopped) break;
      if (this.d.skip(entry)) continue;
      try {
        finished += (await this.d.run(entry)).finished;
      } catch (err) {
        this.d.warn?.(`the move of ${String(entry.value.from)} is not finished yet`, err);
      }
    }
    this.waiting = waiting.length - finished;
    return finished;
  }
}
