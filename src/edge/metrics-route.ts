// The edge side of the node's metrics: a middleware that counts and times every request under
// its route pattern (bounded labels: never the raw path, and unknown methods as OTHER), and
// `GET /metrics`, which needs an API key and answers the registry in the Prometheus text format.
import type { Handler, MiddlewareHandler } from 'hono';
import type { RouterRoute } from 'hono/types';
import type { Authenticator } from '../auth/api-keys.js';
import type { Metrics } from '../metrics/metrics.js';
import type { EdgeEnv } from './request.js';
import { routePattern } from './request-log.js';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']);

/** The method label: clients may send any token as a method; the label set stays bounded. */
export function methodLabel(method: string): string {
  return METHODS.has(method) ? method : 'OTHER';
}

/** Records `callfs_http_requests_total` and `callfs_http_request_duration_seconds`. */
export function httpMetrics(
  metrics: Metrics,
  routes: () => readonly RouterRoute[],
): MiddlewareHandler<EdgeEnv> {
  return async (c, next) => {
    const started = performance.now();
    await next();
    metrics.httpRequest(
      methodLabel(c.req.method),
      routePattern(c, routes()),
      c.res.status,
      (performance.now() - started) / 1000,
    );
  };
}

/** `GET /metrics`: authenticated like the API (401 AUTHENTICATION_FAILED without a key). */
export function metricsHandler(metrics: Metrics, auth: Authenticator): Handler<EdgeEnv> {
  return async (c) => {
    c.set('caller', auth.authenticate(c.req.header('authorization')));
    return c.body(await metrics.render(), 200, { 'Content-Type': metrics.contentType });
  };
}
