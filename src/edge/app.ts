// The HTTP edge: a Hono app that authenticates, parses and hands each request to the files
// service, with one error handler that maps domain errors to the API's JSON errors.
import { Hono, type MiddlewareHandler } from 'hono';
import type { Logger } from 'pino';
import type { Authenticator } from '../auth/api-keys.js';
import { BadRequestError, RouteNotFoundError } from '../files/errors.js';
import type { FilesApi } from '../files/ports.js';
import { Metrics } from '../metrics/metrics.js';
import { errorResponse, onError } from './error-map.js';
import { directoriesRoutes } from './directories-routes.js';
import { filesRoutes } from './files-routes.js';
import { downloadRoutes, linksRoutes, type LinksEdgeOptions } from './links-routes.js';
import { httpMetrics, metricsHandler } from './metrics-route.js';
import { carriesRedirectToken, type RedirectEdgeOptions } from './redirect.js';
import { rawUrl, type EdgeEnv } from './request.js';
import { requestLog } from './request-log.js';
import { securityHeaders } from './security.js';
import { uiRoutes } from './ui-routes.js';
import { watchRoutes, type WatchEdgeOptions } from './watch-routes.js';
import { clusterRoutes, type ClusterEdgeOptions } from './cluster-route.js';

export interface EdgeOptions {
  files: FilesApi;
  auth: Authenticator;
  logger: Logger;
  instanceId: string;
  tls?: boolean;
  /** True while the node holds its membership lease and its backend is writable. */
  ready: () => Promise<boolean>;
  /** This node's metrics, served at `/metrics` (a fresh registry when absent). */
  metrics?: Metrics;
  /** Single-use links (API.md §4): `/v1/links/generate` and `/download/{token}`. */
  links?: LinksEdgeOptions;
  /** The change feed (`/v1/watch/{path}`, Server-Sent Events). */
  watch?: WatchEdgeOptions;
  /** Redirects of bulk GET/PUT to a file's owner, with tokens the owner accepts (redirect.ts). */
  redirect?: RedirectEdgeOptions;
  /** `GET /v1/cluster`: live nodes and what each owns (cluster-route.ts). */
  cluster?: Omit<ClusterEdgeOptions, 'instanceId'>;
  /** The web console's folder (ui-routes.ts; its default when absent), or false for none. */
  ui?: string | false;
}

export function createEdgeApp(o: EdgeOptions): Hono<EdgeEnv> {
  const app = new Hono<EdgeEnv>();
  app.use('*', securityHeaders({ tls: o.tls ?? false }));
  const routes = () => app.routes;
  const metrics = o.metrics ?? new Metrics();
  app.use('*', requestLog(o.logger, routes));
  app.use('*', httpMetrics(metrics, routes));
  app.use('*', requestTarget);
  app.get('/health', (c) => c.json({ status: 'ok' }));
  app.get('/metrics', metricsHandler(metrics, o.auth));
  app.get('/ready', async (c) => {
    if (await o.ready()) return c.json({ status: 'ready' });
    c.header('Retry-After', '1');
    return c.json({ status: 'not_ready' }, 503);
  });
  app.use('/v1/*', async (c, next) => {
    // A request under /v1/files with a redirect token and no key: the files routes check it.
    const byToken = o.redirect && carriesRedirectToken(c) && rawUrl(c).startsWith('/v1/files/');
    if (!byToken) c.set('caller', o.auth.authenticate(c.req.header('authorization')));
    await next();
  });
  app.route('/v1/files', filesRoutes(o.files, o.redirect));
  app.route('/v1/directories', directoriesRoutes(o.files));
  if (o.watch) app.route('/v1/watch', watchRoutes(o.watch));
  if (o.cluster)
    app.route('/v1/cluster', clusterRoutes({ ...o.cluster, instanceId: o.instanceId }));
  if (o.ui !== false) {
    app.route(
      '/',
      uiRoutes(o.ui, (message) => o.logger.warn(message)),
    );
  }
  if (o.links) {
    app.route('/v1/links', linksRoutes(o.links));
    app.route('/download', downloadRoutes(o.links));
  }
  app.notFound((c) => {
    const { status, body } = errorResponse(
      new RouteNotFoundError('no such endpoint'),
      o.instanceId,
    );
    return c.json(body, status);
  });
  app.onError(
    onError(o.instanceId, (err, c, level) =>
      o.logger[level]({ err, request_id: c.get('requestId') }, 'request failed'),
    ),
  );
  return app;
}

/** The routes whose path is parsed from the raw URL. */
const RAW_PATH_PREFIXES = ['/v1/files/', '/v1/directories/', '/v1/watch/'];

/**
 * The request target must be a path (origin-form: `GET http://host/v1/files/x` is refused), and
 * outside the raw-path routes it must be the URL the router sees, unchanged: the adapter
 * resolves `..`, `%2e%2e` and backslashes, so `/v1/links/../files/x` would otherwise reach the
 * files API by a path that does not start with `/v1/files/`.
 */
const requestTarget: MiddlewareHandler<EdgeEnv> = async (c, next) => {
  const raw = c.env?.incoming?.url;
  if (raw !== undefined) {
    if (!raw.startsWith('/')) {
      throw new BadRequestError('the request target must be a path, not an absolute URL');
    }
    const rawPath = raw.split('?', 1)[0] as string;
    const routed = !RAW_PATH_PREFIXES.some((p) => rawPath.startsWith(p));
    if (routed && new URL(c.req.url).pathname !== rawPath) {
      throw new BadRequestError('the request path must not contain dot segments or escapes');
    }
  }
  await next();
};

/**
 * What in a raw target lets the URL parser move its path: a segment that starts with a dot,
 * plain or escaped (a dot segment), a backslash (a separator to it), a tab or a line break
 * (dropped by it).
 */
const MAY_RESOLVE = /\/(?:\.|%2e)|[\\\t\n\r]/i;

/**
 * The fetch handler for the Node adapter. The adapter resolves dot segments before the router
 * sees the URL, so `/v1/files/../../x` would route outside the files API; such a request is
 * routed to the files API, which parses (and rejects or resolves) the raw path itself.
 */
export function edgeFetch(app: Hono<EdgeEnv>) {
  return (req: Request, env: EdgeEnv['Bindings']): Response | Promise<Response> => {
    const raw = env?.incoming?.url;
    const prefix = RAW_PATH_PREFIXES.find((p) => raw?.startsWith(p));
    // Most targets have nothing the parser would resolve: parsing their URL again would be a
    // fair part of a small GET's edge work.
    if (prefix && MAY_RESOLVE.test(raw as string)) {
      const url = new URL(req.url);
      if (!url.pathname.startsWith(prefix)) {
        url.pathname = prefix;
        req = new Request(url, { method: req.method, headers: req.headers });
      }
    }
    return app.fetch(req, env);
  };
}
