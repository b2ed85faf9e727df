// Paths a node's disk cannot hold, and foreign objects in its storage root, decided before any
// commit: with a real etcd and real node processes, an over-long path (PUT, PATCH through the
// owner and through another node, a move to another node) and a symlink, FIFO or non-empty
// directory in the way (PUT create, PUT replace, PATCH) answer 400 INVALID_PATH, leave no key
// in etcd and no temp on disk, and the node starts again and serves.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { Etcd3 } from 'etcd3';
import { startEtcd, type EtcdHandle } from '../support/etcd.js';
import { tempFiles } from '../support/checks.js';
import { call, jsonOf } from '../support/http.js';
import { startChildNode, uniquePrefix, type ChildNode } from '../support/node.js';

/** A canonical path of about `bytes` bytes under `/<marker>`, in 200-byte segments. */
function longPath(marker: string, bytes: number): string {
  let path = `/${marker}`;
  while (path.length + 201 < bytes) path += '/' + 'd'.repeat(200);
  return path + '/' + 'f'.repeat(bytes - path.length - 1);
}

describe('paths the disk cannot hold', function () {
  this.timeout(90_000);
  let etcd: EtcdHandle;
  let client: Etcd3;
  let n1: ChildNode;
  let n2: ChildNode;
  let base: string;
  let deepRoot: string;
  const prefix = uniquePrefix();
  const patch = (node: ChildNode, path: string, body: unknown) =>
    call(node.url, 'PATCH', `/v1/files${path}`, {
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });
  /** Every etcd key of this cluster that mentions `marker`. */
  const keysWith = async (marker: string) =>
    (await client.getAll().prefix(prefix).keys()).filter((k) => k.includes(marker));
  const opsKeys = () => client.getAll().prefix(`${prefix}ops/`).keys();
  const inodeOf = async (path: string) => {
    const i = path.lastIndexOf('/');
    const key = `${prefix}fs${path.slice(0, i)}//${path.slice(i + 1)}`;
    return JSON.parse((await client.get(key).string()) ?? 'null') as { gen: number } | null;
  };
  const tempsOf = (node: ChildNode) => tempFiles(node.root);

  before(async () => {
    etcd = await startEtcd();
    client = new Etcd3({ hosts: etcd.endpoint });
    base = await mkdtemp(join(tmpdir(), 'callfs-limits-'));
    // A deep root leaves node-1 ~700 bytes less path than the API's 4096.
    deepRoot = join(base, 'r'.repeat(200), 's'.repeat(200), 't'.repeat(200), 'root');
    await mkdir(deepRoot, { recursive: true });
    n1 = await startChildNode({
      etcdEndpoint: etcd.endpoint,
      prefix,
      instanceId: 'node-1',
      root: deepRoot,
    });
    n2 = await startChildNode({ etcdEndpoint: etcd.endpoint, prefix, instanceId: 'node-2' });
    expect((await call(n1.url, 'PUT', '/v1/files/owned.txt', { body: 'one' })).status).to.equal(
      201,
    );
    expect((await call(n2.url, 'PUT', '/v1/files/two.txt', { body: 'two' })).status).to.equal(201);
  });
  after(async () => {
    client?.close();
    await n1?.stop();
    await n2?.stop();
    await etcd?.stop();
    await rm(base, { recursive: true, force: true });
  });

  describe('over-long paths', function () {
    const limitOf1 = () => 4095 - Buffer.byteLength(deepRoot);

    it('should answer 400 INVALID_PATH naming the limit when a PUT path is longer than the disk holds', async () => {
      const path = longPath('long-put', 3700);
      const res = await call(n1.url, 'PUT', `/v1/files${path}`, { body: 'x' });
      const body = await jsonOf(res);
      expect([res.status, body.code]).to.deep.equal([400, 'INVALID_PATH']);
      expect(String(body.message)).to.contain(String(limitOf1()));
      expect(await keysWith('long-put')).to.deep.equal([]);
    });

    it('should answer 400 INVALID_PATH and write nothing when a PATCH through the owner names an over-long destination', async () => {
      const res = await patch(n1, '/owned.txt', {
        destination: longPath('long-own', 3700),
        create_parents: true,
      });
      const body = await jsonOf(res);
      expect([res.status, body.code]).to.deep.equal([400, 'INVALID_PATH']);
      expect(String(body.message)).to.contain(String(limitOf1()));
      expect([await keysWith('long-own'), await opsKeys()]).to.deep.equal([[], []]);
    });

    it("should answer the owner's 400 INVALID_PATH when a PATCH through another node names an over-long destination", async () => {
      const res = await patch(n2, '/owned.txt', {
        destination: longPath('long-fwd', 3700),
        create_parents: true,
      });
      const body = await jsonOf(res);
      expect([res.status, body.code]).to.deep.equal([400, 'INVALID_PATH']);
      expect(String(body.message)).to.contain(String(limitOf1()));
      expect([await keysWith('long-fwd'), await opsKeys()]).to.deep.equal([[], []]);
    });

    it('should answer 400 INVALID_PATH when a file moves to a node whose disk cannot hold its new path', async () => {
      const res = await patch(n2, '/two.txt', {
        destination: longPath('long-node', 3700),
        create_parents: true,
        instance: 'node-1',
      });
      const body = await jsonOf(res);
      expect([res.status, body.code]).to.deep.equal([400, 'INVALID_PATH']);
      expect([await keysWith('long-node'), await opsKeys()]).to.deep.equal([[], []]);
      expect((await inodeOf('/two.txt'))?.gen).to.equal(1);
    });
  });

  describe('foreign objects in the storage root', function () {
    const expectRefused = async (res: Response) => {
      const body = await jsonOf(res);
      expect([res.status, body.code]).to.deep.equal([400, 'INVALID_PATH']);
    };

    it('should refuse a PUT create over a symlinked file and leave no inode', async () => {
      await mkdir(join(n1.root, 'fx'));
      await writeFile(join(n1.root, 'fx', 'target.txt'), 'target');
      await symlink(join(n1.root, 'fx', 'target.txt'), join(n1.root, 'fx', 'link.txt'));
      await expectRefused(await call(n1.url, 'PUT', '/v1/files/fx/link.txt', { body: 'x' }));
      expect([await keysWith('link.txt'), await tempsOf(n1)]).to.deep.equal([[], []]);
    });

    it('should refuse a PUT create through a symlinked directory in the middle of the path', async () => {
      await mkdir(join(n1.root, 'fy-real'));
      await symlink(join(n1.root, 'fy-real'), join(n1.root, 'fy'));
      await expectRefused(await call(n1.url, 'PUT', '/v1/files/fy/new.txt', { body: 'x' }));
      expect([await keysWith('/fy'), await readdir(join(n1.root, 'fy-real'))]).to.deep.equal([
        [],
        [],
      ]);
    });

    it('should refuse a PUT create onto a FIFO', async function () {
      try {
        execFileSync('mkfifo', [join(n1.root, 'fifo.bin')]);
      } catch {
        this.skip();
      }
      await expectRefused(await call(n1.url, 'PUT', '/v1/files/fifo.bin', { body: 'x' }));
      expect(await keysWith('fifo.bin')).to.deep.equal([]);
    });

    it('should refuse a PUT create onto a non-empty directory on disk', async () => {
      await mkdir(join(n1.root, 'dirfile'));
      await writeFile(join(n1.root, 'dirfile', 'inside'), 'keep');
      await expectRefused(await call(n1.url, 'PUT', '/v1/files/dirfile', { body: 'x' }));
      expect(await keysWith('dirfile')).to.deep.equal([]);
    });

    it('should refuse a PUT replace when the file became a symlink and keep its generation', async () => {
      await call(n1.url, 'PUT', '/v1/files/fr/a.txt', { body: 'first' });
      await unlink(join(n1.root, 'fr', 'a.txt'));
      await symlink(join(n1.root, 'owned.txt'), join(n1.root, 'fr', 'a.txt'));
      await expectRefused(await call(n1.url, 'PUT', '/v1/files/fr/a.txt', { body: 'second' }));
      expect([(await inodeOf('/fr/a.txt'))?.gen, await tempsOf(n1)]).to.deep.equal([1, []]);
    });

    it('should refuse a PUT replace when the file became a FIFO and keep its generation', async function () {
      await call(n1.url, 'PUT', '/v1/files/fr/b.txt', { body: 'first' });
      await unlink(join(n1.root, 'fr', 'b.txt'));
      try {
        execFileSync('mkfifo', [join(n1.root, 'fr', 'b.txt')]);
      } catch {
        this.skip();
      }
      await expectRefused(await call(n1.url, 'PUT', '/v1/files/fr/b.txt', { body: 'second' }));
      expect((await inodeOf('/fr/b.txt'))?.gen).to.equal(1);
    });

    it('should refuse a PATCH onto a symlink and keep the source where it was', async () => {
      await call(n1.url, 'PUT', '/v1/files/fm/src.txt', { body: 'src' });
      await symlink(join(n1.root, 'owned.txt'), join(n1.root, 'fm', 'dst.txt'));
      await expectRefused(await patch(n1, '/fm/src.txt', { destination: '/fm/dst.txt' }));
      expect([await keysWith('dst.txt'), await opsKeys()]).to.deep.equal([[], []]);
      expect(await (await call(n1.url, 'GET', '/v1/files/fm/src.txt')).text()).to.equal('src');
    });

    it('should refuse a PATCH through a symlinked directory and onto a non-empty directory', async () => {
      const through = await patch(n1, '/fm/src.txt', {
        destination: '/fy/moved.txt',
        create_parents: true,
      });
      await expectRefused(through);
      await expectRefused(await patch(n1, '/fm/src.txt', { destination: '/dirfile' }));
      expect(await opsKeys()).to.deep.equal([]);
    });
  });

  describe('restart', function () {
    it('should start again and serve its files when restarted after every refusal', async () => {
      await n1.kill('SIGTERM');
      await n1.restart();
      const res = await call(n1.url, 'GET', '/v1/files/owned.txt');
      expect([res.status, await res.text()]).to.deep.equal([200, 'one']);
    });
  });
});
