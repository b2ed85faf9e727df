// A real node whose default backend is S3 (a real s3rver): new files go to the bucket as one
// object per generation, every operation of the API works on them, the node refuses to start
// with a clear error when the bucket is unusable, and /ready covers the bucket.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { Etcd3 } from 'etcd3';
import { pino } from 'pino';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createS3Client } from '../../src/storage/s3/client.js';
import { keyPrefixOf } from '../../src/storage/s3/keys.js';
import { startNode } from '../../src/node.js';
import { startEtcd, type EtcdHandle } from '../support/etcd.js';
import { call, jsonOf, sha256 } from '../support/http.js';
import {
  startInProcessNode,
  testConfig,
  uniquePrefix,
  type InProcessNode,
} from '../support/node.js';
import { startS3rver, type S3Handle } from '../support/s3.js';

describe('A node storing its files on S3', function () {
  this.timeout(60_000);
  let etcd: EtcdHandle;
  let s3: S3Handle;
  let node: InProcessNode;
  let prefix: string;
  let base: string;

  before(async () => {
    etcd = await startEtcd();
    s3 = await startS3rver();
    prefix = uniquePrefix();
    node = await startInProcessNode(etcd.endpoint, {
      prefix,
      overrides: { backend: { default_backend: 's3', ...s3.backendConfig() } },
    });
    base = node.url;
  });
  after(async () => {
    await node?.stop();
    await s3?.stop();
    await etcd?.stop();
  });

  async function objectKeys(): Promise<string[]> {
    const client = createS3Client(s3.settings());
    const res = await client.send(
      new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: keyPrefixOf(prefix) }),
    );
    return (res.Contents ?? []).map((o) => o.Key as string);
  }

  async function inode(path: string): Promise<Record<string, unknown>> {
    const client = new Etcd3({ hosts: etcd.endpoint });
    try {
      const parent = path.slice(0, path.lastIndexOf('/'));
      const name = path.slice(path.lastIndexOf('/') + 1);
      const raw = await client.get(`${prefix}fs${parent}//${name}`).string();
      return JSON.parse(raw as string) as Record<string, unknown>;
    } finally {
      client.close();
    }
  }

  it('should report backend type s3 when a file is created and read with HEAD', async () => {
    const created = await call(base, 'POST', '/v1/files/docs/a.txt', { body: 'hello s3' });
    const head = await call(base, 'HEAD', '/v1/files/docs/a.txt');
    expect([created.status, head.status]).to.deep.equal([201, 200]);
    expect(head.headers.get('x-callfs-backend-type')).to.equal('s3');
  });

  it('should record backend_type s3 and the object key in etcd when a file is created', async () => {
    await call(base, 'PUT', '/v1/files/docs/etcd.txt', { body: 'x' });
    const value = await inode('/docs/etcd.txt');
    expect(value.backend_type).to.equal('s3');
    expect(await objectKeys()).to.include(`${keyPrefixOf(prefix)}objects/${String(value.write)}`);
  });

  it('should serve the same bytes when a 20 MiB file goes through a multipart upload', async () => {
    const data = randomBytes(20 * 1024 * 1024 + 17);
    const put = await call(base, 'PUT', '/v1/files/big/one.bin', { body: data });
    const got = Buffer.from(await (await call(base, 'GET', '/v1/files/big/one.bin')).arrayBuffer());
    expect(put.status).to.equal(201);
    expect(sha256(got)).to.equal(sha256(data));
  });

  it('should leave one object and serve the new body when a file is replaced', async () => {
    await call(base, 'PUT', '/v1/files/rep.txt', { body: 'old' });
    const before = (await objectKeys()).length;
    const put = await call(base, 'PUT', '/v1/files/rep.txt', { body: 'new body' });
    const body = await (await call(base, 'GET', '/v1/files/rep.txt')).text();
    expect([put.status, body, (await objectKeys()).length]).to.deep.equal([
      200,
      'new body',
      before,
    ]);
  });

  it('should serve a range when a Range header is sent', async () => {
    await call(base, 'PUT', '/v1/files/range.txt', { body: '0123456789' });
    const res = await call(base, 'GET', '/v1/files/range.txt', {
      headers: { range: 'bytes=2-4' },
    });
    expect([res.status, await res.text()]).to.deep.equal([206, '234']);
  });

  it('should keep the object and serve it at the new path when a file is renamed', async () => {
    await call(base, 'PUT', '/v1/files/mv/src.txt', { body: 'moving' });
    const keys = await objectKeys();
    const res = await call(base, 'PATCH', '/v1/files/mv/src.txt', {
      body: JSON.stringify({ destination: '/mv/dst.txt' }),
      headers: { 'content-type': 'application/json' },
    });
    const body = await (await call(base, 'GET', '/v1/files/mv/dst.txt')).text();
    expect([res.status, body]).to.deep.equal([200, 'moving']);
    expect((await objectKeys()).sort()).to.deep.equal(keys.sort());
  });

  it('should delete the object when a file is deleted', async () => {
    await call(base, 'PUT', '/v1/files/del.txt', { body: 'bye' });
    const write = String((await inode('/del.txt')).write);
    const res = await call(base, 'DELETE', '/v1/files/del.txt');
    const keys = await objectKeys();
    expect(res.status).to.equal(204);
    expect(keys.some((k) => k.endsWith(write))).to.equal(false);
  });

  it('should delete every object of a subtree when it is deleted recursively', async () => {
    await call(base, 'PUT', '/v1/files/tree/a/1.txt', { body: '1' });
    await call(base, 'PUT', '/v1/files/tree/b/2.txt', { body: '2' });
    const writes = [
      String((await inode('/tree/a/1.txt')).write),
      String((await inode('/tree/b/2.txt')).write),
    ];
    const res = await call(base, 'DELETE', '/v1/files/tree?recursive=true');
    const keys = await objectKeys();
    expect(res.status).to.equal(204);
    expect(keys.filter((k) => writes.some((w) => k.endsWith(w)))).to.deep.equal([]);
  });

  it('should answer 409 FILE_ALREADY_EXISTS when the path is created again', async () => {
    await call(base, 'POST', '/v1/files/dup.txt', { body: 'one' });
    const res = await call(base, 'POST', '/v1/files/dup.txt', { body: 'two' });
    const json = await jsonOf(res);
    expect([res.status, json.code]).to.deep.equal([409, 'FILE_ALREADY_EXISTS']);
  });

  it('should list the file with its size when its directory is listed', async () => {
    await call(base, 'PUT', '/v1/files/list/f.bin', { body: 'abcde' });
    const res = await call(base, 'GET', '/v1/directories/list');
    const json = (await res.json()) as { items: Array<{ name: string; size: number }> };
    expect(json.items.map((i) => [i.name, i.size])).to.deep.equal([['f.bin', 5]]);
  });

  async function patch(path: string, body: Record<string, unknown>): Promise<Response> {
    return call(base, 'PATCH', `/v1/files${path}`, {
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });
  }

  it('should keep the bytes and report localfs when a file moves from S3 to the disk', async () => {
    const data = randomBytes(6 * 1024 * 1024 + 3);
    await call(base, 'PUT', '/v1/files/bm/a.bin', { body: data });
    const write = String((await inode('/bm/a.bin')).write);
    const res = await patch('/bm/a.bin', { destination: '/bm/a.bin', backend: 'localfs' });
    const head = await call(base, 'HEAD', '/v1/files/bm/a.bin');
    const onDisk = await readFile(join(node.root, 'bm/a.bin'));
    expect([res.status, head.headers.get('x-callfs-backend-type')]).to.deep.equal([200, 'localfs']);
    expect(sha256(onDisk)).to.equal(sha256(data));
    expect((await objectKeys()).some((k) => k.endsWith(write))).to.equal(false);
  });

  it('should keep the bytes and report s3 when a file moves from the disk to S3 under a new name', async () => {
    const data = randomBytes(300_000);
    await call(base, 'PUT', '/v1/files/bm/b.bin', { body: data });
    await patch('/bm/b.bin', { destination: '/bm/b.bin', backend: 'localfs' });
    const res = await patch('/bm/b.bin', { destination: '/bm/c.bin', backend: 's3' });
    const got = Buffer.from(await (await call(base, 'GET', '/v1/files/bm/c.bin')).arrayBuffer());
    const value = await inode('/bm/c.bin');
    expect([res.status, value.backend_type, sha256(got)]).to.deep.equal([200, 's3', sha256(data)]);
    expect(await stat(join(node.root, 'bm/b.bin')).catch(() => null)).to.equal(null);
  });

  describe('a rename with overwrite', () => {
    /** A file of `body` on this node's disk at `path` (created on S3, then moved to the disk). */
    async function onDisk(path: string, body: string): Promise<void> {
      await call(base, 'PUT', `/v1/files${path}`, { body });
      const res = await patch(path, { destination: path, backend: 'localfs' });
      expect(res.status, `${path} to the disk`).to.equal(200);
    }

    async function holds(write: unknown): Promise<boolean> {
      return (await objectKeys()).some((k) => k.endsWith(String(write)));
    }

    it('should delete the overwritten object when an S3 file is renamed over another', async () => {
      await call(base, 'PUT', '/v1/files/ow/a.bin', { body: 'source' });
      await call(base, 'PUT', '/v1/files/ow/b.bin', { body: 'overwritten' });
      const [source, target] = [(await inode('/ow/a.bin')).write, (await inode('/ow/b.bin')).write];
      const res = await patch('/ow/a.bin', { name: 'b.bin', overwrite: true });
      const body = await (await call(base, 'GET', '/v1/files/ow/b.bin')).text();
      expect([res.status, body, await holds(source), await holds(target)]).to.deep.equal([
        200,
        'source',
        true,
        false,
      ]);
    });

    it('should remove the overwritten disk file when an S3 file is renamed over it', async () => {
      await onDisk('/ow/disk.txt', 'overwritten');
      await call(base, 'PUT', '/v1/files/ow/s3.txt', { body: 'source' });
      const res = await patch('/ow/s3.txt', { name: 'disk.txt', overwrite: true });
      const body = await (await call(base, 'GET', '/v1/files/ow/disk.txt')).text();
      const left = await stat(join(node.root, 'ow/disk.txt')).catch(() => null);
      expect([res.status, body, left]).to.deep.equal([200, 'source', null]);
    });

    it('should delete the overwritten object when a disk file is renamed over an S3 file', async () => {
      await onDisk('/ow/d2.txt', 'source');
      await call(base, 'PUT', '/v1/files/ow/s2.txt', { body: 'overwritten' });
      const target = (await inode('/ow/s2.txt')).write;
      const res = await patch('/ow/d2.txt', { name: 's2.txt', overwrite: true });
      const body = await (await call(base, 'GET', '/v1/files/ow/s2.txt')).text();
      const onDiskNow = await readFile(join(node.root, 'ow/s2.txt'), 'utf8');
      expect([res.status, body, onDiskNow, await holds(target)]).to.deep.equal([
        200,
        'source',
        'source',
        false,
      ]);
    });
  });

  it('should answer 400 BAD_REQUEST when the backend is not one this node has', async () => {
    await call(base, 'PUT', '/v1/files/bm/d.bin', { body: 'x' });
    const res = await patch('/bm/d.bin', { destination: '/bm/d.bin', backend: 'gcs' });
    expect([res.status, (await jsonOf(res)).code]).to.deep.equal([400, 'BAD_REQUEST']);
  });

  it('should answer 200 on /ready while the bucket answers', async () => {
    const res = await call(base, 'GET', '/ready', { key: null });
    expect(res.status).to.equal(200);
  });
});

