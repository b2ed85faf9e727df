// The request log: one structured line per answered request, with the request id the client
// sees in X-Request-ID, the method, the route pattern that answered, the path, the status and
// the duration. Never a credential: the Authorization header is not logged, and the path of a
// download link (which is its token) is logged as `/download/:token`.
import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import type { RouterRoute } from 'hono/types';
import type { Logger } from 'pino';
import { redactLinkToken } from './links-routes.js';
import type { EdgeEnv } from './request.js';

/** The route label of a request that matched no endpoint. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * The route pattern that answered a request (e.g. `/v1/files/*`), for logs and metric labels:
 * the matched route that responded if it is an endpoint, else the most specific matched
 * endpoint (a 401 from the auth middleware is labelled with the endpoint it protected), else
 * `unmatched`. Middleware-only patterns (`*`, `/v1/*`) are never a label. Call after `next()`.
 */
export function routePattern(c: Context, routes: readonly RouterRoute[]): string {
  const endpoints = endpointPatterns(routes);
  const matched = matchedRoutes(c);
  const responder = matched[c.req.routeIndex]?.path;
  if (responder !== undefined && endpoints.has(responder)) return responder;
  for (let i = matched.length - 1; i >= 0; i--) {
    if (endpoints.has(matched[i].path)) return matched[i].path;
  }
  return UNMATCHED_ROUTE;
}

/**
 * The endpoint patterns of a route table, computed once per table (and again only if routes
 * were added since): building the set on every request cost more than the rest of the label.
 */
const endpointCache = new WeakMap<readonly RouterRoute[], { n: number; set: Set<string> }>();

function endpointPatterns(routes: readonly RouterRoute[]): ReadonlySet<string> {
  let hit = endpointCache.get(routes);
  if (hit?.n !== routes.length) {
    hit = {
      n: routes.length,
      set: new Set(routes.filter((r) => r.method !== 'ALL').map((r) => r.path)),
    };
    endpointCache.set(routes, hit);
  }
  return hit.set;
}

/** Logs each request once answered. `routes` is the app's route table (`() => app.routes`). */
export function requestLog(
  logger: Logger,
  routes: () => readonly RouterRoute[],
): MiddlewareHandler<EdgeEnv> {
  // The line holds only the fields below, never a header: redaction (the process logger's
  // wildcard paths run every value through the redactor) would cost more than the line itself.
  const log = logger.child({}, { redact: [] });
  return async (c, next) => {
    const started = performance.now();
    await next();
    log.info(
      {
        request_id: c.get('requestId'),
        method: c.req.method,
        route: routePattern(c, routes()),
        path: redactLinkToken(c.req.path),
        status: c.res.status,
        duration_ms: Math.round((performance.now() - started) * 1000) / 1000,
        ...(c.get('caller') ? { user: c.get('caller').user } : {}),
      },
      'request',
    );
  };
}
