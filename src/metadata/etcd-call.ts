// How the etcd adapter talks to etcd: every unary call carries a gRPC deadline so a hung or
// paused etcd fails the request fast instead of holding it, and every etcd3 failure is
// translated once into a domain error (unreachable → METADATA_UNAVAILABLE, a lease etcd no
// longer knows → NODE_NOT_SERVING, a read at a compacted revision → CURSOR_EXPIRED, at a
// future one → BAD_REQUEST, anything else → INTERNAL_ERROR with the cause kept).
import {
  ClientClosedError,
  EtcdLeaseInvalidError,
  GRPCDeadlineExceededError,
  GRPCUnavailableError,
  Etcd3,
  type IOptions,
  type IRangeRequest,
  type IRangeResponse,
  type ITxnRequest,
  isRecoverableError,
} from 'etcd3';
import {
  BadRequestError,
  CallfsError,
  CursorExpiredError,
  InternalError,
  MetadataUnavailableError,
  NodeNotServingError,
} from '../files/errors.js';

/** Structured logger, pino-compatible (`logger.warn({ err }, 'message')`). */
export interface MetadataLogger {
  info(fields: Record<string, unknown>, msg: string): void;
  warn(fields: Record<string, unknown>, msg: string): void;
  error(fields: Record<string, unknown>, msg: string): void;
}

export const silentLogger: MetadataLogger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** gRPC call options with an absolute deadline; etcd3's retries share it, so they cannot extend it. */
export function callOptions(timeoutMs: number): { deadline: number } {
  return { deadline: Date.now() + timeoutMs };
}

function isUnreachable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (
    err instanceof GRPCUnavailableError ||
    err instanceof GRPCDeadlineExceededError ||
    err instanceof ClientClosedError ||
    isRecoverableError(err)
  ) {
    return true;
  }
  // etcd3's per-host circuit breaker (cockatiel) rejects without calling etcd after repeated
  // failures; it is the same outage seen from the client.
  if ((err as { isBrokenCircuitError?: boolean }).isBrokenCircuitError === true) return true;
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'ETIMEDOUT';
}

/** A range read of `client` within `timeoutMs`; its failure is the domain error for `what`. */
export async function rangeWithin(
  client: Etcd3,
  timeoutMs: number,
  req: IRangeRequest,
  what: string,
): Promise<IRangeResponse> {
  try {
    return await client.kv.range(req, callOptions(timeoutMs));
  } catch (err) {
    throw mapEtcdError(err, what);
  }
}

export function mapEtcdError(err: unknown, what: string): CallfsError {
  if (err instanceof CallfsError) return err;
  if (err instanceof EtcdLeaseInvalidError) {
    return new NodeNotServingError(`${what}: this node's membership lease is gone`, { cause: err });
  }
  // Reads at a revision (listing cursors): etcd answers OUT_OF_RANGE with these messages.
  const message = err instanceof Error ? err.message : '';
  if (message.includes('required revision has been compacted')) {
    return new CursorExpiredError(`${what}: the revision has been compacted`, { cause: err });
  }
  if (message.includes('required revision is a future revision')) {
    return new BadRequestError(`${what}: the revision is in the future`, { cause: err });
  }
  if (isUnreachable(err)) {
    return new MetadataUnavailableError(`${what}: etcd is unavailable`, { cause: err });
  }
  return new InternalError(`${what}: etcd request failed`, { cause: err });
}

type FaultHandling = NonNullable<IOptions['faultHandling']>;
type Policy = ReturnType<NonNullable<FaultHandling['host']>>;

/** Consecutive failures of one etcd host after which calls skip it for a moment. */
const HOST_FAILURES_TO_OPEN = 3;
/**
 * How long a failing host is skipped. etcd3's default breaker skips it for 5 s, so a node kept
 * answering METADATA_UNAVAILABLE for seconds after etcd came back; a short pause still spares a
 * dead member of a cluster most calls, and the next call after it probes the host again.
 */
export const HOST_HALF_OPEN_MS = 200;

/** Rejects a call without sending it: the host failed repeatedly just now. */
class HostCoolingDownError extends Error {
  readonly isBrokenCircuitError = true;
}

/**
 * The signal a breaker hands a call it was given none for. etcd3's calls ignore it, so one
 * that never aborts serves them all instead of a new AbortController per etcd request.
 */
const NEVER_ABORTED = new AbortController().signal;

function noEvent(): { dispose(): void } {
  return { dispose: () => undefined };
}

