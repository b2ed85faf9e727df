// The process logger: pino, JSON by default (one object per line, for log shippers) or
// pino-pretty's single-line text for terminals. Secrets never reach it: authorization values
// are redacted and no code logs keys.
import { createRequire } from 'node:module';
import { pino, type DestinationStream, type Logger } from 'pino';
import type Pretty from 'pino-pretty';

// pino-pretty is loaded only by a node that logs text: one logging JSON (the default, and what
// production runs) does not hold it in memory.
const require = createRequire(import.meta.url);

/** `destination` defaults to stdout (tests pass a stream to read the lines). */
export function createLogger(
  options: { level: string; format: 'json' | 'text' },
  destination?: DestinationStream,
): Logger {
  const base = {
    level: options.level,
    redact: ['authorization', '*.authorization', '*.headers.authorization'],
  };
  if (options.format === 'json') return destination ? pino(base, destination) : pino(base);
  const pretty = require('pino-pretty') as typeof Pretty;
  return pino(base, pretty({ colorize: false, singleLine: true, sync: true, destination }));
}
