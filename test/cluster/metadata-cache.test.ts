// The metadata cache on a real 3-node cluster, measured from each node's own /metrics: a warm
// GET or HEAD makes no etcd request on the node that receives it nor on the owner it is
// forwarded to, while a cold one does (so the measure can fail).
import { expect } from 'chai';
import { startCluster, type TestCluster } from '../support/cluster.js';
import { call } from '../support/http.js';

/** Every etcd request a node has made so far (the count of its etcd latency histogram). */
async function etcdRequests(url: string): Promise<number> {
  const text = await (await call(url, 'GET', '/metrics')).text();
  let total = 0;
  for (const line of text.split('\n')) {
    const m = /^callfs_etcd_request_duration_seconds_count\{[^}]*\} (\S+)$/.exec(line);
    if (m) total += Number(m[1]);
  }
  return total;
}

describe('cluster: the metadata cache', function () {
  this.timeout(120_000);
  let cluster: TestCluster;
  let owner: string, other: string;

  /** etcd requests made on [owner, other] while `run` runs. */
  async function requestsDuring(run: () => Promise<void>): Promise<[number, number]> {
    const before = [await etcdRequests(owner), await etcdRequests(other)];
    await run();
    const after = [await etcdRequests(owner), await etcdRequests(other)];
    return [after[0]! - before[0]!, after[1]! - before[1]!];
  }

  /**
   * The fewest etcd requests per node over three runs of a warm request: a node's background
   * passes (sweeps, the reconciler) may read etcd in any one window, but a request that reads
   * etcd does so in every run.
   */
  async function fewestDuring(run: () => Promise<void>): Promise<[number, number]> {
    let fewest: [number, number] = [Infinity, Infinity];
    for (let i = 0; i < 3; i++) {
      const made = await requestsDuring(run);
      fewest = [Math.min(fewest[0], made[0]), Math.min(fewest[1], made[1])];
      if (fewest[0] === 0 && fewest[1] === 0) break;
    }
    return fewest;
  }

  before(async () => {
    cluster = await startCluster(3, { metadata_store: { cache_enabled: true } });
    [owner, other] = cluster.nodes.map((n) => n.url) as [string, string];
    const res = await call(owner, 'POST', '/v1/files/cache/warm.txt', { body: 'warm bytes' });
    expect(res.status).to.equal(201);
  });
  after(async () => {
    await cluster?.stop();
  });

  it('should make etcd requests when a path is read for the first time', async () => {
    await call(owner, 'POST', '/v1/files/cache/cold.txt', { body: 'cold' });
    const made = await requestsDuring(async () => {
      const res = await call(other, 'GET', '/v1/files/cache/cold.txt');
      expect(await res.text()).to.equal('cold');
    });
    expect(made[1]).to.be.greaterThan(0);
  });

  it('should make no etcd request on the owner when a warm GET is served there', async () => {
    await (await call(owner, 'GET', '/v1/files/cache/warm.txt')).arrayBuffer();
    const made = await fewestDuring(async () => {
      const res = await call(owner, 'GET', '/v1/files/cache/warm.txt');
      expect([res.status, await res.text()]).to.deep.equal([200, 'warm bytes']);
    });
    expect(made).to.deep.equal([0, 0]);
  });

  it('should make no etcd request on either node when a warm GET goes through a non-owner', async () => {
    await (await call(other, 'GET', '/v1/files/cache/warm.txt')).arrayBuffer();
    const made = await fewestDuring(async () => {
      const res = await call(other, 'GET', '/v1/files/cache/warm.txt');
      expect([res.status, await res.text()]).to.deep.equal([200, 'warm bytes']);
    });
    expect(made).to.deep.equal([0, 0]);
  });

  it('should make no etcd request on either node when a warm HEAD goes through a non-owner', async () => {
    await call(other, 'HEAD', '/v1/files/cache/warm.txt');
    const made = await fewestDuring(async () => {
      const res = await call(other, 'HEAD', '/v1/files/cache/warm.txt');
      expect(res.status).to.equal(200);
    });
    expect(made).to.deep.equal([0, 0]);
  });

  it('should serve the new bytes through a non-owner when the owner replaced the file', async () => {
    await (await call(other, 'GET', '/v1/files/cache/warm.txt')).arrayBuffer();
    await call(owner, 'PUT', '/v1/files/cache/warm.txt', { body: 'new bytes' });
    const res = await call(other, 'GET', '/v1/files/cache/warm.txt');
    expect(await res.text()).to.equal('new bytes');
  });

  it('should answer 404 through a non-owner when the owner deleted a warm file', async () => {
    await call(owner, 'POST', '/v1/files/cache/gone.txt', { body: 'x' });
    await (await call(other, 'GET', '/v1/files/cache/gone.txt')).arrayBuffer();
    expect((await call(owner, 'DELETE', '/v1/files/cache/gone.txt')).status).to.equal(204);
    const res = await call(other, 'GET', '/v1/files/cache/gone.txt');
    expect(res.status).to.equal(404);
  });
});
