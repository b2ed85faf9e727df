// How long a call to another node may wait: for the callee to accept it, and for bytes to flow.
import type * as grpc from '@grpc/grpc-js';
import { OwnerUnavailableError } from '../files/errors.js';
import type { NodeRecord } from '../files/ports.js';
import type { StallBound } from './chunks.js';

/**
 * Runs `cut` once `ms` have passed, unless the returned stop is called first.
 *
 * The verdict waits one more turn of the event loop. libuv runs due timers before it reads the
 * sockets, so after this process was stalled past `ms` (a busy machine, a long GC) the timer
 * comes first even when the answer it waits for already sits unread in a socket; a
 * `setImmediate` runs after that read. A peer that truly never answered is still cut within
 * about `ms`.
 */
export function cutUnlessAnswered(ms: number, cut: () => void): () => void {
  let verdict: NodeJS.Immediate | undefined;
  const timer = setTimeout(() => {
    verdict = setImmediate(cut);
  }, ms);
  return () => {
    clearTimeout(timer);
    if (verdict) clearImmediate(verdict);
  };
}

/**
 * Cancels `call` unless the callee sends its response headers within `readyMs` (see
 * `cutUnlessAnswered`); returns what stops the watch once the call has ended.
 */
export function untilAccepted(call: grpc.Call, readyMs: number): () => void {
  const stop = cutUnlessAnswered(readyMs, () => call.cancel());
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
