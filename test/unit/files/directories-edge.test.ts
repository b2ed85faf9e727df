// `GET /v1/directories/{path}`, `DELETE /v1/files/{dir}?recursive=true` and the streamed
// CallFS array of `GET /v1/files/{dir}/`, driven in process through the HTTP edge
// (`app.request()`) on a fake 3-node cluster.
import { expect } from 'chai';
import type { Hono } from 'hono';
import { pino } from 'pino';
import { createAuthenticator } from '../../../src/auth/api-keys.js';
import { createEdgeApp } from '../../../src/edge/app.js';
import type { EdgeEnv } from '../../../src/edge/request.js';
import {
  caller,
  fakeCluster,
  writeFile,
  type FakeCluster,
  type FakeNode,
} from '../../support/fakes.js';

const API_KEY = 'dir-edge-key-0123456789abcdef'; // user api-user-0
const auth = createAuthenticator({
  apiKeys: [API_KEY],
  apiKeyUsers: {},
  internalSecret: 'internal-secret-0123456789abcdef',
});

interface Json {
  code?: string;
  [key: string]: unknown;
}

describe('HTTP edge: directories', () => {
  let cluster: FakeCluster;
  let a: FakeNode;
  let b: FakeNode;
  let app: Hono<EdgeEnv>;
  const user = caller('api-user-0');

  const send = (method: string, path: string, key: string | null = API_KEY) =>
    app.request(path, { method, headers: key ? { authorization: `Bearer ${key}` } : {} });
  const json = async (res: Response) => (await res.json()) as Json;

  beforeEach(async () => {
    cluster = await fakeCluster(['node-a', 'node-b', 'node-c']);
    [a, b] = cluster.nodes;
    app = createEdgeApp({
      files: a.files,
      auth,
      logger: pino({ level: 'silent' }),
      instanceId: a.id,
      ready: async () => true,
    });
    for (const p of ['/d/b.txt', '/d/a.txt', '/d/sub/c.txt'])
      await writeFile(b.files, user, p, 'x');
  });
  afterEach(async () => {
    await cluster.close();
  });

  describe('GET /v1/directories/{path}', () => {
    it('should answer 200 with the listing body when a directory is listed', async () => {
      const body = await json(await send('GET', '/v1/directories/d'));
      expect(body).to.include({ path: '/d', type: 'directory', recursive: false, count: 3 });
      expect((body.items as Json[]).map((i) => i.name)).to.deep.equal(['a.txt', 'b.txt', 'sub']);
    });

    it('should send the entries as in the CallFS listing when listed', async () => {
      const body = await json(await send('GET', '/v1/directories/d'));
      expect((body.items as Json[])[0]).to.include({
        name: 'a.txt',
        path: '/d/a.txt',
        type: 'file',
        size: 1,
        mode: '0644',
        owner: 'api-user-0',
        instance_id: 'node-b',
      });
    });

    it('should send the directory headers when a directory is listed', async () => {
      const res = await send('GET', '/v1/directories/d?recursive=true');
      expect([
        res.headers.get('x-callfs-type'),
        res.headers.get('x-callfs-count'),
        res.headers.get('x-callfs-recursive'),
      ]).to.deep.equal(['directory', '4', 'true']);
    });

    it('should list the root when no path is given', async () => {
      const res = await send('GET', '/v1/directories');
      expect((await json(res)).path).to.equal('/');
    });

    it('should give a next_cursor that continues the listing when a limit is given', async () => {
      const first = await json(await send('GET', '/v1/directories/d?limit=2'));
      const cursor = encodeURIComponent(first.next_cursor as string);
      const second = await json(await send('GET', `/v1/directories/d?limit=2&cursor=${cursor}`));
      expect((second.items as Json[]).map((i) => i.name)).to.deep.equal(['sub']);
      expect(second).to.not.have.property('next_cursor');
    });

    it('should cap max_depth at 1000 when a larger one is asked', async () => {
      const res = await send('GET', '/v1/directories/d?recursive=true&max_depth=5000');
      expect(res.status).to.equal(200);
    });

    for (const q of [
      'limit=0',
      'limit=10001',
      'limit=ten',
      'max_depth=-1',
      'max_depth=1.5',
      'recursive=maybe',
    ]) {
      it(`should answer 400 BAD_REQUEST when the query is ${q}`, async () => {
        const res = await send('GET', `/v1/directories/d?${q}`);
        expect([res.status, (await json(res)).code]).to.deep.equal([400, 'BAD_REQUEST']);
      });
    }

    for (const q of ['cursor=', 'cursor=bm9wZQ']) {
      it(`should answer 400 INVALID_CURSOR when the query is ${q}`, async () => {
        const res = await send('GET', `/v1/directories/d?${q}`);
        expect([res.status, (await json(res)).code]).to.deep.equal([400, 'INVALID_CURSOR']);
      });
    }

    it('should answer 410 CURSOR_EXPIRED when the cursor revision was compacted', async () => {
      const first = await json(await send('GET', '/v1/directories/d?limit=1'));
      await writeFile(b.files, user, '/d/later', 'x');
      cluster.store.compact(cluster.store.currentRevision());
      const cursor = encodeURIComponent(first.next_cursor as string);
      const res = await send('GET', `/v1/directories/d?limit=1&cursor=${cursor}`);
      expect([res.status, (await json(res)).code]).to.deep.equal([410, 'CURSOR_EXPIRED']);
    });

    it('should answer 404 FILE_NOT_FOUND when the directory is missing', async () => {
      const res = await send('GET', '/v1/directories/nope');
      expect([res.status, (await json(res)).code]).to.deep.equal([404, 'FILE_NOT_FOUND']);
    });

    it('should answer 400 NOT_A_DIRECTORY when the path is a file', async () => {
      const res = await send('GET', '/v1/directories/d/a.txt');
      expect([res.status, (await json(res)).code]).to.deep.equal([400, 'NOT_A_DIRECTORY']);
    });

    it('should answer 401 when the key is missing', async () => {
      expect((await send('GET', '/v1/directories/d', null)).status).to.equal(401);
    });

    it('should answer 405 METHOD_NOT_ALLOWED when the method is not GET', async () => {
      const res = await send('POST', '/v1/directories/d');
      expect([res.status, (await json(res)).code]).to.deep.equal([405, 'METHOD_NOT_ALLOWED']);
    });
  });

  describe('GET /v1/files/{dir}/', () => {
    it('should stream the children as a JSON array when a directory is read', async () => {
      const res = await send('GET', '/v1/files/d/');
      const body = (await res.json()) as Json[];
      expect(res.headers.get('content-type')).to.match(/^application\/json/);
      expect(body.map((e) => e.name)).to.deep.equal(['a.txt', 'b.txt', 'sub']);
    });

    it('should answer an empty array when the directory is empty', async () => {
      await a.files.mkdir(user, '/empty');
      expect(await (await send('GET', '/v1/files/empty/')).json()).to.deep.equal([]);
    });
  });

  describe('DELETE /v1/files/{dir}?recursive=true', () => {
    it('should answer 204 and remove the subtree when recursive is true', async () => {
      const res = await send('DELETE', '/v1/files/d?recursive=true');
      expect(res.status).to.equal(204);
      expect(await a.metadata.get('/d')).to.equal(null);
    });

    it('should answer 409 DIRECTORY_NOT_EMPTY when recursive is not given', async () => {
      const res = await send('DELETE', '/v1/files/d');
      expect([res.status, (await json(res)).code]).to.deep.equal([409, 'DIRECTORY_NOT_EMPTY']);
    });

    it('should answer 400 BAD_REQUEST when recursive is neither true nor false', async () => {
      const res = await send('DELETE', '/v1/files/d?recursive=yes');
      expect([res.status, (await json(res)).code]).to.deep.equal([400, 'BAD_REQUEST']);
    });
  });
});
