// How long a call to another node may wait: for the callee to accept it, and for bytes to flow.
import type * as grpc from '@grpc/grpc-js';
import { OwnerUnavailableError } from '../files/errors.js';
import type { NodeRecord } from '../files/ports.js';
import type { StallBound } from './chunks.js';

/** Cancels `call` unless the callee sends its response headers within `readyMs`. */
export function untilAccepted(call: grpc.Call, readyMs: number): NodeJS.Timeout {
  const timer = setTimeout(() => call.cancel(), readyMs);
  call.once('metadata', () => clearTimeout(timer));
  return timer;
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