/** A per-host circuit breaker that opens for HOST_HALF_OPEN_MS after a run of failures. */
function shortBreaker(host: string): Policy {
  let failures = 0;
  let openUntil = 0;
  const policy = {
    onSuccess: noEvent,
    onFailure: noEvent,
    async execute<T>(
      fn: (context: { signal: AbortSignal }) => PromiseLike<T> | T,
      signal?: AbortSignal,
    ): Promise<T> {
      if (Date.now() < openUntil) throw new HostCoolingDownError(`etcd host ${host} is failing`);
      try {
        const result = await fn({ signal: signal ?? NEVER_ABORTED });
        failures = 0;
        return result;
      } catch (err) {
        if (err instanceof Error && isRecoverableError(err)) {
          failures += 1;
          if (failures >= HOST_FAILURES_TO_OPEN) openUntil = Date.now() + HOST_HALF_OPEN_MS;
        }
        throw err;
      }
    },
  };
  return policy as unknown as Policy;
}

/**
 * Set while an etcd request that changes something is handed to the client (`once`). The
 * client calls its global policy synchronously from the request method (etcd3 1.1's
 * ConnectionPool.exec; test/unit/metadata/etcd-retry.test.ts holds it to that), so the policy
 * reads the flag as the request starts.
 */
let changing = false;

/**
 * Runs `request`, an etcd request that changes something (a transaction with puts or deletes,
 * a put, a delete), without the client's resend of a request whose fate is unknown. etcd3
 * retries every "recoverable" failure (UNAVAILABLE, INTERNAL, CANCELLED) by sending the request
 * again, but etcd answers UNAVAILABLE also for a request it may still apply ("leader changed",
 * "request timed out", a connection dropped after sending): a resent create then fails its own
 * compare and answers 409 for a file that etcd names, and the writer drops its bytes. A
 * request the client never sent (no connection to the host) is still tried again; any other
 * failure reaches the caller, whose unanswered-commit handling decides (write-commits.ts).
 */
export function once<T>(request: () => Promise<T>): Promise<T> {
  changing = true;
  try {
    return request();
  } finally {
    changing = false;
  }
}

/** Whether a transaction changes something (a put or a delete in either branch). */
export function changes(req: ITxnRequest): boolean {
  const ops = [...(req.success ?? []), ...(req.failure ?? [])];
  return ops.some((op) => op.request_put || op.request_delete_range || op.request_txn);
}

/** A failure that says the request never left this process (no connection to the host). */
export function neverSent(err: unknown): boolean {
  return (
    err instanceof Error &&
    /No connection established|ECONNREFUSED|failed to connect|Name resolution failed/i.test(
      err.message,
    )
  );
}

/** Tries of a request after its first, as etcd3's default global policy allows. */
const RETRIES = 3;

/**
 * The client's global policy: etcd3's default (up to three more tries of a recoverable
 * failure, at once), except that a request sent under `once` is tried again only when it
 * was never sent.
 */
export function retryUnlessChanging(): Policy {
  const policy = {
    onSuccess: noEvent,
    onFailure: noEvent,
    onRetry: noEvent,
    onGiveUp: noEvent,
    async execute<T>(
      fn: (context: { signal: AbortSignal; attempt: number }) => PromiseLike<T> | T,
      signal?: AbortSignal,
    ): Promise<T> {
      const changes = changing;
      for (let attempt = 0; ; attempt++) {
        try {
          return await fn({ signal: signal ?? NEVER_ABORTED, attempt });
        } catch (err) {
          const again =
            attempt < RETRIES &&
            err instanceof Error &&
            isRecoverableError(err) &&
            (!changes || neverSent(err));
          if (!again) throw err;
        }
      }
    },
  };
  return policy as unknown as Policy;
}

/**
 * The etcd3 client's fault handling: retries that never resend a change whose fate is unknown
 * (`once`), and a per-host breaker that lets a resumed etcd serve within HOST_HALF_OPEN_MS
 * instead of five seconds.
 */
export function etcdFaultHandling(): FaultHandling {
  return { host: shortBreaker, global: retryUnlessChanging() };
}

/**
 * The one way an etcd client is made: every request, the authentication's included, has a
 * deadline, and faults are handled as above.
 */
export function etcdClient(
  endpoints: string | string[],
  timeoutMs: number,
  auth?: { username: string; password: string },
): Etcd3 {
  return new Etcd3({
    hosts: endpoints,
    dialTimeout: timeoutMs,
    faultHandling: etcdFaultHandling(),
    ...(auth ? { auth: { ...auth, callOptions: () => callOptions(timeoutMs) } } : {}),
  });
}

/** A sleep that `cancelAll()` cuts short, and that never keeps the process alive. */
export class Sleeper {
  private readonly wakers = new Set<() => void>();

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      timer.unref();
      this.wakers.add(done);
    });
  }

  cancelAll(): void {
    for (const wake of [...this.wakers]) wake();
  }
}
