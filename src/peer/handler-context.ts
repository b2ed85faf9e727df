// What every handler of the peer server does with its call: authenticate it and name its caller
// (the internal secret may act for the original user), follow the caller's cancel, accept the
// call before its work, and answer its result or its error, mapped once to gRPC.
import type { EventEmitter } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import { callerFor, type Authenticator } from '../auth/api-keys.js';
import type { ChangeFeed } from '../files/change-feed.js';
import { canonicalize } from '../files/paths.js';
import type { CallContext, FilesApi } from '../files/ports.js';
import { MD } from './proto.js';
import { toGrpcStatus } from './status-map.js';

/** What the handlers of both services need. */
export interface PeerHandlerOptions {
  files: FilesApi;
  auth: Authenticator;
  chunkSize: number;
  /** A Write or StageFile whose caller sends nothing for this long is ended. */
  writeIdleTimeoutMs: number;
  /** The change feed served by `Watch` (UNIMPLEMENTED without it). */
  feed?: ChangeFeed;
  /**
   * A Read whose first answer is not ready this long after the call came (it waits for a
   * write of the path to commit, a slow disk or bucket) sends its response headers first, so
   * its caller's ready bound, which its headers answer, is not spent on that wait. Default
   * 500 ms, a third of `peer.ready_timeout_ms`'s default.
   */
  readAcceptAfterMs?: number;
}

export function first(md: grpc.Metadata, key: string): string | undefined {
  const v = md.get(key)[0];
  return v === undefined ? undefined : String(v);
}

/** Authenticates a call; the caller named in metadata is trusted only with the internal secret. */
export function contextOf(
  auth: Authenticator,
  md: grpc.Metadata,
  signal?: AbortSignal,
): CallContext {
  const authorization = first(md, 'authorization');
  if (auth.isInternal(authorization)) {
    const user = first(md, MD.user);
    return {
      caller: user ? callerFor(user) : auth.authenticate(authorization),
      forwarded: first(md, MD.forwarded) === '1',
      signal,
    };
  }
  return { caller: auth.authenticate(authorization), forwarded: false, signal };
}

/**
 * The signal of a caller's cancel, to be released once the handler is done: grpc-js emits
 * 'cancelled' when any call's stream closes, finished or not, and a finished call has nothing
 * to cancel (the abort would cost an Error and an event per call).
 */
export function callCancellation(call: EventEmitter): { signal: AbortSignal; release: () => void } {
  const ac = new AbortController();
  const onCancel = (): void => ac.abort(new Error('call cancelled'));
  call.once('cancelled', onCancel);
  return { signal: ac.signal, release: () => void call.off('cancelled', onCancel) };
}

/** The signal of a caller's cancel, for handlers that hold no listener worth releasing. */
export const cancelSignal = (call: EventEmitter): AbortSignal => callCancellation(call).signal;

export const path = (p: string): string => canonicalize(p).path;

/**
 * Answers the response headers at once, before any work. Every call that changes state does so
 * (Delete, Mkdir, Move, StageFile, FinishStaged, ApplyMove): its caller waits
 * `ready_timeout_ms` for these headers (a hung node is noticed fast), and after them only for
 * as long as keepalive shows this node alive, never for a total deadline. A node that is slow
 * (a loaded machine, a large file to move) thus finishes the work and says so, instead of
 * doing it while its caller answers 503.
 */
export function accepted(call: { sendMetadata(md: grpc.Metadata): void }): void {
  call.sendMetadata(new grpc.Metadata());
}

/** Runs a unary handler's work and answers its result, or its error mapped once to gRPC. */
export function answer<T>(work: () => Promise<T>, cb: grpc.sendUnaryData<T>): void {
  work().then(
    (r) => cb(null, r),
    (err: unknown) => cb(toGrpcStatus(err) as grpc.ServiceError),
  );
}
