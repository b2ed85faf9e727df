// The web console's files at /ui/ and `GET /v1/cluster`, driven in process through the HTTP
// edge (`app.request()`) on a fake 3-node cluster: the console's own CSP (and the API's strict
// one unchanged), files served by name only, and the cluster overview with its bounded scan and
// its dead owners.
import { expect } from 'chai';
import type { Hono } from 'hono';
import { pino } from 'pino';
import { createAuthenticator } from '../../../src/auth/api-keys.js';
import { createEdgeApp } from '../../../src/edge/app.js';
import type { EdgeEnv } from '../../../src/edge/request.js';
import { ClusterOverviewReader } from '../../../src/files/cluster-overview.js';
import {
  caller,
  fakeCluster,
  writeFile,
  type FakeCluster,
  type FakeNode,
} from '../../support/fakes.js';

const API_KEY = 'console-edge-key-0123456789abcdef';
const auth = createAuthenticator({
  apiKeys: [API_KEY],
  apiKeyUsers: {},
  internalSecret: 'internal-secret-0123456789abcdef',
});

interface Json {
  code?: string;
  [key: string]: unknown;
}

interface NodeJson {
  instance_id: string;
  up_seconds: number;
  lease_seconds: number;
  files: number;
  directories: number;
  bytes: number;
}

describe('HTTP edge: web console and cluster overview', () => {
  let cluster: FakeCluster;
  let a: FakeNode;
  let b: FakeNode;
  let c: FakeNode;
  let app: Hono<EdgeEnv>;
  const user = caller('api-user-0');

  const send = (path: string, init: RequestInit & { key?: string | null } = {}) => {
    const { key = API_KEY, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (key) headers.set('authorization', `Bearer ${key}`);
    return app.request(path, { ...rest, headers });
  };
  const json = async (res: Response) => (await res.json()) as Json;

  beforeEach(async () => {
    cluster = await fakeCluster(['node-a', 'node-b', 'node-c']);
    [a, b, c] = cluster.nodes as [FakeNode, FakeNode, FakeNode];
    app = createEdgeApp({
      files: a.files,
      auth,
      logger: pino({ level: 'silent' }),
      instanceId: a.id,
      ready: async () => true,
      cluster: {
        reader: new ClusterOverviewReader({ metadata: a.metadata, membership: a.metadata }),
      },
    });
    await writeFile(a.files, user, '/d/one.txt', 'aaaa');
    await writeFile(b.files, user, '/d/two.txt', 'bb');
    await writeFile(c.files, user, '/e/three.txt', 'c');
  });
  afterEach(async () => {
    await cluster.close();
  });

  describe('GET /ui/', () => {
    it('should serve the page without a key when /ui/ is requested', async () => {
      const res = await send('/ui/', { key: null });
      expect(res.status).to.equal(200);
      expect(res.headers.get('content-type')).to.match(/^text\/html/);
    });

    it("should answer with the console's CSP when a console file is served", async () => {
      const res = await send('/ui/app.js', { key: null });
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(res.status).to.equal(200);
      expect(csp).to.include("script-src 'self'").and.include("style-src 'self'");
      expect(csp).to.not.match(/unsafe-inline|unsafe-eval|\*/);
    });

    it("should keep the API's default-src 'none' CSP when an API route answers", async () => {
      const res = await send('/v1/directories/d');
      expect(res.status).to.equal(200);
      expect(res.headers.get('content-security-policy')).to.equal(
        "default-src 'none'; frame-ancestors 'none'",
      );
    });

    it('should answer 304 when the ETag matches', async () => {
      const first = await send('/ui/console.css', { key: null });
      const etag = first.headers.get('etag') as string;
      const res = await send('/ui/console.css', { key: null, headers: { 'if-none-match': etag } });
      expect(res.status).to.equal(304);
    });

    it('should answer 404 ROUTE_NOT_FOUND when the file is not one of the console', async () => {
      const res = await send('/ui/secrets.txt', { key: null });
      expect(res.status).to.equal(404);
      expect((await json(res)).code).to.equal('ROUTE_NOT_FOUND');
    });

    it('should answer 404 ROUTE_NOT_FOUND and keep the API when the console folder is missing', async () => {
      const bare = createEdgeApp({
        files: a.files,
        auth,
        logger: pino({ level: 'silent' }),
        instanceId: a.id,
        ready: async () => true,
        ui: '/nonexistent/callfs-ui/',
      });
      const res = await bare.request('/ui/');
      const api = await bare.request('/v1/directories/d', {
        headers: { authorization: `Bearer ${API_KEY}` },
      });
      expect(res.status).to.equal(404);
      expect(api.status).to.equal(200);
    });

    it('should answer 405 METHOD_NOT_ALLOWED when a console file is written', async () => {
      const res = await send('/ui/app.js', { method: 'PUT', body: 'x' });
      expect(res.status).to.equal(405);
      expect((await json(res)).code).to.equal('METHOD_NOT_ALLOWED');
    });
  });

  describe('GET /v1/cluster', () => {
    it('should answer 401 AUTHENTICATION_FAILED when no key is sent', async () => {
      const res = await send('/v1/cluster', { key: null });
      expect(res.status).to.equal(401);
      expect((await json(res)).code).to.equal('AUTHENTICATION_FAILED');
    });

    it('should list each live node with the files and bytes it owns when asked', async () => {
      const res = await send('/v1/cluster');
      const body = await json(res);
      const nodes = (body.nodes as NodeJson[]).map((n) => [n.instance_id, n.files, n.bytes]);
      expect(res.status).to.equal(200);
      expect(nodes).to.deep.equal([
        ['node-a', 1, 4],
        ['node-b', 1, 2],
        ['node-c', 1, 1],
      ]);
      expect(body.scan).to.deep.include({ complete: true, total: 5 });
    });

    it('should give each live node a lease age no older than its uptime when asked', async () => {
      const body = await json(await send('/v1/cluster'));
      for (const n of body.nodes as NodeJson[]) {
        expect(n.lease_seconds).to.be.a('number').and.to.be.at.least(0);
        expect(n.lease_seconds).to.be.at.most(n.up_seconds);
      }
    });

    it('should report a dead owner with its paths when its node deregistered', async () => {
      await c.metadata.deregister();
      const body = await json(await send('/v1/cluster'));
      const ids = (body.nodes as NodeJson[]).map((n) => n.instance_id);
      expect(ids).to.deep.equal(['node-a', 'node-b']);
      expect(body.dead_owners).to.deep.equal([
        {
          instance_id: 'node-c',
          files: 1,
          directories: 1,
          bytes: 1,
          paths: ['/e/three.txt', '/e'],
        },
      ]);
    });

    it('should stop at scan_limit and say the figures are partial when the namespace is larger', async () => {
      const body = await json(await send('/v1/cluster?scan_limit=2'));
      expect(body.scan).to.deep.equal({ scanned: 2, limit: 2, complete: false, total: 5 });
    });

    it('should answer 400 BAD_REQUEST when scan_limit is out of range', async () => {
      const res = await send('/v1/cluster?scan_limit=100001');
      expect(res.status).to.equal(400);
      expect((await json(res)).code).to.equal('BAD_REQUEST');
    });
  });
});
