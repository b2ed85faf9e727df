// The server's configuration, loaded and checked in a worker thread that exits once done. The
// YAML parser and zod, with the schema built on it, stay in memory for good once a thread has
// imported them (an ES module is never unloaded), for work done once at start. The worker's
// heap goes with it; the node gets the checked configuration as plain data (structured clone).
// A fresh node's RSS 10 s after start: 81-87 MB (5 starts) instead of 85-92. The commands that run and exit (fsck, drain, import) load
// it in their own thread (config-file.ts), where memory does not last.
import { Worker } from 'node:worker_threads';
import type { LoadedConfig } from '../config/parse.js';
import { reportInvalidConfig } from './config-report.js';

/** What the worker posts: the configuration, or why there is none. */
export type ConfigOutcome = { loaded: LoadedConfig } | { invalid: string } | { failed: string };

/** Loads `file` in a worker thread; undefined after saying on stderr what is wrong with it. */
export async function loadConfigApart(file: string | undefined): Promise<LoadedConfig | undefined> {
  // Run from src/ through tsx (development, tests), a worker would not have tsx's loader: the
  // configuration is loaded in this thread, as the other commands do.
  if (import.meta.url.endsWith('.ts')) {
    const { loadConfigOrReport } = await import('./config-file.js');
    return loadConfigOrReport(file);
  }
  const worker = new Worker(new URL('./config-worker.js', import.meta.url), {
    workerData: { file },
  });
  const outcome = await new Promise<ConfigOutcome>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the configuration worker exited (${code})`)));
  });
  await worker.terminate();
  if ('loaded' in outcome) return outcome.loaded;
  if ('invalid' in outcome) {
    reportInvalidConfig(outcome.invalid);
    return undefined;
  }
  throw new Error(`loading the configuration failed: ${outcome.failed}`);
}
