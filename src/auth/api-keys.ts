// API-key authentication shared by the HTTP edge and the gRPC server (API.md §2). Keys map to
// users; the cluster's internal secret authenticates peers (and may carry the original
// caller's user). Every comparison is constant-time over SHA-256 digests and visits every key,
// so timing reveals neither a key nor how many matched.
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

export function createAuthenticator(options: AuthOptions): Authenticator {
  const entries: Array<{ user: string; digest: Buffer }> = [
    ...options.apiKeys.map((key, i) => ({ user: `api-user-${i}`, digest: digest(key) })),
    ...Object.entries(options.apiKeyUsers).map(([user, key]) => ({ user, digest: digest(key) })),
    { user: INTERNAL_USER, digest: digest(options.internalSecret) },
  ];
  const internal = digest(options.internalSecret);

  const match = (authorization: string | undefined): string | null => {
    const token = bearerToken(authorization);
    if (!token) return null;
    const d = digest(token);
    let found: string | null = null;
    for (const e of entries) {
      if (timingSafeEqual(d, e.digest) && found === null) found = e.user;
    }
    return found;
  };

  return {
    authenticate(authorization) {
      const user = match(authorization);
      if (!user) throw new AuthenticationError('missing or invalid API key');
      return callerFor(user);
    },
    isInternal(authorization) {
      const token = bearerToken(authorization);
      return token !== '' && timingSafeEqual(digest(token), internal);
    },
  };
}