describe('A node configured with an unusable S3 bucket', function () {
  this.timeout(60_000);
  let etcd: EtcdHandle;
  let s3: S3Handle;

  before(async () => {
    etcd = await startEtcd();
    s3 = await startS3rver();
  });
  after(async () => {
    await s3?.stop();
    await etcd?.stop();
  });

  async function startError(backend: Record<string, string>): Promise<string> {
    const root = await mkdtemp(join(tmpdir(), 'callfs-node-'));
    try {
      const config = testConfig({
        etcdEndpoint: etcd.endpoint,
        prefix: uniquePrefix(),
        instanceId: 'bad-s3',
        root,
        overrides: { backend: { default_backend: 's3', ...s3.backendConfig(), ...backend } },
      });
      const node = await startNode(config, pino({ level: 'silent' }));
      await node.close();
      return 'started';
    } catch (err) {
      return (err as Error).message;
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  }

  it('should refuse to start naming the bucket when it does not exist', async () => {
    expect(await startError({ s3_bucket_name: 'missing-bucket' }))
      .to.contain('"missing-bucket"')
      .and.contain('does not exist');
  });

  it('should refuse to start naming the credentials when they are refused', async () => {
    expect(await startError({ s3_access_key: 'unknown-access-key' })).to.contain(
      'refused the credentials',
    );
  });

  it('should refuse to start saying unreachable when nothing listens at the endpoint', async () => {
    expect(await startError({ s3_endpoint: 'http://127.0.0.1:9' })).to.contain('unreachable');
  });
});
