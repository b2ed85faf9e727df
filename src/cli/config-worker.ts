// The worker half of config-apart.ts: loads and checks the configuration (YAML, zod, the
// environment overrides) and posts the outcome to the thread that started it.
import { parentPort, workerData } from 'node:worker_threads';
import { ConfigError, loadConfig } from '../config/index.js';
import type { ConfigOutcome } from './config-apart.js';

const { file } = workerData as { file: string | undefined };
let outcome: ConfigOutcome;
try {
  outcome = { loaded: loadConfig({ file }) };
} catch (err) {
  outcome =
    err instanceof ConfigError
      ? { invalid: err.message }
      : { failed: err instanceof Error ? (err.stack ?? err.message) : String(err) };
}
parentPort?.postMessage(outcome);
