// Directories on a real 3-node cluster: every node serves the same listing from etcd, a
// recursive delete removes the bytes of a tree from the disk of every owner and every key from
// etcd, and a delete that meets a dead owner answers 503 and is finished by a retry once the
// owner is back.
import { expect } from 'chai';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { startCluster, type TestCluster } from '../support/cluster.js';
import { call, jsonOf } from '../support/http.js';

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

describe('cluster: directories', function () {
  this.timeout(120_000);
  let cluster: TestCluster;
  let raw: Etcd3;
  const url = (i: number) => cluster.nodes[i]!.url;
  const root = (i: number) => cluster.nodes[i]!.root;
  const keys = async (prefix: string) =>
    (await raw.getAll().prefix(prefix).keys()).map((k) => k.toString());
  /** What etcd still holds of a tree: its inode, its subtree and any delete journal. */
  const leftInEtcd = async (dir: string) => [
    ...(await keys(`${cluster.prefix}fs/${dir}/`)),
    ...(await keys(`${cluster.prefix}fs//${dir}`)),
    ...(await keys(`${cluster.prefix}ops/`)),
  ];

  /** Files under `/<dir>` created through each node, so each node owns some of them. */
  async function tree(dir: string): Promise<string[]> {
    const files = [
      [0, `/${dir}/one.txt`],
      [1, `/${dir}/sub/two.txt`],
      [2, `/${dir}/sub/deep/three.txt`],
      [0, `/${dir}/sub/deep/four.txt`],
      [1, `/${dir}/five.txt`],
      [2, `/${dir}/other/six.txt`],
    ] as const;
    for (const [i, path] of files) {
      const res = await call(url(i), 'POST', `/v1/files${path}`, { body: path });
      expect(res.status, path).to.equal(201);
    }
    return files.map(([i, path]) => join(root(i), path));
  }

  before(async () => {
    cluster = await startCluster(3);
    raw = new Etcd3({ hosts: cluster.etcd.endpoint });
  });
  after(async () => {
    raw?.close();
    await cluster?.stop();
  });

  it('should serve the same recursive listing from every node when the tree spans all nodes', async () => {
    await tree('same');
    const bodies = [];
    for (let i = 0; i < 3; i++) {
      bodies.push(await jsonOf(await call(url(i), 'GET', '/v1/directories/same?recursive=true')));
    }
    expect(bodies[0]!.count).to.equal(9);
    expect(bodies[1]).to.deep.equal(bodies[0]);
    expect(bodies[2]).to.deep.equal(bodies[0]);
  });

  it('should remove the bytes from every node and every key when a tree is deleted recursively', async () => {
    const onDisk = await tree('rd');
    const before = await Promise.all(onDisk.map(exists));
    const res = await call(url(1), 'DELETE', '/v1/files/rd?recursive=true');
    expect(before.every(Boolean), 'files were on disk').to.equal(true);
    expect(res.status).to.equal(204);
    expect(await Promise.all([0, 1, 2].map((i) => exists(join(root(i), 'rd'))))).to.deep.equal([
      false,
      false,
      false,
    ]);
    expect(await leftInEtcd('rd')).to.deep.equal([]);
  });

  it('should answer 503 when an owner is down and finish on a retry when it is back', async () => {
    const onDisk = await tree('od');
    await cluster.nodes[2]!.kill('SIGKILL');
    const down = await call(url(0), 'DELETE', '/v1/files/od?recursive=true');
    const body = await jsonOf(down);
    expect([down.status, body.code, body.instance_id]).to.deep.equal([
      503,
      'OWNER_UNAVAILABLE',
      'node-3',
    ]);
    // Either nothing was deleted (the owner's lease had lapsed: refused up front), or the job
    // stopped half-way (its port refused) and left its journal entry for the retry.
    const journaled = (await keys(`${cluster.prefix}ops/`)).length === 1;
    const untouched = (await keys(`${cluster.prefix}fs/od/`)).length === 9;
    expect(journaled || untouched, 'a journal entry or an untouched tree').to.equal(true);
    await cluster.nodes[2]!.restart();
    const retry = await call(url(0), 'DELETE', '/v1/files/od?recursive=true');
    expect(retry.status).to.equal(204);
    expect(await Promise.all(onDisk.map(exists))).to.deep.equal(onDisk.map(() => false));
    expect(await leftInEtcd('od')).to.deep.equal([]);
  });
});
