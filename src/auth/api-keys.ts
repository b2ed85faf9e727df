// API-key authentication shared by the HTTP edge and the gRPC server (API.md §2). Keys map to
// users; the cluster's internal secret authenticates peers (and may carry the original
// caller's user). Every comparison is constant-time over SHA-256 digests and visits every key,
// so timing reveals neither a key nor how many matched. A token that matched is remembered as
// it was sent (VerifiedKeys), so a client's next request skips the digest, which cost more
// than the rest of a relayed small GET's authentication; a token that did not match is never
// remembered and always goes through the full comparison.
import { createHash, timingSafeEqual } from 'node:crypto';
import { AuthenticationError } from '../files/errors.js';
import type { Caller } from '../files/ports.js';

export const INTERNAL_USER = 'internal-proxy';
export const ADMIN_USERS: ReadonlySet<string> = new Set(['root', INTERNAL_USER]);

export interface AuthOptions {
  /** Listed keys: the i-th key is user `api-user-<i>`. */
  apiKeys: string[];
  /** user → key. */
  apiKeyUsers: Record<string, string>;
  internalSecret: string;
}

export interface Authenticator {
  /** Resolves an Authorization header value (`Bearer <key>` or a bare key) to a caller. */
  authenticate(authorization: string | undefined): Caller;
  /** True when the header carries the cluster's internal secret. */
  isInternal(authorization: string | undefined): boolean;
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

export function callerFor(user: string): Caller {
  return { user, admin: ADMIN_USERS.has(user) };
}

export function bearerToken(authorization: string | undefined): string {
  const value = (authorization ?? '').trim();
  return /^bearer\s+/i.test(value) ? value.replace(/^bearer\s+/i, '').trim() : value;
}

/** What a verified token stands for. */
export interface Verified {
  user: string;
  internal: boolean;
}

/**
 * Tokens that matched a configured key, by their exact text. Only a match enters, so it holds
 * at most as many entries as there are keys; `limit` bounds it anyway (the oldest goes first).
 * A lookup tells apart only a token that is exactly a key from one that is not, which the
 * answer says anyway: a string is compared with another only when their hashes are equal.
 */
export class VerifiedKeys {
  private readonly byToken = new Map<string, Verified>();

  constructor(private readonly limit = 256) {}

  get size(): number {
    return this.byToken.size;
  }

  get(token: string): Verified | undefined {
    return this.byToken.get(token);
  }

  add(token: string, verified: Verified): void {
    if (this.byToken.size >= this.limit) {
      const oldest = this.byToken.keys().next();
      if (!oldest.done) this.byToken.delete(oldest.value);
    }
    this.byToken.set(token, verified);
  }
}

export function createAuthenticator(
  options: AuthOptions,
  verified: VerifiedKeys = new VerifiedKeys(),
): Authenticator {
  const entries: Array<{ user: string; digest: Buffer }> = [
    ...options.apiKeys.map((key, i) => ({ user: `api-user-${i}`, digest: digest(key) })),
    ...Object.entries(options.apiKeyUsers).map(([user, key]) => ({ user, digest: digest(key) })),
    { user: INTERNAL_USER, digest: digest(options.internalSecret) },
  ];
  const internal = digest(options.internalSecret);

  const verify = (token: string): Verified | undefined => {
    const known = verified.get(token);
    if (known) return known;
    const d = digest(token);
    let found: string | null = null;
    for (const e of entries) {
      if (timingSafeEqual(d, e.digest) && found === null) found = e.user;
    }
    if (found === null) return undefined;
    const result = { user: found, internal: timingSafeEqual(d, internal) };
    verified.add(token, result);
    return result;
  };

  return {
    authenticate(authorization) {
      const token = bearerToken(authorization);
      const user = token ? verify(token)?.user : undefined;
      if (!user) throw new AuthenticationError('missing or invalid API key');
      return callerFor(user);
    },
    isInternal(authorization) {
      const token = bearerToken(authorization);
      return token !== '' && verify(token)?.internal === true;
    },
  };
}
