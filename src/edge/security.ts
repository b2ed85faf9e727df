// Middleware run on every response: a fresh X-Request-ID (16 hex chars) and the security
// headers of API.md §5. HSTS only when the connection is TLS. The API's policy forbids every
// fetch (its answers are data, never documents); the web console under /ui/ is the one place
// that loads a page, so it gets its own policy: its scripts, styles and API calls from this
// origin only, no inline script or style, no eval, no framing.
import { randomBytes, randomFillSync } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { EdgeEnv } from './request.js';

const SECURITY_HEADERS: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'strict-origin-when-cross-origin',
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=()',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/** The Content-Security-Policy of the console's pages and assets (ui-routes.ts). */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** True for the console's paths (`/ui`, `/ui/...`), whose answers carry CONSOLE_CSP. */
export function isConsolePath(path: string): boolean {
  return path === '/ui' || path.startsWith('/ui/');
}

export function newRequestId(): string {
  return randomBytes(8).toString('hex');
}

/** Ids drawn per refill of the random pool: one system call for this many requests. */
const IDS_PER_REFILL = 256;

/**
 * Request ids from a pool of random bytes refilled in one call, rather than one call into the
 * random generator per request. Ids stay unpredictable: every byte is used once.
 */
function requestIds(): () => string {
  const pool = Buffer.allocUnsafe(8 * IDS_PER_REFILL);
  let next = pool.length;
  return () => {
    if (next === pool.length) {
      randomFillSync(pool);
      next = 0;
    }
    next += 8;
    return pool.toString('hex', next - 8, next);
  };
}

/** The headers every answer carries, for answers written outside the app (http-server.ts). */
export function standardHeaders(options: { tls: boolean }): Record<string, string> {
  return {
    'X-Request-ID': newRequestId(),
    ...SECURITY_HEADERS,
    ...(options.tls ? { 'Strict-Transport-Security': 'max-age=31536000' } : {}),
  };
}

/**
 * Sets the request id and the standard headers on every answer. They are also kept in the
 * context (`standardHeaders`) for a handler that writes its response head itself (send-body.ts).
 */
export function securityHeaders(options: { tls: boolean }): MiddlewareHandler<EdgeEnv> {
  const fixed = standardHeaders(options);
  const nextId = requestIds();
  return async (c, next) => {
    const id = nextId();
    const headers: Record<string, string> = { ...fixed, 'X-Request-ID': id };
    c.set('requestId', id);
    c.set('standardHeaders', headers);
    await next();
    // A handler that wrote its answer itself (send-body.ts) sent these headers with it.
    if (c.env?.outgoing?.headersSent) return;
    const target = c.res.headers;
    for (const k in headers) target.set(k, headers[k] as string);
    if (isConsolePath(c.req.path)) target.set('Content-Security-Policy', CONSOLE_CSP);
  };
}
