// The edge's metrics: `GET /metrics` needs a key and answers the Prometheus text format, and
// every request is counted under its route pattern with a bounded method label, never under
// its raw path.
import { expect } from 'chai';
import type { Hono } from 'hono';
import { pino } from 'pino';
import { createAuthenticator } from '../../../src/auth/api-keys.js';
import { createEdgeApp } from '../../../src/edge/app.js';
import type { EdgeEnv } from '../../../src/edge/request.js';
import { Metrics } from '../../../src/metrics/metrics.js';
import { fakeCluster, type FakeCluster } from '../../support/fakes.js';
import { labelValues, sample } from './samples.js';

const API_KEY = 'metrics-test-key-0123456789abcdef';
const auth = createAuthenticator({
  apiKeys: [API_KEY],
  apiKeyUsers: {},
  internalSecret: 'internal-secret-0123456789abcdef',
});

function send(app: Hono<EdgeEnv>, method: string, path: string, key: string | null = API_KEY) {
  const headers: Record<string, string> = key ? { authorization: `Bearer ${key}` } : {};
  const body = method === 'POST' || method === 'PUT' ? 'data' : undefined;
  return app.request(path, { method, headers, body });
}

describe('edge metrics', () => {
  let cluster: FakeCluster;
  let metrics: Metrics;
  let app: Hono<EdgeEnv>;

  beforeEach(async () => {
    cluster = await fakeCluster(['node-a']);
    metrics = new Metrics();
    app = createEdgeApp({
      files: cluster.nodes[0].files,
      auth,
      logger: pino({ level: 'silent' }),
      instanceId: 'node-a',
      ready: async () => true,
      metrics,
    });
  });
  afterEach(async () => {
    await cluster.close();
  });

  describe('GET /metrics', () => {
    it('should answer 401 AUTHENTICATION_FAILED when no key is sent', async () => {
      const res = await send(app, 'GET', '/metrics', null);
      expect(res.status).to.equal(401);
      expect(((await res.json()) as { code: string }).code).to.equal('AUTHENTICATION_FAILED');
    });

    it('should answer the Prometheus text format when a key is sent', async () => {
      const res = await send(app, 'GET', '/metrics');
      expect(res.status).to.equal(200);
      expect(res.headers.get('content-type')).to.equal(metrics.contentType);
      expect(await res.text()).to.include('# TYPE callfs_http_requests_total counter');
    });

    it('should carry the security headers and a request id when answered', async () => {
      const res = await send(app, 'GET', '/metrics');
      expect(res.headers.get('x-content-type-options')).to.equal('nosniff');
      expect(res.headers.get('x-request-id')).to.match(/^[0-9a-f]{16}$/);
    });
  });

  describe('HTTP request metrics', () => {
    it('should count a request under its route pattern when a file is created', async () => {
      await send(app, 'POST', '/v1/files/docs/a.txt');
      const labels = { method: 'POST', path: '/v1/files/*', status_code: 201 };
      expect(await sample(metrics, 'callfs_http_requests_total', labels)).to.equal(1);
    });

    it('should never use the raw path as a label when many files are requested', async () => {
      await send(app, 'GET', '/v1/files/one.txt');
      await send(app, 'GET', '/v1/files/two/three.txt');
      expect(await labelValues(metrics, 'callfs_http_requests_total', 'path')).to.deep.equal([
        '/v1/files/*',
      ]);
    });

    it('should time a request under its method and route when it is answered', async () => {
      await send(app, 'GET', '/health', null);
      const labels = { method: 'GET', path: '/health' };
      expect(await sample(metrics, 'callfs_http_request_duration_seconds_count', labels)).to.equal(
        1,
      );
    });

    it('should label a request unmatched when no endpoint matches', async () => {
      await send(app, 'GET', '/v1/nothing/here');
      const labels = { path: 'unmatched', status_code: 404 };
      expect(await sample(metrics, 'callfs_http_requests_total', labels)).to.equal(1);
    });

    it('should label a 401 with the endpoint it protected when the key is missing', async () => {
      await send(app, 'GET', '/v1/files/x', null);
      const labels = { path: '/v1/files/*', status_code: 401 };
      expect(await sample(metrics, 'callfs_http_requests_total', labels)).to.equal(1);
    });

    it('should label an unknown method OTHER when a WebDAV method is sent', async () => {
      await send(app, 'PROPFIND', '/v1/files/x');
      expect(await labelValues(metrics, 'callfs_http_requests_total', 'method')).to.deep.equal([
        'OTHER',
      ]);
    });

    it('should label HEAD requests HEAD when a file is inspected', async () => {
      await send(app, 'POST', '/v1/files/h.txt');
      await send(app, 'HEAD', '/v1/files/h.txt');
      const labels = { method: 'HEAD', path: '/v1/files/*', status_code: 200 };
      expect(await sample(metrics, 'callfs_http_requests_total', labels)).to.equal(1);
    });
  });
});
