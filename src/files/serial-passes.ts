// The shape of this node's background sweeps (disk-steps.ts, journal-adoption.ts): a pass asked
// for while one runs joins it, so a pass outlasting the sweep interval is not started twice; and
// once stopped, no pass starts and stop waits for the one running.
export class SerialPasses {
  private running: Promise<number> | undefined;
  private halted = false;

  constructor(private readonly pass: () => Promise<number>) {}

  /** True once stop was called: a pass checks it between its steps to end early. */
  get stopped(): boolean {
    return this.halted;
  }

  /** Runs a pass, or joins the one running; resolves with what it counted (0 once stopped). */
  run(): Promise<number> {
    if (this.halted) return Promise.resolve(0);
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  /** No pass starts from now on; resolves once the one running has ended. */
  async stop(): Promise<void> {
    this.halted = true;
    await this.running?.catch(() => undefined);
  }
}
