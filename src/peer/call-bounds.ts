// How long a call to another node may wait: for the callee to accept it, and for bytes to flow.
import type * as grpc from '@grpc/grpc-js';
import { OwnerUnavailableError } from '../files/errors.js';
import type { NodeRecord } from '../files/ports.js';
import type { StallBound } from './chunks.js';

/**
 * Cancels `call` unless the callee sends its response headers within `readyMs`; returns what
 * stops the watch once the call has ended.
 *
 * The verdict waits one more turn of the event loop. libuv runs due timers before it reads the
 * sockets, so after this process was stalled past `readyMs` (a busy machine, a long GC) the
 * timer comes first even when the callee's headers already sit unread in the socket; a
 * `setImmediate` runs after that read. A callee that truly never answered is still cut within
 * about `readyMs`.
 */
export function untilAccepted(call: grpc.Call, readyMs: number): () => void {
  let verdict: NodeJS.Immediate | undefined;
  const timer = setTimeout(() => {
    verdict = setImmediate(() => call.cancel());
  }, readyMs);
  const stop = (): void => {
    clearTimeout(timer);
    if (verdict) clearImmediate(verdict);
  };
  call.once('metadata', stop);
  return stop;
}

/** The progress bound of a stream carrying bytes to `node`: no bytes taken for `ms`. */
export function stallBound(ms: number, node: NodeRecord): StallBound {
  return {
    ms,
    error: () =>
      new OwnerUnavailableError(
        node.instance_id,
        `node ${node.instance_id} took no bytes for ${ms} ms`,
      ),
  };
}
