// The HTTP edge: a Hono app that authenticates, parses and hands each request to the files
// service, with one error handler that maps domain errors to the API's JSON errors.
import { Hono } from 'hono';
import type { Logger } from 'pino';
import type { Authenticator } from '../auth/api-keys.js';
import { RouteNotFoundError } from '../files/errors.js';
import type { FilesApi } from '../files/ports.js';
import { errorResponse, onError } from './error-map.js';
import { filesRoutes } from './files-routes.js';
import type { EdgeEnv } from './request.js';
import { securityHeaders } from './security.js';

export interface EdgeOptions {
  files: FilesApi;
  auth: Authenticator;
  logger: Logger;
  instanceId: string;
  tls?: boolean;
  /** True while the node holds its membership lease and its backend is writable. */
  ready: () => Promise<boolean>;
}

export function createEdgeApp(o: EdgeOptions): Hono<EdgeEnv> {
  const app = new Hono<EdgeEnv>();
  app.use('*', securityHeaders({ tls: o.tls ?? false }));
  app.use('*', async (c, next) => {
    const started = performance.now();
    await next();
    o.logger.info(
      {
        request_id: c.get('requestId'),
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round(performance.now() - started),
      },
      'request',
    );
  });
  app.get('/health', (c) => c.json({ status: 'ok' }));
  app.get('/ready', async (c) => {
    if (await o.ready()) return c.json({ status: 'ready' });
    c.header('Retry-After', '1');
    return c.json({ status: 'not_ready' }, 503);
  });
  app.use('/v1/*', async (c, next) => {
    c.set('caller', o.auth.authenticate(c.req.header('authorization')));
    await next();
  });
  app.route('/v1/files', filesRoutes(o.files));
  app.notFound((c) => {
    const { status, body } = errorResponse(
      new RouteNotFoundError('no such endpoint'),
      o.instanceId,
    );
    return c.json(body, status);
  });
  app.onError(
    onError(o.instanceId, (err, c) =>
      o.logger.error({ err, request_id: c.get('requestId') }, 'request failed'),
    ),
  );
  return app;
}

/**
 * The fetch handler for the Node adapter. The adapter resolves dot segments before the router
 * sees the URL, so `/v1/files/../../x` would route outside the files API; such a request is
 * routed to the files API, which parses (and rejects or resolves) the raw path itself.
 */
export function edgeFetch(app: Hono<EdgeEnv>) {
  return (req: Request, env: EdgeEnv['Bindings']): Response | Promise<Response> => {
    const raw = env?.incoming?.url;
    if (raw?.startsWith('/v1/files/')) {
      const url = new URL(req.url);
      if (!url.pathname.startsWith('/v1/files/')) {
        url.pathname = '/v1/files/';
        req = new Request(url, { method: req.method, headers: req.headers });
      }
    }
    return app.fetch(req, env);
  };
}
