// Middleware run on every response: a fresh X-Request-ID (16 hex chars) and the security
// headers of API.md §5. HSTS only when the connection is TLS.
import { randomBytes } from 'node:crypto';
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

export function newRequestId(): string {
  return randomBytes(8).toString('hex');
}

/** The headers every answer carries, for answers written outside the app (http-server.ts). */
export function standardHeaders(options: { tls: boolean }): Record<string, string> {
  return {
    'X-Request-ID': newRequestId(),
    ...SECURITY_HEADERS,
    ...(options.tls ? { 'Strict-Transport-Security': 'max-age=31536000' } : {}),
  };
}

export function securityHeaders(options: { tls: boolean }): MiddlewareHandler<EdgeEnv> {
  return async (c, next) => {
    const requestId = newRequestId();
    c.set('requestId', requestId);
    await next();
    c.res.headers.set('X-Request-ID', requestId);
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) c.res.headers.set(k, v);
    if (options.tls) c.res.headers.set('Strict-Transport-Security', 'max-age=31536000');
  };
}
