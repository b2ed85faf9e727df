// Three real nodes on one etcd behave as one filesystem: every method reaches the owner from
// any node, the cross-server 409 names the owner, creates race correctly, bytes stream intact.
import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { startCluster, type TestCluster } from '../support/cluster.js';
import { call, jsonOf, sha256, type BodyInput } from '../support/http.js';
import { OTHER_KEY } from '../support/node.js';
import { uploadTemps } from '../support/temps.js';

async function exists(p: string): Promise<boolean> {
  return readFile(p).then(
    () => true,
    () => false,
  );
}

describe('cluster: routing, conflicts and streaming across 3 nodes', function () {
  this.timeout(120_000);
  let cluster: TestCluster;
  let n1: string, n2: string, n3: string;

  before(async () => {
    cluster = await startCluster(3);
    [n1, n2, n3] = cluster.nodes.map((n) => n.url) as [string, string, string];
  });
  after(async () => {
    await cluster?.stop();
  });

  describe('routing to the owner', () => {
    before(async () => {
      await call(n1, 'POST', '/v1/files/r/owned.txt', { body: 'on node-1' });
    });
    for (const i of [0, 1, 2]) {
      it(`should name node-1 in HEAD when asked on node-${i + 1}`, async () => {
        const res = await call(cluster.nodes[i]!.url, 'HEAD', '/v1/files/r/owned.txt');
        expect(res.headers.get('x-callfs-instance-id')).to.equal('node-1');
        expect(res.headers.get('x-callfs-backend-type')).to.equal('localfs');
      });
    }
    it('should serve the owner bytes and headers when GET reaches a non-owner', async () => {
      const res = await call(n3, 'GET', '/v1/files/r/owned.txt');
      expect(await res.text()).to.equal('on node-1');
      expect(res.headers.get('x-callfs-instance-id')).to.equal('node-1');
    });
    it('should replace the bytes on the owner when PUT reaches a non-owner', async () => {
      await call(n1, 'POST', '/v1/files/r/put.txt', { body: 'v1' });
      const res = await call(n2, 'PUT', '/v1/files/r/put.txt', { body: 'v2 via node-2' });
      expect(res.status).to.equal(200);
      const onDisk = await readFile(join(cluster.nodes[0]!.root, 'r/put.txt'), 'utf8');
      expect(onDisk).to.equal('v2 via node-2');
    });
    it('should leave no copy on the receiving node when PUT is routed', async () => {
      await call(n1, 'POST', '/v1/files/r/put2.txt', { body: 'v1' });
      await call(n2, 'PUT', '/v1/files/r/put2.txt', { body: 'v2' });
      expect(await exists(join(cluster.nodes[1]!.root, 'r/put2.txt'))).to.equal(false);
    });
    it('should delete on the owner when DELETE reaches a non-owner', async () => {
      await call(n1, 'POST', '/v1/files/r/del.txt', { body: 'x' });
      const res = await call(n3, 'DELETE', '/v1/files/r/del.txt');
      expect(res.status).to.equal(204);
      expect(await exists(join(cluster.nodes[0]!.root, 'r/del.txt'))).to.equal(false);
    });
    it('should authorize the original caller on the owner when the call is routed', async () => {
      await call(n1, 'POST', '/v1/files/r/alice-not.txt', { body: 'x' });
      const res = await call(n2, 'PUT', '/v1/files/r/alice-not.txt', { body: 'y', key: OTHER_KEY });
      expect(res.status).to.equal(403);
      expect((await jsonOf(res)).code).to.equal('PERMISSION_DENIED');
    });
    it('should answer 404 from every node when the path does not exist', async () => {
      const statuses = await Promise.all(
        [n1, n2, n3].map(async (n) => (await call(n, 'GET', '/v1/files/r/none')).status),
      );
      expect(statuses).to.deep.equal([404, 404, 404]);
    });
  });

  describe('cluster-wide conflict detection', () => {
    it('should answer the cross-server 409 body when POSTing a file that lives on another node', async () => {
      await call(n1, 'POST', '/v1/files/c/report.docx', { body: 'doc' });
      const res = await call(n2, 'POST', '/v1/files/c/report.docx', { body: 'other' });
      expect(res.status).to.equal(409);
      expect(await res.json()).to.deep.equal({
        error: 'Resource exists on another server',
        existing_path: '/c/report.docx',
        instance_id: 'node-1',
        backend_type: 'localfs',
        suggestion: 'File already exists on another server. Use PUT to update it.',
        update_url: `${n1}/v1/files/c/report.docx`,
        code: 'FILE_ALREADY_EXISTS',
        message: 'Resource exists on another server',
      });
    });
    it('should suggest GET when a directory exists as a directory on another node', async () => {
      await call(n1, 'POST', '/v1/files/c/dir1/');
      const res = await call(n2, 'POST', '/v1/files/c/dir1/');
      expect(res.status).to.equal(409);
      expect((await jsonOf(res)).suggestion).to.equal(
        'Directory already exists on another server. Use GET to access it.',
      );
    });
    it('should refuse a directory where a file exists on another node', async () => {
      await call(n1, 'POST', '/v1/files/c/f1', { body: 'f' });
      const res = await call(n3, 'POST', '/v1/files/c/f1/');
      expect((await jsonOf(res)).suggestion).to.equal(
        'Path exists as file on another server, cannot create directory',
      );
    });
    it('should refuse a file where a directory exists on another node', async () => {
      await call(n1, 'POST', '/v1/files/c/d2/');
      const res = await call(n3, 'POST', '/v1/files/c/d2', { body: 'x' });
      expect((await jsonOf(res)).suggestion).to.equal(
        'Path exists as directory on another server, cannot create file',
      );
    });
    it('should create on the receiving node when PUT targets a missing path', async () => {
      const res = await call(n3, 'PUT', '/v1/files/c/new-on-3.txt', { body: 'three' });
      expect(res.status).to.equal(201);
      expect(res.headers.get('x-callfs-instance-id')).to.equal('node-3');
    });
    it('should give exactly one 201 when 30 POSTs of one path race over all nodes', async () => {
      const nodes = [n1, n2, n3];
      const results = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          call(nodes[i % 3]!, 'POST', '/v1/files/race/one.txt', { body: `body-${i}` }).then(
            (r) => r.status,
          ),
        ),
      );
      expect(results.filter((s) => s === 201)).to.have.length(1);
      expect(results.filter((s) => s === 409)).to.have.length(29);
    });
    it('should leave the loser bytes on no disk when POSTs race', async () => {
      const nodes = [n1, n2, n3];
      await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          call(nodes[i % 3]!, 'POST', '/v1/files/race/two.txt', { body: `body-${i}` }),
        ),
      );
      const holders = await Promise.all(
        cluster.nodes.map((n) => exists(join(n.root, 'race/two.txt'))),
      );
      const temps = await Promise.all(
        cluster.nodes.map(async (n) => (await uploadTemps(n.root)).length),
      );
      expect(holders.filter(Boolean)).to.have.length(1);
      expect(temps).to.deep.equal([0, 0, 0]);
    });
    it('should turn losing PUT creates into replaces when PUTs of a missing path race', async () => {
      const nodes = [n1, n2, n3];
      const bodies = Array.from({ length: 9 }, (_, i) => `put-body-${i}`);
      const statuses = await Promise.all(
        bodies.map((b, i) =>
          call(nodes[i % 3]!, 'PUT', '/v1/files/race/put.txt', { body: b }).then((r) => r.status),
        ),
      );
      const final = await (await call(n2, 'GET', '/v1/files/race/put.txt')).text();
      expect(statuses.every((s) => s === 200 || s === 201)).to.equal(true);
      expect(statuses.filter((s) => s === 201)).to.have.length(1);
      expect(bodies).to.include(final);
    });
  });

  describe('directories across nodes', () => {
    it('should list the same children from every node when files live on several nodes', async () => {
      await call(n1, 'POST', '/v1/files/d/a.txt', { body: 'a' });
      await call(n2, 'POST', '/v1/files/d/b.txt', { body: 'b' });
      await call(n3, 'POST', '/v1/files/d/c/');
      const listings = await Promise.all(
        [n1, n2, n3].map(async (n) =>
          ((await (await call(n, 'GET', '/v1/files/d/')).json()) as Array<{ name: string }>).map(
            (e) => e.name,
          ),
        ),
      );
      expect(listings).to.deep.equal([
        ['a.txt', 'b.txt', 'c'],
        ['a.txt', 'b.txt', 'c'],
        ['a.txt', 'b.txt', 'c'],
      ]);
    });
    it('should land a file on the receiving node when its directory was made on another node', async () => {
      await call(n1, 'POST', '/v1/files/d2/');
      await call(n2, 'POST', '/v1/files/d2/inner.txt', { body: 'inner' });
      expect(await readFile(join(cluster.nodes[1]!.root, 'd2/inner.txt'), 'utf8')).to.equal(
        'inner',
      );
    });
    it('should delete an empty directory from any node when it was made elsewhere', async () => {
      await call(n1, 'POST', '/v1/files/d3/');
      expect((await call(n3, 'DELETE', '/v1/files/d3')).status).to.equal(204);
    });
    it('should answer 409 DIRECTORY_NOT_EMPTY from any node when a child lives elsewhere', async () => {
      await call(n2, 'POST', '/v1/files/d4/child.txt', { body: 'c' });
      const res = await call(n1, 'DELETE', '/v1/files/d4');
      expect((await jsonOf(res)).code).to.equal('DIRECTORY_NOT_EMPTY');
    });
  });

  describe('rename through a non-owner', () => {
    it('should move the bytes on the owner when PATCH reaches a non-owner', async () => {
      await call(n1, 'POST', '/v1/files/mv/owned.txt', { body: 'mine' });
      const res = await call(n3, 'PATCH', '/v1/files/mv/owned.txt', {
        body: JSON.stringify({ destination: '/mv/renamed.txt' }),
      });
      expect(res.status).to.equal(200);
      expect(await readFile(join(cluster.nodes[0]!.root, 'mv/renamed.txt'), 'utf8')).to.equal(
        'mine',
      );
    });
    it('should serve the moved file from every node under its new path', async () => {
      await call(n2, 'POST', '/v1/files/mv/two.txt', { body: 'two' });
      await call(n1, 'PATCH', '/v1/files/mv/two.txt', {
        body: JSON.stringify({ name: 'deux.txt' }),
      });
      const bodies = await Promise.all(
        [n1, n2, n3].map(async (n) => (await call(n, 'GET', '/v1/files/mv/deux.txt')).text()),
      );
      expect(bodies).to.deep.equal(['two', 'two', 'two']);
    });
  });

  describe('moving bytes to another node', () => {
    it('should hand a 5 MiB file to the named node intact when instance is given', async () => {
      const data = randomBytes(5 * 1024 * 1024 + 3);
      await call(n2, 'POST', '/v1/files/inst/f.bin', { body: data });
      const res = await call(n1, 'PATCH', '/v1/files/inst/f.bin', {
        body: JSON.stringify({ destination: '/inst/f.bin', instance: 'node-3' }),
      });
      const head = await call(n1, 'HEAD', '/v1/files/inst/f.bin');
      const onDisk = await readFile(join(cluster.nodes[2]!.root, 'inst/f.bin'));
      expect(res.status).to.equal(200);
      expect(head.headers.get('x-callfs-instance-id')).to.equal('node-3');
      expect(sha256(onDisk)).to.equal(sha256(data));
    });
    it('should leave no copy on the old owner when the bytes moved', async () => {
      expect(await exists(join(cluster.nodes[1]!.root, 'inst/f.bin'))).to.equal(false);
    });
  });

  describe('directory moves across nodes', () => {
    it('should serve every file at its new path from every node when a directory is moved', async () => {
      await call(n1, 'POST', '/v1/files/tree/one.txt', { body: '1' });
      await call(n2, 'POST', '/v1/files/tree/sub/two.txt', { body: '2' });
      await call(n3, 'POST', '/v1/files/tree/sub/deeper/three.txt', { body: '3' });
      const res = await call(n2, 'PATCH', '/v1/files/tree', {
        body: JSON.stringify({ destination: '/moved/tree', create_parents: true }),
      });
      const bodies = await Promise.all(
        ['/moved/tree/one.txt', '/moved/tree/sub/two.txt', '/moved/tree/sub/deeper/three.txt'].map(
          async (p) => (await call(n3, 'GET', `/v1/files${p}`)).text(),
        ),
      );
      expect(res.status).to.equal(200);
      expect(bodies).to.deep.equal(['1', '2', '3']);
    });
    it("should finish both when two nodes move into each other's directories at once", async () => {
      await call(n1, 'POST', '/v1/files/xa/inner/f1.txt', { body: 'f1' });
      await call(n2, 'POST', '/v1/files/xb/inner/f2.txt', { body: 'f2' });
      const [r1, r2] = await Promise.all([
        call(n1, 'PATCH', '/v1/files/xa/inner', {
          body: JSON.stringify({ destination: '/xb/from-a' }),
        }),
        call(n2, 'PATCH', '/v1/files/xb/inner', {
          body: JSON.stringify({ destination: '/xa/from-b' }),
        }),
      ]);
      const got = await Promise.all(
        ['/xb/from-a/f1.txt', '/xa/from-b/f2.txt'].map(async (p) =>
          (await call(n3, 'GET', `/v1/files${p}`)).text(),
        ),
      );
      expect([r1.status, r2.status]).to.deep.equal([200, 200]);
      expect(got).to.deep.equal(['f1', 'f2']);
    });
    it('should leave the old directory gone and the bytes renamed on each owner disk', async () => {
      const old = await call(n1, 'HEAD', '/v1/files/tree');
      const onDisk = await readFile(
        join(cluster.nodes[2]!.root, 'moved/tree/sub/deeper/three.txt'),
        'utf8',
      );
      expect(old.status).to.equal(404);
      expect(onDisk).to.equal('3');
    });
  });

  describe('streaming through a non-owner', () => {
    it('should keep 200 MiB intact both ways when a non-owner relays it', async function () {
      this.timeout(180_000);
      const size = 200 * 1024 * 1024;
      const chunk = randomBytes(1024 * 1024);
      const up = createHash('sha256');
      const source = Readable.from(
        (function* () {
          for (let i = 0; i < size / chunk.length; i++) {
            // Vary each MiB so a reordered or repeated chunk changes the digest.
            const piece = Buffer.from(chunk);
            piece.writeUInt32BE(i, 0);
            up.update(piece);
            yield piece;
          }
        })(),
      );
      await call(n1, 'POST', '/v1/files/big/file.bin', { body: 'seed' });
      const put = await call(n2, 'PUT', '/v1/files/big/file.bin', {
        body: Readable.toWeb(source) as BodyInput,
      });
      expect(put.status).to.equal(200);
      const res = await call(n3, 'GET', '/v1/files/big/file.bin');
      const down = createHash('sha256');
      for await (const piece of Readable.fromWeb(res.body! as never)) down.update(piece as Buffer);
      expect(down.digest('hex')).to.equal(up.digest('hex'));
      expect(res.headers.get('content-length')).to.equal(String(size));
    });
    it('should relay a zero-byte file when the owner is another node', async () => {
      await call(n1, 'POST', '/v1/files/z/empty', { body: '' });
      const res = await call(n2, 'GET', '/v1/files/z/empty');
      expect(res.status).to.equal(200);
      expect((await res.arrayBuffer()).byteLength).to.equal(0);
    });
    it('should relay a chunked binary upload exactly when sent to a non-owner', async () => {
      await call(n3, 'POST', '/v1/files/z/bin', { body: 'seed' });
      const data = randomBytes(3 * 1024 * 1024 + 7);
      const body = Readable.toWeb(Readable.from([data.subarray(0, 1000), data.subarray(1000)]));
      const put = await call(n1, 'PUT', '/v1/files/z/bin', { body: body as BodyInput });
      const got = Buffer.from(await (await call(n2, 'GET', '/v1/files/z/bin')).arrayBuffer());
      expect(put.status).to.equal(200);
      expect(sha256(got)).to.equal(sha256(data));
    });
  });
});
