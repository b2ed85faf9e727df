// A mixed cluster: node-1 and node-2 keep new files on their disks, node-3 on an S3 bucket (a
// real s3rver). When every node reaches the bucket, any node serves S3 files itself, so they
// stay readable and writable with node-3 dead, and concurrent writers through all nodes end
// with one whole body. When only node-3 reaches it, the others forward to it.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { type TestCluster } from '../support/cluster.js';
import { call, jsonOf, sha256 } from '../support/http.js';
import { API_KEY } from '../support/node.js';
import { startMixedCluster, type MixedCluster } from '../support/s3-cluster.js';
import { request } from 'node:http';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

const MiB = 1024 * 1024;

/** Journal entries of S3 writes in progress on a node (`<root>/.callfs/s3/*.json`). */
async function journaledUploads(dir: string): Promise<number> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.filter((n) => n.endsWith('.json')).length;
}

async function until(ok: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (await ok()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('condition not met within 30 s');
}

describe('cluster: localfs and S3 nodes, every node reaching the bucket', function () {
  this.timeout(180_000);
  let mixed: MixedCluster;
  let cluster: TestCluster;
  let urls: string[];

  const objectCount = async (): Promise<number> => (await mixed.objectKeys()).length;

  before(async () => {
    mixed = await startMixedCluster({ bucketOnAll: true });
    ({ cluster, urls } = mixed);
  });
  after(async () => {
    await mixed?.stop();
  });

  it('should name node-3 and backend s3 in the 409 when node-1 POSTs a path node-3 created', async () => {
    const created = await call(urls[2]!, 'POST', '/v1/files/seed/report.docx', { body: 'v1' });
    const res = await call(urls[0]!, 'POST', '/v1/files/seed/report.docx', { body: 'again' });
    const body = await jsonOf(res);
    expect([created.status, res.status]).to.deep.equal([201, 409]);
    expect([body.instance_id, body.backend_type]).to.deep.equal(['node-3', 's3']);
  });

  it('should report backend type s3 on every node when HEAD asks for an S3 file', async () => {
    await call(urls[2]!, 'PUT', '/v1/files/seed/head.txt', { body: 'x' });
    const types = await Promise.all(
      urls.map(async (u) =>
        (await call(u, 'HEAD', '/v1/files/seed/head.txt')).headers.get('x-callfs-backend-type'),
      ),
    );
    expect(types).to.deep.equal(['s3', 's3', 's3']);
  });

  it('should report backend type localfs when node-1 creates a file', async () => {
    await call(urls[0]!, 'PUT', '/v1/files/seed/local.txt', { body: 'x' });
    const res = await call(urls[2]!, 'HEAD', '/v1/files/seed/local.txt');
    expect(res.headers.get('x-callfs-backend-type')).to.equal('localfs');
  });

  it('should create exactly one file when 100 POSTs of one path race across all nodes', async () => {
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        call(urls[i % 3]!, 'POST', '/v1/files/race/one.txt', { body: `body ${i}` }).then(
          async (r) => {
            await r.arrayBuffer();
            return r.status;
          },
        ),
      ),
    );
    expect(results.filter((s) => s === 201).length).to.equal(1);
    expect(results.filter((s) => s !== 201 && s !== 409)).to.deep.equal([]);
  });

  it('should end with one whole body on every node when 50 replaces of one S3 file race', async () => {
    const objectsBefore = await objectCount();
    await call(urls[2]!, 'PUT', '/v1/files/race/s3.bin', { body: 'start' });
    const bodies = Array.from({ length: 50 }, () => randomBytes(64 * 1024));
    const statuses = await Promise.all(
      bodies.map((b, i) =>
        call(urls[i % 3]!, 'PUT', '/v1/files/race/s3.bin', { body: b }).then(async (r) => {
          await r.arrayBuffer();
          return r.status;
        }),
      ),
    );
    const got = await Promise.all(
      urls.map(async (u) =>
        sha256(Buffer.from(await (await call(u, 'GET', '/v1/files/race/s3.bin')).arrayBuffer())),
      ),
    );
    expect(statuses.filter((s) => s !== 200)).to.deep.equal([]);
    expect(new Set(got).size).to.equal(1);
    expect(bodies.map((b) => sha256(b))).to.include(got[0]);
    // Every losing and every replaced generation's object is gone: one object for the file.
    expect(await objectCount()).to.equal(objectsBefore + 1);
  });

  it('should leave nothing visible and no journaled upload when node-3 is killed mid-upload', async () => {
    const journal = join(cluster.nodes[2]!.root, '.callfs', 's3');
    const before = await objectCount();
    const req = request(`${urls[2]}/v1/files/cut/big.bin`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-length': String(64 * MiB) },
    });
    req.on('error', () => undefined);
    // 20 MiB: two parts are on their way, and the upload id is in node-3's journal.
    for (let i = 0; i < 20; i++) req.write(randomBytes(MiB));
    await until(async () => (await journaledUploads(journal)) > 0);
    await cluster.nodes[2]!.kill('SIGKILL');
    req.destroy();
    await cluster.nodes[2]!.restart();
    const res = await call(urls[0]!, 'GET', '/v1/files/cut/big.bin');
    expect([res.status, await journaledUploads(journal), await objectCount()]).to.deep.equal([
      404,
      0,
      before,
    ]);
  });

  it('should read, replace and delete node-3 files through the others when node-3 is killed', async () => {
    const data = randomBytes(300_000);
    await call(urls[2]!, 'PUT', '/v1/files/dead/a.bin', { body: data });
    await call(urls[2]!, 'PUT', '/v1/files/dead/b.txt', { body: 'b' });
    await cluster.nodes[2]!.kill('SIGKILL');
    const read = await call(urls[0]!, 'GET', '/v1/files/dead/a.bin');
    const readSha = sha256(Buffer.from(await read.arrayBuffer()));
    const put = await call(urls[1]!, 'PUT', '/v1/files/dead/a.bin', { body: 'replaced' });
    const after = await (await call(urls[0]!, 'GET', '/v1/files/dead/a.bin')).text();
    const del = await call(urls[0]!, 'DELETE', '/v1/files/dead/b.txt');
    expect([read.status, readSha]).to.deep.equal([200, sha256(data)]);
    expect([put.status, after, del.status]).to.deep.equal([200, 'replaced', 204]);
  });
});

