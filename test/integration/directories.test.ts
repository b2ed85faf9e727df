// Directory listings and recursive delete on one node over real HTTP and gRPC, with a real etcd:
// /v1/directories pages at one etcd revision, its cursors expire with compaction, a directory
// of 5,000 children pages without one giant read, and a recursive delete leaves no key, no
// byte and no journal entry behind.
import { expect } from 'chai';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { Etcd3 } from 'etcd3';
import { encodeInode } from '../../src/metadata/records.js';
import { loadProto } from '../../src/peer/proto.js';
import { startEtcd, type EtcdHandle } from '../support/etcd.js';
import { call, jsonOf, rawRequest, type ApiJson } from '../support/http.js';
import { API_KEY, OTHER_KEY, startInProcessNode, type InProcessNode } from '../support/node.js';

const PREFIX = '/dirs/';

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

describe('directories on one node', function () {
  this.timeout(60_000);
  let etcd: EtcdHandle;
  let raw: Etcd3;
  let node: InProcessNode;
  let base: string;

  const names = (body: ApiJson) => (body.items as ApiJson[]).map((i) => i.path as string);
  const list = async (path: string) => jsonOf(await call(base, 'GET', path));
  const post = async (path: string, body = 'x') => {
    const res = await call(base, 'POST', path, { body });
    if (res.status !== 201) throw new Error(`POST ${path}: ${res.status}`);
  };
  const keys = async (prefix: string) =>
    (await raw.getAll().prefix(prefix).keys()).map((k) => k.toString());

  before(async () => {
    etcd = await startEtcd();
    raw = new Etcd3({ hosts: etcd.endpoint });
    node = await startInProcessNode(etcd.endpoint, { prefix: PREFIX });
    base = node.url;
  });
  after(async () => {
    raw?.close();
    await node?.stop();
    await etcd?.stop();
  });

  describe('GET /v1/directories/{path}', () => {
    before(async () => {
      for (const p of ['/l/b.txt', '/l/a.txt', '/l/sub/c.txt', '/l/sub/deep/d.txt', '/lx/no']) {
        await post(`/v1/files${p}`);
      }
    });

    it('should list the children sorted by name with their count when asked', async () => {
      const body = await list('/v1/directories/l');
      expect(body).to.include({ path: '/l', type: 'directory', recursive: false, count: 3 });
      expect(names(body)).to.deep.equal(['/l/a.txt', '/l/b.txt', '/l/sub']);
    });

    it('should send X-CallFS-Type, X-CallFS-Count and X-CallFS-Recursive when listing', async () => {
      const res = await call(base, 'GET', '/v1/directories/l?recursive=true');
      expect([
        res.headers.get('x-callfs-type'),
        res.headers.get('x-callfs-count'),
        res.headers.get('x-callfs-recursive'),
      ]).to.deep.equal(['directory', '6', 'true']);
    });

    it('should list the subtree parent by parent when recursive', async () => {
      const body = await list('/v1/directories/l?recursive=true');
      expect(names(body)).to.deep.equal([
        '/l/a.txt',
        '/l/b.txt',
        '/l/sub',
        '/l/sub/c.txt',
        '/l/sub/deep',
        '/l/sub/deep/d.txt',
      ]);
    });

    it('should stop at max_depth when recursive', async () => {
      const body = await list('/v1/directories/l?recursive=true&max_depth=1');
      expect(names(body)).to.deep.equal([
        '/l/a.txt',
        '/l/b.txt',
        '/l/sub',
        '/l/sub/c.txt',
        '/l/sub/deep',
      ]);
      expect(body.count).to.equal(5);
    });

    it('should answer 404 FILE_NOT_FOUND when the directory is missing', async () => {
      const res = await call(base, 'GET', '/v1/directories/missing');
      expect([res.status, (await jsonOf(res)).code]).to.deep.equal([404, 'FILE_NOT_FOUND']);
    });

    it('should answer 400 NOT_A_DIRECTORY when the path is a file', async () => {
      const res = await call(base, 'GET', '/v1/directories/l/a.txt');
      expect([res.status, (await jsonOf(res)).code]).to.deep.equal([400, 'NOT_A_DIRECTORY']);
    });

    it('should answer 400 INVALID_PATH when the raw path climbs above the root', async () => {
      const res = await rawRequest(base, 'GET', '/v1/directories/../../etc');
      expect(res.status).to.equal(400);
      expect(JSON.parse(res.body.toString()).code).to.equal('INVALID_PATH');
    });

    it('should answer 400 BAD_REQUEST when max_depth is not a number', async () => {
      const res = await call(base, 'GET', '/v1/directories/l?recursive=true&max_depth=deep');
      expect([res.status, (await jsonOf(res)).code]).to.deep.equal([400, 'BAD_REQUEST']);
    });
  });

  describe('paging', () => {
    before(async () => {
      for (const n of ['a', 'b', 'd', 'e', 'f']) await post(`/v1/files/pg/${n}`);
    });

    it('should read every page at the first page revision when a file is created between pages', async () => {
      const first = await list('/v1/directories/pg?limit=2');
      await post('/v1/files/pg/c');
      const cursor = encodeURIComponent(first.next_cursor as string);
      const second = await list(`/v1/directories/pg?limit=2&cursor=${cursor}`);
      const third = await list(
        `/v1/directories/pg?limit=2&cursor=${encodeURIComponent(second.next_cursor as string)}`,
      );
      expect([names(first), names(second), names(third)]).to.deep.equal([
        ['/pg/a', '/pg/b'],
        ['/pg/d', '/pg/e'],
        ['/pg/f'],
      ]);
      expect([first.count, second.count, third.count, third.next_cursor]).to.deep.equal([
        5,
        5,
        5,
        undefined,
      ]);
    });

    it('should answer 400 INVALID_CURSOR when the cursor is malformed', async () => {
      const res = await call(base, 'GET', '/v1/directories/pg?cursor=not-a-cursor');
      expect([res.status, (await jsonOf(res)).code]).to.deep.equal([400, 'INVALID_CURSOR']);
    });

    describe('on a second node', () => {
      let other: InProcessNode;
      before(async () => {
        other = await startInProcessNode(etcd.endpoint, { prefix: PREFIX, instanceId: 'node-2' });
      });
      after(async () => {
        await other?.stop();
      });

      it('should continue the listing when a cursor made on one node is used on another', async () => {
        const first = await list('/v1/directories/pg?limit=2');
        const cursor = encodeURIComponent(first.next_cursor as string);
        const res = await call(other.url, 'GET', `/v1/directories/pg?limit=2&cursor=${cursor}`);
        const second = await jsonOf(res);
        expect([res.status, second.count]).to.deep.equal([200, first.count]);
        expect(names(second)[0]! > names(first)[1]!).to.equal(true);
      });

      it('should answer 400 INVALID_CURSOR when a cursor is altered to list deleted names and invent a count', async () => {
        const first = await list('/v1/directories/pg?limit=1');
        const [payload, mac] = (first.next_cursor as string).split('.') as [string, string];
        const state = JSON.parse(Buffer.from(payload, 'base64url').toString()) as object;
        const altered = Buffer.from(JSON.stringify({ ...state, rev: '2', n: 1_000_000 }));
        const cursor = `${altered.toString('base64url')}.${mac}`;
        const res = await call(other.url, 'GET', `/v1/directories/pg?limit=1&cursor=${cursor}`);
        expect([res.status, (await jsonOf(res)).code]).to.deep.equal([400, 'INVALID_CURSOR']);
      });
    });

    it('should answer 410 CURSOR_EXPIRED when etcd compacted the cursor revision', async () => {
      const first = await list('/v1/directories/pg?limit=1');
      await post('/v1/files/pg/g');
      const { header } = await raw.kv.range({ key: Buffer.from('x') });
      await raw.kv.compact({ revision: header.revision });
      const cursor = encodeURIComponent(first.next_cursor as string);
      const res = await call(base, 'GET', `/v1/directories/pg?limit=1&cursor=${cursor}`);
      expect([res.status, (await jsonOf(res)).code]).to.deep.equal([410, 'CURSOR_EXPIRED']);
    });
  });

  describe('a directory of 5,000 children', () => {
    const COUNT = 5000;
    const name = (i: number) => `f${String(i).padStart(5, '0')}`;

    before(async () => {
      const res = await call(base, 'POST', '/v1/files/big/');
      expect(res.status).to.equal(201);
      // Seeded straight into etcd (as a node would store them), 128 puts per transaction.
      const value = Buffer.from(
        encodeInode({
          type: 'directory',
          instance_id: 'node-1',
          backend_type: 'localfs',
          size: 0,
          mode: 0o755,
          owner: 'api-user-0',
          mtime: Date.now(),
          gen: 1,
          state: 'ready',
        }),
      );
      for (let i = 0; i < COUNT; i += 128) {
        const puts = [];
        for (let j = i; j < Math.min(i + 128, COUNT); j++) {
          puts.push({ request_put: { key: Buffer.from(`${PREFIX}fs/big//${name(j)}`), value } });
        }
        await raw.kv.txn({ success: puts });
      }
    });

    it('should page through every child in order when listed 1,000 at a time', async () => {
      const seen: string[] = [];
      const counts: unknown[] = [];
      let url = '/v1/directories/big?limit=1000';
      for (;;) {
        const page = await list(url);
        seen.push(...(page.items as ApiJson[]).map((i) => i.name as string));
        counts.push(page.count);
        if (!page.next_cursor) break;
        url = `/v1/directories/big?limit=1000&cursor=${encodeURIComponent(page.next_cursor as string)}`;
      }
      expect(counts).to.deep.equal([COUNT, COUNT, COUNT, COUNT, COUNT]);
      expect(seen).to.deep.equal(Array.from({ length: COUNT }, (_, i) => name(i)));
    });

    it('should return 1,000 entries by default when no limit is given', async () => {
      const page = await list('/v1/directories/big');
      expect([(page.items as ApiJson[]).length, typeof page.next_cursor]).to.deep.equal([
        1000,
        'string',
      ]);
    });

    it('should return the whole array when the directory is read through /v1/files', async () => {
      const body = (await (await call(base, 'GET', '/v1/files/big/')).json()) as ApiJson[];
      expect([body.length, body[0]?.name, body[COUNT - 1]?.name]).to.deep.equal([
        COUNT,
        name(0),
        name(COUNT - 1),
      ]);
    });

    it('should stream every child over gRPC List when listed directly', async () => {
      const client = grpcClient();
      const md = new grpc.Metadata();
      md.set('authorization', `Bearer ${API_KEY}`);
      let n = 0;
      for await (const msg of client.List({ path: '/big' }, md)) if (msg.entry) n++;
      client.close();
      expect(n).to.equal(COUNT);
    });
  });

  describe('recursive delete', () => {
    beforeEach(async () => {
      for (const p of ['/rd/a.txt', '/rd/sub/b.txt', '/rd/sub/deep/c.txt']) {
        await post(`/v1/files${p}`);
      }
      await call(base, 'POST', '/v1/files/rd/empty/');
    });

    it('should answer 204 and remove every key, byte and journal entry when recursive', async () => {
      const res = await call(base, 'DELETE', '/v1/files/rd?recursive=true');
      expect(res.status).to.equal(204);
      expect([
        await keys(`${PREFIX}fs/rd/`),
        await keys(`${PREFIX}fs//rd`),
        await keys(`${PREFIX}ops/`),
      ]).to.deep.equal([[], [], []]);
      expect(await exists(join(node.root, 'rd'))).to.equal(false);
    });

    it('should answer 409 DIRECTORY_NOT_EMPTY when recursive is not given', async () => {
      const res = await call(base, 'DELETE', '/v1/files/rd');
      expect([res.status, (await jsonOf(res)).code]).to.deep.equal([409, 'DIRECTORY_NOT_EMPTY']);
      await call(base, 'DELETE', '/v1/files/rd?recursive=true');
    });

    it('should answer 403 and delete nothing when the caller does not own every entry', async () => {
      await call(base, 'PUT', '/v1/files/rd/sub/alice.txt', { body: 'a', key: OTHER_KEY });
      const before = await keys(`${PREFIX}fs/rd/`);
      const res = await call(base, 'DELETE', '/v1/files/rd?recursive=true', { key: OTHER_KEY });
      expect([res.status, (await jsonOf(res)).code]).to.deep.equal([403, 'PERMISSION_DENIED']);
      expect(await keys(`${PREFIX}fs/rd/`)).to.deep.equal(before);
      await call(base, 'DELETE', '/v1/files/rd/sub/alice.txt', { key: OTHER_KEY });
      await call(base, 'DELETE', '/v1/files/rd?recursive=true');
    });

    it('should delete the subtree when gRPC Delete is called with recursive', async () => {
      const client = grpcClient();
      const md = new grpc.Metadata();
      md.set('authorization', `Bearer ${API_KEY}`);
      await new Promise<void>((resolve, reject) =>
        client.Delete({ path: '/rd', recursive: true }, md, (err) =>
          err ? reject(err) : resolve(),
        ),
      );
      client.close();
      expect(await keys(`${PREFIX}fs/rd/`)).to.deep.equal([]);
      expect(await exists(join(node.root, 'rd', 'sub', 'deep', 'c.txt'))).to.equal(false);
    });
  });

  function grpcClient() {
    const Ctor = loadProto().callfs.v1.FileService;
    return new Ctor(`127.0.0.1:${node.grpcPort}`, grpc.credentials.createInsecure());
  }
});
