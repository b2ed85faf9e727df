// Start-up recovery (the storage journal, interrupted moves) reads and writes etcd before the
// node serves. On a loaded machine one of those requests can miss its deadline; failing the
// whole start for it would leave the node down until something restarts it, while running
// the step again is exactly what a restart would do (every recovery step is idempotent: it
// acts on journals that stay until the step is done). So a step that fails with
// METADATA_UNAVAILABLE is tried again a few times, with growing pauses, before the start fails.
import { MetadataUnavailableError } from './errors.js';

export interface StartupRetryOptions {
  /** Attempts in all, the first included (default 5). */
  attempts?: number;
  /** The pause after the first failure, doubled after each next one (default 500 ms). */
  firstDelayMs?: number;
  onRetry?: (err: MetadataUnavailableError, attempt: number, delayMs: number) => void;
  sleep?: (ms: number) => Promise<void>;
}

export async function retryWhileMetadataUnavailable<T>(
  step: () => Promise<T>,
  o: StartupRetryOptions = {},
): Promise<T> {
  const attempts = o.attempts ?? 5;
  const sleep = o.sleep ?? ((ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let delay = o.firstDelayMs ?? 500;
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (err) {
      if (!(err instanceof MetadataUnavailableError) || attempt >= attempts) throw err;
      o.onRetry?.(err, attempt, delay);
      await sleep(delay);
      delay *= 2;
    }
  }
}
