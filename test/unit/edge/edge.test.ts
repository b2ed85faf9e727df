// The HTTP edge driven in process with `app.request()`: a real authenticator and a files
// service on a fake cluster. Every error kind the API documents answers its status with a JSON
// body whose code matches; the cross-server 409 has the CallFS body; 500s leak nothing; every
// response carries the security headers and a request id.
import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { expect } from 'chai';
import type { Hono } from 'hono';
import { pino } from 'pino';
import { createAuthenticator } from '../../../src/auth/api-keys.js';
import { createEdgeApp } from '../../../src/edge/app.js';
import { HTTP_STATUS } from '../../../src/edge/error-map.js';
import type { EdgeEnv } from '../../../src/edge/request.js';
import type { FilesApi } from '../../../src/files/ports.js';
import {
  caller,
  fakeCluster,
  fakeHttpUrl,
  sha256,
  writeFile,
  type FakeCluster,
  type FakeNode,
} from '../../support/fakes.js';

const API_KEY = 'edge-test-key-0123456789abcdef'; // user api-user-0
const ALICE_KEY = 'alice-key-0123456789abcdef';
const ROOT_KEY = 'root-key-0123456789abcdef';
const INTERNAL_SECRET = 'internal-secret-0123456789abcdef';
const MAX_BODY = 64 * 1024;

const auth = createAuthenticator({
  apiKeys: [API_KEY],
  apiKeyUsers: { alice: ALICE_KEY, root: ROOT_KEY },
  internalSecret: INTERNAL_SECRET,
});

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'strict-origin-when-cross-origin',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
};

type App = Hono<EdgeEnv>;
type Body = NonNullable<RequestInit['body']>;

interface SendOptions {
  key?: string | null;
  body?: Body | Buffer;
  headers?: Record<string, string>;
}

function edge(
  node: FakeNode,
  o: { files?: FilesApi; tls?: boolean; logs?: string[]; ready?: boolean } = {},
): App {
  const logs = o.logs;
  const logger = logs
    ? pino(
        { level: 'error' },
        new Writable({
          write(chunk: Buffer, _encoding, callback) {
            logs.push(chunk.toString());
            callback();
          },
        }),
      )
    : pino({ level: 'silent' });
  return createEdgeApp({
    files: o.files ?? node.files,
    auth,
    logger,
    instanceId: node.id,
    tls: o.tls,
    ready: async () => o.ready ?? true,
  });
}

async function send(
  app: App,
  method: string,
  path: string,
  o: SendOptions = {},
): Promise<Response> {
  const headers: Record<string, string> = { ...o.headers };
  const key = o.key === undefined ? API_KEY : o.key;
  if (key !== null) headers.authorization = `Bearer ${key}`;
  const body = o.body as Body | undefined;
  const init = { method, headers, body, duplex: 'half' } as RequestInit;
  return app.request(path, init);
}

function securityHeadersOf(res: Response): Record<string, string | null> {
  return Object.fromEntries(Object.keys(SECURITY_HEADERS).map((k) => [k, res.headers.get(k)]));
}

/** A FilesApi whose every operation fails with a plain Error carrying internals. */
const BROKEN = new Proxy(
  {},
  {
    get: () => () => Promise.reject(new Error('etcd password hunter2 at /srv/callfs/x.ts:42')),
  },
) as FilesApi;

