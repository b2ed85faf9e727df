// Per-client rate limits for the HTTP edge: one token bucket per client key, in memory on each
// node (a client spreading requests over N nodes gets N times the rate; the limits protect each
// node and etcd, they are not a cluster-wide quota). The bucket map is bounded: it is kept in
// least-recently-used order and the longest-idle clients are dropped beyond `maxClients`
// (a dropped client merely starts again with a full bucket).
import type { Context, MiddlewareHandler } from 'hono';
import { RateLimitError } from '../files/errors.js';
import type { EdgeEnv } from './request.js';

export interface RateLimitOptions {
  /** Sustained requests per second per client. */
  ratePerSecond: number;
  /** Requests a client may make at once after being idle. */
  burst: number;
  /** Most clients tracked at once (default 10 000). */
  maxClients?: number;
  /** Milliseconds on a monotonic clock (default performance.now). */
  now?: () => number;
}

interface Bucket {
  tokens: number;
  /** When `tokens` was last brought up to date (ms). */
  at: number;
}

export const DEFAULT_MAX_CLIENTS = 10_000;

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;
  private readonly burst: number;
  private readonly maxClients: number;
  private readonly now: () => number;

  constructor(o: RateLimitOptions) {
    if (!(o.ratePerSecond > 0) || !(o.burst >= 1)) {
      throw new RangeError('a rate limit needs ratePerSecond > 0 and burst >= 1');
    }
    this.perMs = o.ratePerSecond / 1000;
    this.burst = o.burst;
    this.maxClients = Math.max(1, o.maxClients ?? DEFAULT_MAX_CLIENTS);
    // Monotonic: a wall-clock step backwards must not drain or overfill buckets.
    this.now = o.now ?? (() => performance.now());
  }

  /** Takes one token from the client's bucket; false when it is empty. */
  take(client: string): boolean {
    const now = this.now();
    const old = this.buckets.get(client);
    const bucket: Bucket = old
      ? { tokens: Math.min(this.burst, old.tokens + (now - old.at) * this.perMs), at: now }
      : { tokens: this.burst, at: now };
    const allowed = bucket.tokens >= 1;
    if (allowed) bucket.tokens -= 1;
    // Re-inserting moves the client to the young end of the map's insertion order.
    this.buckets.delete(client);
    this.buckets.set(client, bucket);
    if (this.buckets.size > this.maxClients) {
      const oldest = this.buckets.keys().next().value as string;
      this.buckets.delete(oldest);
    }
    return allowed;
  }

  /** Clients currently tracked. */
  get size(): number {
    return this.buckets.size;
  }
}

/** Refuses a request with 429 RATE_LIMIT_EXCEEDED when its client's bucket is empty. */
export function rateLimit(
  buckets: TokenBuckets,
  clientOf: (c: Context<EdgeEnv>) => string,
): MiddlewareHandler<EdgeEnv> {
  return async (c, next) => {
    if (!buckets.take(clientOf(c))) {
      throw new RateLimitError('too many requests; retry later');
    }
    await next();
  };
}

/** The client's address as the socket reports it (never a header a client can forge). */
export function socketAddress(c: Context<EdgeEnv>): string {
  return c.env?.incoming?.socket?.remoteAddress ?? 'unknown';
}
