// Redirect tokens (API.md, "Redirects to the owning node"): a node that does not own a file may
// answer a bulk client's GET or PUT with 307 to the owner's advertised URL, carrying a token that
// the owner accepts instead of the API key. The token is sealed with HMAC-SHA256 under a key
// derived from the cluster's internal secret (HKDF with its own label, so it can never double as a
// listing cursor or the secret itself) and binds everything the owner must not take on trust:
// the method, the canonical path, the caller (whose permissions still apply), the owner it was
// issued for, the file's identity (the store revision that created it, so a later namesake is
// not covered) and an expiry. The owner accepts each token once: it remembers the tokens it took
// until they expire, a set bounded by what can be issued in one lifetime.
import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { AuthenticationError } from '../files/errors.js';

/** How long a token is good for: enough to follow a redirect, too short to share. */
export const REDIRECT_TOKEN_TTL_MS = 30_000;
/** Tokens remembered as used at once; beyond it the node refuses tokens until some expire. */
const MAX_REMEMBERED = 100_000;
const MAC_CHARS = 43;
const SHAPE = /^([A-Za-z0-9_-]{1,8192})\.([A-Za-z0-9_-]{43})$/;

export type RedirectMethod = 'GET' | 'PUT';

export interface RedirectGrant {
  method: RedirectMethod;
  /** Canonical path. */
  path: string;
  user: string;
  /** The node that must serve it. */
  instanceId: string;
  /** The file's identity: the store revision that created its inode. */
  created: string;
}

interface Payload {
  m: RedirectMethod;
  p: string;
  u: string;
  i: string;
  c: string;
  /** Expiry, Unix ms. */
  e: number;
  /** Makes every token distinct, so "used once" means this token. */
  n: string;
}

/** The redirect-token key of a cluster, from the internal secret every node shares. */
export function deriveRedirectKey(internalSecret: string): Buffer {
  return Buffer.from(
    hkdfSync('sha256', internalSecret, 'callfs', 'callfs/v1 owner redirect token', 32),
  );
}

export class RedirectTokens {
  private readonly used = new Map<string, number>();

  constructor(
    private readonly o: {
      key: Buffer;
      /** This node: a token is accepted only by the node it names. */
      instanceId: string;
      ttlMs?: number;
      now?: () => number;
    },
  ) {}

  private now(): number {
    return this.o.now?.() ?? Date.now();
  }

  private mac(payload: string): string {
    return createHmac('sha256', this.o.key).update(payload).digest('base64url').slice(0, MAC_CHARS);
  }

  issue(grant: RedirectGrant): string {
    const body: Payload = {
      m: grant.method,
      p: grant.path,
      u: grant.user,
      i: grant.instanceId,
      c: grant.created,
      e: this.now() + (this.o.ttlMs ?? REDIRECT_TOKEN_TTL_MS),
      n: randomBytes(9).toString('base64url'),
    };
    const payload = Buffer.from(JSON.stringify(body)).toString('base64url');
    return `${payload}.${this.mac(payload)}`;
  }

  /**
   * The grant of a genuine, unexpired, unused token for this node, method and path; the token
   * counts as used from now on. AuthenticationError for anything else.
   */
  accept(token: string, method: RedirectMethod, path: string): RedirectGrant {
    const refuse = (why: string): never => {
      throw new AuthenticationError(`invalid redirect token: ${why}`);
    };
    const m = SHAPE.exec(token);
    if (!m) return refuse('malformed');
    const [, payload, given] = m as unknown as [string, string, string];
    if (!timingSafeEqual(Buffer.from(this.mac(payload)), Buffer.from(given))) {
      return refuse('not issued by this cluster');
    }
    let p: Payload;
    try {
      p = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Payload;
    } catch {
      return refuse('unreadable');
    }
    const now = this.now();
    if (!(p.e > now)) refuse('expired');
    if (p.i !== this.o.instanceId) refuse('issued for another node');
    if (p.m !== method) refuse(`issued for ${p.m}, not ${method}`);
    if (p.p !== path) refuse('issued for another path');
    this.forgetExpired(now);
    if (this.used.has(given)) refuse('already used');
    if (this.used.size >= MAX_REMEMBERED) refuse('too many redirects in flight; retry');
    this.used.set(given, p.e);
    return { method: p.m, path: p.p, user: p.u, instanceId: p.i, created: p.c };
  }

  private forgetExpired(now: number): void {
    // Insertion order is close to expiry order (one TTL for all), so the scan stops early.
    for (const [mac, expires] of this.used) {
      if (expires > now) break;
      this.used.delete(mac);
    }
  }
}
