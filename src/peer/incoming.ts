// Reads a client stream of a gRPC handler (Write, StageFile) message by message, bounded by
// idleness: a caller that sends nothing for `idleMs` while the handler waits for its next
// message fails the call. The handler's own work (disk, commit) is not timed: the bound runs
// only while a message is awaited.
import type { Readable } from 'node:stream';
import { BadRequestError } from '../files/errors.js';

export interface Incoming<T> {
  /** The next message, or undefined once the caller half-closed. */
  next(): Promise<T | undefined>;
}

export function incoming<T>(call: Readable, idleMs: number, what: string): Incoming<T> {
  // The default async iterator destroys the call when the caller half-closes, and a destroyed
  // grpc-js call can no longer send its status: the caller would wait for ever for the answer.
  const messages = call.iterator({ destroyOnReturn: false }) as AsyncIterator<T>;
  return {
    next: async () => {
      const pending = messages.next();
      let timer: NodeJS.Timeout | undefined;
      const idle = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new BadRequestError(`${what} sent nothing for ${idleMs} ms`)),
          idleMs,
        );
      });
      try {
        const r = await Promise.race([pending, idle]);
        return r.done ? undefined : r.value;
      } catch (err) {
        // The read still pending settles when the call ends; nobody awaits it any more.
        pending.catch(() => undefined);
        throw err;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