describe('cluster: localfs and S3 nodes, only node-3 reaching the bucket', function () {
  this.timeout(180_000);
  let mixed: MixedCluster;
  let cluster: TestCluster;
  let urls: string[];

  before(async () => {
    mixed = await startMixedCluster({ bucketOnAll: false });
    ({ cluster, urls } = mixed);
  });
  after(async () => {
    await mixed?.stop();
  });

  it('should serve and replace an S3 file through node-1 when node-1 has no bucket', async () => {
    const data = randomBytes(2 * 1024 * 1024);
    await call(urls[2]!, 'PUT', '/v1/files/fwd/a.bin', { body: data });
    const got = await call(urls[0]!, 'GET', '/v1/files/fwd/a.bin');
    const gotSha = sha256(Buffer.from(await got.arrayBuffer()));
    const put = await call(urls[1]!, 'PUT', '/v1/files/fwd/a.bin', { body: 'v2' });
    const after = await (await call(urls[2]!, 'GET', '/v1/files/fwd/a.bin')).text();
    expect([got.status, gotSha, got.headers.get('x-callfs-backend-type')]).to.deep.equal([
      200,
      sha256(data),
      's3',
    ]);
    expect([put.status, after]).to.deep.equal([200, 'v2']);
  });

  it('should answer 503 OWNER_UNAVAILABLE through node-1 when node-3 is killed', async () => {
    await call(urls[2]!, 'PUT', '/v1/files/fwd/gone.txt', { body: 'x' });
    await cluster.nodes[2]!.kill('SIGKILL');
    const res = await call(urls[0]!, 'GET', '/v1/files/fwd/gone.txt');
    expect([res.status, (await jsonOf(res)).code]).to.deep.equal([503, 'OWNER_UNAVAILABLE']);
  });
});
