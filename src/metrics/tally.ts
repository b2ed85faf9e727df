// A prom-client Counter whose increments are tallied in a Map and handed to it when the
// registry is read (its `collect`). A labelled `inc` hashes and validates its label object on
// every call; the edge and the instrumented ports count several times per request, and a map
// hit on the joined label values costs a fraction of that. Label sets are bounded (see
// metrics.ts), so the map is too; scrapes see every increment made before them.
import { Counter, type Registry } from 'prom-client';

interface Pending {
  values: readonly string[];
  count: number;
}

export class TalliedCounter<L extends string> {
  private readonly pending = new Map<string, Pending>();
  private readonly counter: Counter<L>;

  constructor(
    private readonly labelNames: readonly L[],
    config: { name: string; help: string; registers: Registry[] },
  ) {
    const flush = (): void => this.flush();
    this.counter = new Counter({
      ...config,
      labelNames,
      collect() {
        flush();
      },
    });
  }

  /** Counts one, under label values in `labelNames` order. */
  inc(...values: string[]): void {
    const key = values.join('\u0000');
    const hit = this.pending.get(key);
    if (hit) hit.count++;
    else this.pending.set(key, { values, count: 1 });
  }

  private flush(): void {
    for (const p of this.pending.values()) {
      if (p.count === 0) continue;
      const labels = {} as Record<L, string>;
      this.labelNames.forEach((name, i) => (labels[name] = p.values[i] as string));
      this.counter.inc(labels, p.count);
      p.count = 0;
    }
  }
}
