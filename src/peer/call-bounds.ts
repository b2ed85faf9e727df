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

/**
 * The requests of one stream that are each due within `ms` of their start, watched by one
 * timer for all of them rather than one per request: it looks every quarter of `ms`, so a
 * request is found overdue between `ms` and 1.25 × `ms` after it started. Keys are taken in the
 * order they were added, which is the order of their deadlines. Like `cutUnlessAnswered`, the
 * verdict waits one more turn of the event loop, for answers already sitting in the socket.
 */
export class Overdue<K> {
  private readonly since = new Map<K, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ms: number,
    private readonly onOverdue: (key: K) => void,
  ) {}

  get size(): number {
    return this.since.size;
  }

  add(key: K): void {
    this.since.set(key, Date.now());
    if (!this.timer) {
      this.timer = setInterval(() => this.check(), Math.max(5, Math.floor(this.ms / 4)));
      this.timer.unref();
    }
  }

  /** Stops watching `key`; false when it was not watched (already overdue, or never added). */
  delete(key: K): boolean {
    return this.since.delete(key);
  }

  /** Stops watching every key. */
  clear(): void {
    this.since.clear();
    this.stop();
  }

  private stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private check(): void {
    if (this.since.size === 0) {
      this.stop();
      return;
    }
    const due = Date.now() - this.ms;
    const late: K[] = [];
    for (const [key, at] of this.since) {
      if (at > due) break;
      late.push(key);
    }
    if (late.length === 0) return;
    setImmediate(() => {
      for (const key of late) if (this.since.delete(key)) this.onOverdue(key);
    });
  }
}
