// The link routes driven in process with `app.request()`: a real authenticator, a files service
// on a fake cluster and the link service on the in-memory store, with tiny rate limits so the
// 429s are deterministic.
import { Writable } from 'node:stream';
import { expect } from 'chai';
import type { Hono } from 'hono';
import { pino } from 'pino';
import { createAuthenticator } from '../../../src/auth/api-keys.js';
import { createEdgeApp } from '../../../src/edge/app.js';
import { attachmentDisposition, type LinksEdgeOptions } from '../../../src/edge/links-routes.js';
import type { EdgeEnv } from '../../../src/edge/request.js';
import { MemoryLinkStore } from '../../../src/links/memory-link-store.js';
import { LinkService } from '../../../src/links/service.js';
import { caller, fakeCluster, writeFile, type FakeCluster } from '../../support/fakes.js';

const API_KEY = 'links-test-key-0123456789abcdef'; // api-user-0
const ALICE_KEY = 'alice-key-0123456789abcdef';
const SECRET = 'links-secret-0123456789abcdef0123456789';
const LOOSE = { ratePerSecond: 1000, burst: 1000 };

type App = Hono<EdgeEnv>;

interface Json {
  code?: string;
  url?: string;
  token?: string;
  expires?: string;
  message?: string;
}

describe('HTTP link routes', () => {
  let cluster: FakeCluster;
  let logs: string[];

  function edge(limits: Partial<LinksEdgeOptions> = {}): App {
    const node = cluster.node('node-a');
    logs = [];
    const logger = pino(
      { level: 'info' },
      new Writable({
        write(chunk: Buffer, _encoding, callback) {
          logs.push(chunk.toString());
          callback();
        },
      }),
    );
    const service = new LinkService({
      store: new MemoryLinkStore(),
      files: node.files,
      metadata: node.metadata,
      secret: SECRET,
      baseUrl: () => 'https://a.callfs.test',
    });
    return createEdgeApp({
      files: node.files,
      auth: createAuthenticator({
        apiKeys: [API_KEY],
        apiKeyUsers: { alice: ALICE_KEY },
        internalSecret: 'internal-secret-0123456789abcdef',
      }),
      logger,
      instanceId: node.id,
      ready: async () => true,
      links: { service, generateLimit: LOOSE, downloadLimit: LOOSE, ...limits },
    });
  }

  async function generate(
    app: App,
    body: unknown,
    key: string | null = API_KEY,
  ): Promise<Response> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (key) headers.authorization = `Bearer ${key}`;
    const raw = typeof body === 'string' ? body : JSON.stringify(body);
    return app.request('/v1/links/generate', { method: 'POST', headers, body: raw });
  }

  async function tokenFor(app: App, path: string): Promise<string> {
    const res = await generate(app, { path, expiry_seconds: 60 });
    return ((await res.json()) as Json).token!;
  }

  beforeEach(async () => {
    cluster = await fakeCluster(['node-a', 'node-b']);
    await writeFile(cluster.node('node-b').files, caller('alice'), '/docs/r.txt', 'report');
    await writeFile(cluster.node('node-a').files, caller('alice'), '/résumé (1).txt', 'cv');
  });
  afterEach(async () => {
    await cluster.close();
  });

  describe('POST /v1/links/generate', () => {
    it('should answer 201 with url, token and an RFC 3339 expiry when the file exists', async () => {
      const before = Date.now();
      const res = await generate(edge(), { path: '/docs/r.txt', expiry_seconds: 120 });
      const body = (await res.json()) as Json;
      expect(res.status).to.equal(201);
      expect(body.url).to.equal(`https://a.callfs.test/download/${body.token}`);
      expect(Date.parse(body.expires!) - before).to.be.within(120_000, 125_000);
    });

    it('should default the expiry to one hour when expiry_seconds is omitted', async () => {
      const before = Date.now();
      const body = (await (await generate(edge(), { path: '/docs/r.txt' })).json()) as Json;
      expect(Date.parse(body.expires!) - before).to.be.within(3_600_000, 3_605_000);
    });

    it('should answer 401 when the request has no key', async () => {
      const res = await generate(edge(), { path: '/docs/r.txt' }, null);
      expect(res.status).to.equal(401);
    });

    for (const [what, body] of [
      ['expiry_seconds is 0', { path: '/docs/r.txt', expiry_seconds: 0 }],
      ['expiry_seconds is 86401', { path: '/docs/r.txt', expiry_seconds: 86_401 }],
      ['expiry_seconds is a string', { path: '/docs/r.txt', expiry_seconds: 'x' }],
      ['expiry_seconds is fractional', { path: '/docs/r.txt', expiry_seconds: 1.5 }],
      ['path is missing', { expiry_seconds: 60 }],
      ['a field is unknown', { path: '/docs/r.txt', expires_in: 60 }],
      ['the body is not JSON', '{"path":'],
    ] as const) {
      it(`should answer 400 BAD_REQUEST when ${what}`, async () => {
        const res = await generate(edge(), body);
        expect(res.status).to.equal(400);
        expect(((await res.json()) as Json).code).to.equal('BAD_REQUEST');
      });
    }

    it('should name the field in the message when the expiry is out of range', async () => {
      const res = await generate(edge(), { path: '/docs/r.txt', expiry_seconds: 0 });
      expect(((await res.json()) as Json).message).to.equal(
        'expiry_seconds: must be an integer from 1 to 86400',
      );
    });

    it('should answer 404 FILE_NOT_FOUND when the file does not exist', async () => {
      const res = await generate(edge(), { path: '/docs/none.txt' });
      expect(res.status).to.equal(404);
      expect(((await res.json()) as Json).code).to.equal('FILE_NOT_FOUND');
    });

    it('should answer 400 NOT_A_FILE when the path is a directory', async () => {
      const res = await generate(edge(), { path: '/docs' });
      expect(res.status).to.equal(400);
      expect(((await res.json()) as Json).code).to.equal('NOT_A_FILE');
    });

    it('should answer 400 INVALID_PATH when the path climbs above the root', async () => {
      const res = await generate(edge(), { path: '/../etc/passwd' });
      expect(((await res.json()) as Json).code).to.equal('INVALID_PATH');
    });

    it('should answer 405 when the method is GET', async () => {
      const res = await edge().request('/v1/links/generate', {
        headers: { authorization: `Bearer ${API_KEY}` },
      });
      expect(res.status).to.equal(405);
    });

    it('should answer 429 with Retry-After when a user exceeds the generate limit', async () => {
      const app = edge({ generateLimit: { ratePerSecond: 0.001, burst: 2 } });
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++)
        statuses.push((await generate(app, { path: '/docs/r.txt' })).status);
      const limited = await generate(app, { path: '/docs/r.txt' });
      expect(statuses).to.deep.equal([201, 201, 429]);
      expect(limited.headers.get('retry-after')).to.equal('1');
      expect(((await limited.json()) as Json).code).to.equal('RATE_LIMIT_EXCEEDED');
    });

    it('should still serve another user when one user is limited', async () => {
      const app = edge({ generateLimit: { ratePerSecond: 0.001, burst: 1 } });
      await generate(app, { path: '/docs/r.txt' });
      const limited = await generate(app, { path: '/docs/r.txt' });
      const other = await generate(app, { path: '/docs/r.txt' }, ALICE_KEY);
      expect([limited.status, other.status]).to.deep.equal([429, 201]);
    });
  });

  describe('GET /download/{token}', () => {
    it('should stream the bytes as an attachment when the link is fresh', async () => {
      const app = edge();
      const res = await app.request(`/download/${await tokenFor(app, '/docs/r.txt')}`);
      expect(res.status).to.equal(200);
      expect(await res.text()).to.equal('report');
      expect(res.headers.get('content-disposition')).to.equal("attachment; filename*=UTF-8''r.txt");
    });

    it('should send the type of the extension, the length and no-store when serving a download', async () => {
      const app = edge();
      const res = await app.request(`/download/${await tokenFor(app, '/docs/r.txt')}`);
      expect(res.headers.get('content-type')).to.equal('text/plain');
      expect(res.headers.get('content-length')).to.equal('6');
      expect(res.headers.get('cache-control')).to.equal('no-store');
    });

    it('should percent-encode the UTF-8 name when it has special characters', async () => {
      const app = edge();
      const res = await app.request(`/download/${await tokenFor(app, '/résumé (1).txt')}`);
      expect(res.headers.get('content-disposition')).to.equal(
        "attachment; filename*=UTF-8''r%C3%A9sum%C3%A9%20%281%29.txt",
      );
    });

    it('should answer 410 LINK_USED when the link is downloaded twice', async () => {
      const app = edge();
      const token = await tokenFor(app, '/docs/r.txt');
      await (await app.request(`/download/${token}`)).arrayBuffer();
      const again = await app.request(`/download/${token}`);
      expect(again.status).to.equal(410);
      expect(((await again.json()) as Json).code).to.equal('LINK_USED');
    });

    it('should answer HEAD without spending the link when probed first', async () => {
      const app = edge();
      const token = await tokenFor(app, '/docs/r.txt');
      const head = await app.request(`/download/${token}`, { method: 'HEAD' });
      const get = await app.request(`/download/${token}`);
      expect([head.status, head.headers.get('content-length')]).to.deep.equal([200, '6']);
      expect(await get.text()).to.equal('report');
    });

    it('should answer 404 FILE_NOT_FOUND as JSON when the token is forged', async () => {
      const res = await edge().request(`/download/${'A'.repeat(22)}.${'B'.repeat(32)}`);
      expect(res.status).to.equal(404);
      expect(((await res.json()) as Json).code).to.equal('FILE_NOT_FOUND');
    });

    it('should answer 405 when the method is POST', async () => {
      const res = await edge().request('/download/whatever', { method: 'POST' });
      expect(res.status).to.equal(405);
    });

    it('should answer 429 with Retry-After when a client exceeds the download limit', async () => {
      const app = edge({ downloadLimit: { ratePerSecond: 0.001, burst: 2 } });
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) statuses.push((await app.request('/download/x')).status);
      expect(statuses).to.deep.equal([404, 404, 429]);
      expect((await app.request('/download/x')).headers.get('retry-after')).to.equal('1');
    });

    it('should keep the token out of the access log when a download is requested', async () => {
      const app = edge();
      const token = await tokenFor(app, '/docs/r.txt');
      await (await app.request(`/download/${token}`)).arrayBuffer();
      const line = logs.find((l) => l.includes('/download/'));
      expect(line).to.include('/download/:token');
      expect(logs.join('\n')).to.not.include(token.split('.')[0]);
    });
  });

  describe('attachmentDisposition', () => {
    it('should percent-encode double quotes, separators and non-ASCII as UTF-8 when they are in the name', () => {
      // A raw `"`, `;` or `,` would end the parameter or the header value early.
      expect(attachmentDisposition('a "b";c,d%é😀.txt')).to.equal(
        "attachment; filename*=UTF-8''a%20%22b%22%3Bc%2Cd%25%C3%A9%F0%9F%98%80.txt",
      );
    });

    it('should encode quote, parentheses and star when they are in the name', () => {
      expect(attachmentDisposition("a'(b)*.txt")).to.equal(
        "attachment; filename*=UTF-8''a%27%28b%29%2A.txt",
      );
    });
  });
});
