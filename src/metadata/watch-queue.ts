// The hand-over between a store's watch callbacks and the feed's consumer: batches are pushed
// as they arrive and pulled with `for await`; a failure is delivered after what came before
// it; ending (abort, or the consumer leaving the loop) runs the release step exactly once, so
// the store's watcher never outlives its reader.
import type { ChangeBatch } from '../files/change-feed.js';

export class WatchQueue {
  private readonly items: ChangeBatch[] = [];
  private failure: Error | null = null;
  private ended = false;
  private wake: (() => void) | null = null;
  private released = false;

  constructor(
    private readonly release: () => void,
    signal: AbortSignal,
  ) {
    if (signal.aborted) this.end();
    else signal.addEventListener('abort', () => this.end(), { once: true });
  }

  push(batches: ChangeBatch[]): void {
    if (this.ended || batches.length === 0) return;
    this.items.push(...batches);
    this.notify();
  }

  fail(err: Error): void {
    if (this.ended) return;
    this.failure = err;
    this.end();
  }

  end(): void {
    this.ended = true;
    if (!this.released) {
      this.released = true;
      this.release();
    }
    this.notify();
  }

  private notify(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<ChangeBatch> {
    try {
      for (;;) {
        const next = this.items.shift();
        if (next) {
          yield next;
          continue;
        }
        if (this.failure) throw this.failure;
        if (this.ended) return;
        await new Promise<void>((resolve) => (this.wake = resolve));
      }
    } finally {
      this.end();
    }
  }
}
