// The request log: one JSON line per request with the request id the client saw, the method,
// route pattern, status and duration; never the API key, never a download token. Lines are
// read from the logger the node builds (createLogger), so its redaction is what is tested.
import { Writable } from 'node:stream';
import { expect } from 'chai';
import type { Hono } from 'hono';
import { createAuthenticator } from '../../../src/auth/api-keys.js';
import { createEdgeApp } from '../../../src/edge/app.js';
import type { EdgeEnv } from '../../../src/edge/request.js';
import { createLogger } from '../../../src/logger.js';
import { fakeCluster, type FakeCluster } from '../../support/fakes.js';

const API_KEY = 'log-test-key-5e1f0c2b9a8d7e6f';
const auth = createAuthenticator({
  apiKeys: [API_KEY],
  apiKeyUsers: {},
  internalSecret: 'internal-secret-0123456789abcdef',
});

type Line = Record<string, unknown>;

function capture(): { stream: Writable; text: () => string; lines: () => Line[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  const text = () => chunks.join('');
  const lines = () =>
    text()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Line);
  return { stream, text, lines };
}

describe('request log', () => {
  let cluster: FakeCluster;
  let log: ReturnType<typeof capture>;
  let app: Hono<EdgeEnv>;

  const send = (method: string, path: string, body?: string) =>
    app.request(path, { method, body, headers: { authorization: `Bearer ${API_KEY}` } });
  const requestLine = (): Line | undefined => log.lines().find((l) => l.msg === 'request');

  beforeEach(async () => {
    cluster = await fakeCluster(['node-a']);
    log = capture();
    app = createEdgeApp({
      files: cluster.nodes[0].files,
      auth,
      logger: createLogger({ level: 'info', format: 'json' }, log.stream),
      instanceId: 'node-a',
      ready: async () => true,
    });
  });
  afterEach(async () => {
    await cluster.close();
  });

  it('should log the X-Request-ID the client saw when a request is answered', async () => {
    const res = await send('POST', '/v1/files/a.txt', 'hello');
    expect(requestLine()?.request_id).to.equal(res.headers.get('x-request-id'));
  });

  it('should log the method, route pattern and status when a file is created', async () => {
    await send('POST', '/v1/files/dir/b.txt', 'hello');
    expect(requestLine()).to.include({
      method: 'POST',
      route: '/v1/files/*',
      path: '/v1/files/dir/b.txt',
      status: 201,
      user: 'api-user-0',
    });
  });

  it('should log a numeric duration when a request is answered', async () => {
    await send('GET', '/v1/files/');
    expect(requestLine()?.duration_ms).to.be.a('number');
  });

  it('should never log the API key when requests carry it', async () => {
    await send('POST', '/v1/files/c.txt', 'x');
    await send('GET', '/v1/files/missing.txt');
    expect(log.lines()).to.have.length.at.least(2);
    expect(log.text()).not.to.include(API_KEY);
  });

  it('should not log a download token when /download/{token} is asked', async () => {
    await send('GET', '/download/secret-token-value-1234');
    expect(log.text()).not.to.include('secret-token-value-1234');
  });

  it('should redact the authorization header when a headers object is logged', () => {
    const logger = createLogger({ level: 'info', format: 'json' }, log.stream);
    logger.info({ headers: { authorization: `Bearer ${API_KEY}` } }, 'headers');
    logger.info({ req: { headers: { authorization: `Bearer ${API_KEY}` } } }, 'nested');
    expect(log.text()).not.to.include(API_KEY);
  });
});