describe('HTTP edge', () => {
  let cluster: FakeCluster;
  let a: FakeNode;
  let b: FakeNode;
  let app: App;
  const alice = caller('alice');

  beforeEach(async () => {
    cluster = await fakeCluster(['node-a', 'node-b'], { maxBodyBytes: MAX_BODY });
    [a, b] = cluster.nodes;
    app = edge(a);
  });
  afterEach(async () => {
    await cluster.close();
  });

  describe('files', () => {
    it('should answer 201 with the entry when a new file is POSTed', async () => {
      const res = await send(app, 'POST', '/v1/files/docs/a.txt', { body: 'hello' });
      expect(res.status).to.equal(201);
      expect(await res.json()).to.include({ path: '/docs/a.txt', type: 'file', size: 5 });
    });

    it('should answer 201 then 200 when a path is PUT twice', async () => {
      const first = await send(app, 'PUT', '/v1/files/put.txt', { body: 'v1' });
      const second = await send(app, 'PUT', '/v1/files/put.txt', { body: 'v2' });
      expect([first.status, second.status]).to.deep.equal([201, 200]);
      expect(a.storage.read('/put.txt')?.toString()).to.equal('v2');
    });

    it('should serve the bytes with metadata headers when a file is fetched with GET', async () => {
      const data = randomBytes(30_000);
      await send(app, 'POST', '/v1/files/bin/x.bin', { body: data, key: ALICE_KEY });
      const res = await send(app, 'GET', '/v1/files/bin/x.bin');
      expect(sha256(Buffer.from(await res.arrayBuffer()))).to.equal(sha256(data));
      expect(res.headers.get('content-length')).to.equal(String(data.length));
      expect(res.headers.get('x-callfs-owner')).to.equal('alice');
    });

    it('should keep every byte when a body is streamed without Content-Length', async () => {
      const data = randomBytes(50_000);
      const body = Readable.toWeb(Readable.from([data.subarray(0, 20_000), data.subarray(20_000)]));
      const res = await send(app, 'PUT', '/v1/files/stream.bin', { body: body as Body });
      expect(res.status).to.equal(201);
      expect(sha256(a.storage.read('/stream.bin') ?? '')).to.equal(sha256(data));
    });

    it('should name the owner node when a file owned by another node is fetched with GET', async () => {
      await writeFile(b.files, alice, '/on-b.txt', 'from b');
      const res = await send(app, 'GET', '/v1/files/on-b.txt');
      expect(await res.text()).to.equal('from b');
      expect(res.headers.get('x-callfs-instance-id')).to.equal('node-b');
    });

    it('should answer HEAD with the metadata headers and no body when the file exists', async () => {
      await writeFile(a.files, alice, '/head.txt', '12345');
      const res = await send(app, 'HEAD', '/v1/files/head.txt');
      expect(res.headers.get('x-callfs-size')).to.equal('5');
      expect(res.headers.get('x-callfs-mode')).to.equal('0644');
      expect(await res.text()).to.equal('');
    });

    it('should answer 204 and remove the file when it is DELETEd', async () => {
      await send(app, 'POST', '/v1/files/del.txt', { body: 'x' });
      const res = await send(app, 'DELETE', '/v1/files/del.txt');
      expect(res.status).to.equal(204);
      expect(cluster.store.inodes.has('/del.txt')).to.equal(false);
    });

    it('should answer 201 then 200 when a directory is POSTed twice with a trailing slash', async () => {
      const first = await send(app, 'POST', '/v1/files/dir/');
      const second = await send(app, 'POST', '/v1/files/dir/');
      expect([first.status, second.status]).to.deep.equal([201, 200]);
    });

    it('should answer a JSON array of entries when a directory is fetched with GET', async () => {
      await writeFile(a.files, alice, '/ls/one.txt', '1');
      await writeFile(b.files, alice, '/ls/two.txt', '22');
      const res = await send(app, 'GET', '/v1/files/ls');
      const entries = (await res.json()) as Array<{ name: string }>;
      expect(res.headers.get('x-callfs-type')).to.equal('directory');
      expect(entries.map((e) => e.name)).to.deep.equal(['one.txt', 'two.txt']);
    });

    it('should answer 503 when the node is not ready', async () => {
      const res = await send(edge(a, { ready: false }), 'GET', '/ready', { key: null });
      expect(res.status).to.equal(503);
    });
  });

  describe('errors', () => {
    interface ErrorCase {
      status: number;
      code: string;
      when: string;
      request: () => Promise<Response>;
    }

    const cases: ErrorCase[] = [
      {
        status: 401,
        code: 'AUTHENTICATION_FAILED',
        when: 'the key is missing',
        request: () => send(app, 'GET', '/v1/files/x', { key: null }),
      },
      {
        status: 401,
        code: 'AUTHENTICATION_FAILED',
        when: 'the key is wrong',
        request: () => send(app, 'GET', '/v1/files/x', { key: 'wrong-key-0123456789abcdef' }),
      },
      {
        status: 401,
        code: 'AUTHENTICATION_FAILED',
        when: 'the bearer token is empty',
        request: () =>
          send(app, 'GET', '/v1/files/x', { key: null, headers: { authorization: 'Bearer ' } }),
      },
      {
        status: 403,
        code: 'PERMISSION_DENIED',
        when: "another user PUTs someone else's file",
        request: async () => {
          await writeFile(a.files, alice, '/perm.txt', 'alice');
          return send(app, 'PUT', '/v1/files/perm.txt', { body: 'mine' });
        },
      },
      {
        status: 403,
        code: 'PERMISSION_DENIED',
        when: "another user DELETEs someone else's file",
        request: async () => {
          await writeFile(b.files, alice, '/perm-b.txt', 'alice');
          return send(app, 'DELETE', '/v1/files/perm-b.txt');
        },
      },
      {
        status: 404,
        code: 'FILE_NOT_FOUND',
        when: 'a missing file is GOT',
        request: () => send(app, 'GET', '/v1/files/missing.txt'),
      },
      {
        status: 404,
        code: 'FILE_NOT_FOUND',
        when: 'a missing file is DELETEd',
        request: () => send(app, 'DELETE', '/v1/files/missing.txt'),
      },
      {
        status: 404,
        code: 'ROUTE_NOT_FOUND',
        when: 'an unknown /v1 endpoint is asked',
        request: () => send(app, 'GET', '/v1/nothing'),
      },
      {
        status: 404,
        code: 'ROUTE_NOT_FOUND',
        when: 'an unknown endpoint is asked without a key',
        request: () => send(app, 'GET', '/nothing', { key: null }),
      },
      {
        status: 405,
        code: 'METHOD_NOT_ALLOWED',
        when: 'a WebDAV method is sent to /v1/files',
        request: () => send(app, 'PROPFIND', '/v1/files/x.txt'),
      },
      {
        status: 405,
        code: 'METHOD_NOT_ALLOWED',
        when: 'OPTIONS is sent to /v1/files',
        request: () => send(app, 'OPTIONS', '/v1/files/x.txt'),
      },
      {
        status: 409,
        code: 'FILE_ALREADY_EXISTS',
        when: 'a file of this node is POSTed again',
        request: async () => {
          await send(app, 'POST', '/v1/files/dup.txt', { body: 'one' });
          return send(app, 'POST', '/v1/files/dup.txt', { body: 'two' });
        },
      },
      {
        status: 409,
        code: 'FILE_ALREADY_EXISTS',
        when: 'a file is POSTed where a directory of this node exists',
        request: async () => {
          await send(app, 'POST', '/v1/files/here-dir/');
          return send(app, 'POST', '/v1/files/here-dir', { body: 'x' });
        },
      },
      {
        status: 409,
        code: 'DIRECTORY_NOT_EMPTY',
        when: 'a non-empty directory is DELETEd',
        request: async () => {
          await writeFile(a.files, caller('api-user-0'), '/full/child.txt', 'c');
          return send(app, 'DELETE', '/v1/files/full');
        },
      },
      {
        status: 409,
        code: 'PARENT_NOT_A_DIRECTORY',
        when: 'a file is created under a file',
        request: async () => {
          await send(app, 'POST', '/v1/files/pf.txt', { body: 'f' });
          return send(app, 'POST', '/v1/files/pf.txt/child', { body: 'x' });
        },
      },
      {
        status: 413,
        code: 'PAYLOAD_TOO_LARGE',
        when: 'Content-Length exceeds the limit',
        request: () =>
          send(app, 'POST', '/v1/files/big.bin', {
            body: Buffer.alloc(MAX_BODY + 1),
            headers: { 'content-length': String(MAX_BODY + 1) },
          }),
      },
      {
        status: 413,
        code: 'PAYLOAD_TOO_LARGE',
        when: 'a body without Content-Length exceeds the limit',
        request: () => send(app, 'PUT', '/v1/files/big.bin', { body: Buffer.alloc(MAX_BODY + 1) }),
      },
      {
        status: 400,
        code: 'INVALID_PATH',
        when: 'the path contains NUL',
        request: () => send(app, 'GET', '/v1/files/a%00b'),
      },
      {
        status: 400,
        code: 'INVALID_PATH',
        when: 'the path contains a backslash',
        request: () => send(app, 'PUT', '/v1/files/a%5Cb', { body: 'x' }),
      },
      {
        status: 400,
        code: 'INVALID_PATH',
        when: 'encoded dot-dot segments climb above the root',
        request: () => send(app, 'GET', '/v1/files/a/..%2F..%2Fetc%2Fpasswd'),
      },
      {
        status: 400,
        code: 'INVALID_PATH',
        when: 'the path is under the reserved .callfs folder',
        request: () => send(app, 'PUT', '/v1/files/.callfs/tmp/x', { body: 'x' }),
      },
      {
        status: 400,
        code: 'INVALID_PATH',
        when: 'a segment is longer than 255 bytes',
        request: () => send(app, 'GET', `/v1/files/${'x'.repeat(256)}`),
      },
      {
        status: 400,
        code: 'NOT_A_FILE',
        when: 'an existing directory is PUT',
        request: async () => {
          await send(app, 'POST', '/v1/files/a-dir/');
          return send(app, 'PUT', '/v1/files/a-dir', { body: 'x' });
        },
      },
      {
        status: 400,
        code: 'BAD_REQUEST',
        when: 'PUT has a trailing slash',
        request: () => send(app, 'PUT', '/v1/files/dir/', { body: 'x' }),
      },
      {
        status: 503,
        code: 'NODE_NOT_SERVING',
        when: 'the node lost its membership and a file is POSTed',
        request: () => {
          a.metadata.setServing(false);
          return send(app, 'POST', '/v1/files/ns.txt', { body: 'x' });
        },
      },
      {
        status: 503,
        code: 'OWNER_UNAVAILABLE',
        when: 'the owner of the file cannot be reached',
        request: async () => {
          await writeFile(b.files, alice, '/down.txt', 'b');
          cluster.disconnect('node-b');
          return send(app, 'GET', '/v1/files/down.txt');
        },
      },
      {
        status: 500,
        code: 'INTERNAL_ERROR',
        when: 'the files service throws a plain Error',
        request: () => send(edge(a, { files: BROKEN }), 'GET', '/v1/files/x'),
      },
    ];

    for (const c of cases) {
      it(`should answer ${c.status} ${c.code} as JSON when ${c.when}`, async () => {
        const res = await c.request();
        expect(res.status).to.equal(c.status);
        expect(res.headers.get('content-type')).to.match(/^application\/json/);
        expect(((await res.json()) as { code: string }).code).to.equal(c.code);
      });
    }

    it('should map every tested code to its tested status when the error table is read', () => {
      const mismatched = cases.filter((c) => HTTP_STATUS[c.code] !== c.status).map((c) => c.code);
      expect(mismatched).to.deep.equal([]);
    });

    it('should send Retry-After when the node does not serve', async () => {
      a.metadata.setServing(false);
      const res = await send(app, 'PUT', '/v1/files/ns.txt', { body: 'x' });
      expect(res.headers.get('retry-after')).to.equal('1');
    });

    it('should name the owner and send Retry-After when the owner is unavailable', async () => {
      await writeFile(b.files, alice, '/gone.txt', 'b');
      await b.metadata.deregister();
      const res = await send(app, 'GET', '/v1/files/gone.txt');
      expect(((await res.json()) as { instance_id: string }).instance_id).to.equal('node-b');
      expect(res.headers.get('retry-after')).to.equal('1');
    });

    it('should create nothing when Content-Length exceeds the limit', async () => {
      await send(app, 'POST', '/v1/files/big.bin', {
        body: Buffer.alloc(MAX_BODY + 1),
        headers: { 'content-length': String(MAX_BODY + 1) },
      });
      expect(cluster.store.inodes.has('/big.bin')).to.equal(false);
      expect(a.storage.stagedCount()).to.equal(0);
    });

    it('should answer only code and a generic message when a 500 happens', async () => {
      const res = await send(edge(a, { files: BROKEN }), 'GET', '/v1/files/x');
      expect(await res.json()).to.deep.equal({ code: 'INTERNAL_ERROR', message: 'internal error' });
    });

    it('should log the internal detail when a 500 happens', async () => {
      const logs: string[] = [];
      await send(edge(a, { files: BROKEN, logs }), 'GET', '/v1/files/x');
      expect(logs.join('')).to.contain('hunter2');
    });
  });

  describe('cross-server 409', () => {
    const ownerBase = 'http://node-b.callfs.test:8443';

    beforeEach(async () => {
      await writeFile(b.files, alice, '/shared/report.docx', 'on b');
      await b.files.mkdir(alice, '/projects');
    });

    it('should answer the CallFS body when a file is POSTed over a file of another node', async () => {
      const res = await send(app, 'POST', '/v1/files/shared/report.docx', { body: 'a' });
      expect(res.status).to.equal(409);
      expect(await res.json()).to.deep.equal({
        error: 'Resource exists on another server',
        existing_path: '/shared/report.docx',
        instance_id: 'node-b',
        backend_type: 'localfs',
        suggestion: 'File already exists on another server. Use PUT to update it.',
        update_url: `${ownerBase}/v1/files/shared/report.docx`,
        code: 'FILE_ALREADY_EXISTS',
        message: 'Resource exists on another server',
      });
    });

    it('should answer the CallFS body when a directory is POSTed over a directory of another node', async () => {
      const res = await send(app, 'POST', '/v1/files/projects/');
      expect(res.status).to.equal(409);
      expect(await res.json()).to.deep.equal({
        error: 'Resource exists on another server',
        existing_path: '/projects',
        instance_id: 'node-b',
        backend_type: 'localfs',
        suggestion: 'Directory already exists on another server. Use GET to access it.',
        update_url: `${ownerBase}/v1/files/projects`,
        code: 'FILE_ALREADY_EXISTS',
        message: 'Resource exists on another server',
      });
    });

    it('should answer the CallFS body when a directory is POSTed over a file of another node', async () => {
      const res = await send(app, 'POST', '/v1/files/shared/report.docx/');
      expect(res.status).to.equal(409);
      expect(await res.json()).to.deep.equal({
        error: 'Resource exists on another server',
        existing_path: '/shared/report.docx',
        instance_id: 'node-b',
        backend_type: 'localfs',
        suggestion: 'Path exists as file on another server, cannot create directory',
        update_url: `${ownerBase}/v1/files/shared/report.docx`,
        code: 'FILE_ALREADY_EXISTS',
        message: 'Resource exists on another server',
      });
    });

    it('should answer the CallFS body when a file is POSTed over a directory of another node', async () => {
      const res = await send(app, 'POST', '/v1/files/projects', { body: 'a' });
      expect(res.status).to.equal(409);
      expect(await res.json()).to.deep.equal({
        error: 'Resource exists on another server',
        existing_path: '/projects',
        instance_id: 'node-b',
        backend_type: 'localfs',
        suggestion: 'Path exists as directory on another server, cannot create file',
        update_url: `${ownerBase}/v1/files/projects`,
        code: 'FILE_ALREADY_EXISTS',
        message: 'Resource exists on another server',
      });
    });

    it('should send the body as JSON when the 409 is cross-server', async () => {
      const res = await send(app, 'POST', '/v1/files/shared/report.docx', { body: 'a' });
      expect(res.headers.get('content-type')).to.match(/^application\/json/);
    });

    it('should keep the existing content when a cross-server POST conflicts', async () => {
      await send(app, 'POST', '/v1/files/shared/report.docx', { body: 'a' });
      expect(b.storage.read('/shared/report.docx')?.toString()).to.equal('on b');
      expect(a.storage.paths()).to.deep.equal([]);
    });
  });

  describe('cross-server 409 update_url', () => {
    it("should build update_url from the owner's advertised URL in membership when it has a trailing slash and the path needs encoding", async () => {
      const other = await fakeCluster(['node-a', 'node-b'], {
        httpUrl: (id) => (id === 'node-b' ? 'https://files-b.example.com:9443/' : fakeHttpUrl(id)),
      });
      await writeFile(other.node('node-b').files, alice, '/team/my report#1.txt', 'b');
      const res = await send(
        edge(other.node('node-a')),
        'POST',
        '/v1/files/team/my%20report%231.txt',
        {
          body: 'a',
        },
      );
      await other.close();
      expect(((await res.json()) as { update_url: string }).update_url).to.equal(
        'https://files-b.example.com:9443/v1/files/team/my%20report%231.txt',
      );
    });
  });

  describe('response headers', () => {
    const requests: Array<{ what: string; request: () => Promise<Response> }> = [
      { what: 'GET /health succeeds', request: () => send(app, 'GET', '/health', { key: null }) },
      {
        what: 'a file is created',
        request: () => send(app, 'POST', '/v1/files/h.txt', { body: 'x' }),
      },
      {
        what: 'a file body is streamed',
        request: async () => {
          await writeFile(a.files, alice, '/h2.txt', 'x');
          return send(app, 'GET', '/v1/files/h2.txt');
        },
      },
      { what: 'the key is missing', request: () => send(app, 'GET', '/v1/files/', { key: null }) },
      { what: 'a file is missing', request: () => send(app, 'GET', '/v1/files/none') },
      { what: 'no route matches', request: () => send(app, 'GET', '/nowhere', { key: null }) },
      {
        what: 'an internal error happens',
        request: () => send(edge(a, { files: BROKEN }), 'GET', '/v1/files/x'),
      },
    ];

    for (const r of requests) {
      it(`should send the security headers and a request id when ${r.what}`, async () => {
        const res = await r.request();
        expect(securityHeadersOf(res)).to.deep.equal(SECURITY_HEADERS);
        expect(res.headers.get('x-request-id')).to.match(/^[0-9a-f]{16}$/);
      });
    }

    it('should send a fresh request id when two requests are answered', async () => {
      const one = await send(app, 'GET', '/health', { key: null });
      const two = await send(app, 'GET', '/health', { key: null });
      expect(one.headers.get('x-request-id')).to.not.equal(two.headers.get('x-request-id'));
    });

    it('should not send Strict-Transport-Security when the edge is not TLS', async () => {
      const res = await send(app, 'GET', '/health', { key: null });
      expect(res.headers.get('strict-transport-security')).to.equal(null);
    });

    it('should send Strict-Transport-Security when the edge is TLS', async () => {
      const res = await send(edge(a, { tls: true }), 'GET', '/v1/files/none');
      expect(res.headers.get('strict-transport-security')).to.match(/max-age=\d+/);
    });
  });
});
