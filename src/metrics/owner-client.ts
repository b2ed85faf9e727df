// OwnerClient instrumented for metrics: the latency of every call to the owner of a path on
// another node, by operation and outcome (`ok` or the error code, e.g. OWNER_UNAVAILABLE).
// `read` and `open_write` are timed to the owner's first answer (header / Ready), a `read` of
// at most 64 KiB to its whole body (gathered before the read returns); `write` is a write
// session's upload and commit.
import type { OwnerClient, WriteSession } from '../files/ports.js';
import type { Metrics } from './metrics.js';
import { timeMethods } from './timing.js';

export function instrumentOwnerClient<T extends OwnerClient>(owners: T, metrics: Metrics): T {
  const observe = metrics.proxyRequest.bind(metrics);
  return timeMethods(owners, {
    observe,
    onResult: (operation, value) =>
      operation === 'open_write'
        ? timeMethods(value as WriteSession, { observe, except: new Set(['abort']) })
        : value,
  });
}
