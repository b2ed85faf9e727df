// A directory move whose coordinator dies for good: node-1 is killed (SIGKILL) in the middle of
// the move and never restarted. Its journal entry would keep the directories `moving` (every
// create under them 503) for ever; node-2, the lowest live node, adopts the job once node-1's
// lease is gone for `adopt_jobs_after_ms` and finishes it. The move is held in its middle by
// pausing a file owner (node-3, SIGSTOP) while the coordinator asks it for its disk step.
import { expect } from 'chai';
import { Etcd3 } from 'etcd3';
import { startCluster, type TestCluster } from '../support/cluster.js';
import { call } from '../support/http.js';
import { until } from '../support/wait.js';

describe('cluster: a directory move whose coordinator dies for good', function () {
  this.timeout(120_000);
  let cluster: TestCluster;
  let etcd: Etcd3;

  before(async () => {
    cluster = await startCluster(3, { metadata_store: { adopt_jobs_after_ms: 1000 } });
    etcd = new Etcd3({ hosts: cluster.etcd.endpoint });
    const [, n2, n3] = cluster.nodes.map((n) => n.url);
    for (const [url, path, body] of [
      [n2!, '/km/b.txt', 'b on 2'],
      [n3!, '/km/sub/c.txt', 'c on 3'],
    ] as const) {
      expect((await call(url, 'POST', `/v1/files${path}`, { body })).status).to.equal(201);
    }
  });
  after(async () => {
    etcd?.close();
    await cluster?.stop();
  });

  /** The journal entries under the cluster's prefix, by id. */
  async function journal(): Promise<Record<string, { type: string; node: string }>> {
    const kvs = await etcd.getAll().prefix(`${cluster.prefix}ops/`).strings();
    const out: Record<string, { type: string; node: string }> = {};
    for (const [key, value] of Object.entries(kvs)) {
      out[key.slice(`${cluster.prefix}ops/`.length)] = JSON.parse(value);
    }
    return out;
  }

  async function movingPaths(): Promise<string[]> {
    const kvs = await etcd.getAll().prefix(`${cluster.prefix}fs/`).strings();
    return Object.entries(kvs)
      .filter(([, v]) => (JSON.parse(v) as { state?: string }).state === 'moving')
      .map(([k]) => k);
  }

  it('should finish the move on a surviving node when the coordinator is killed mid-move', async () => {
    const [coordinator, , owner] = cluster.nodes;
    owner!.proc.kill('SIGSTOP');
    let jobAtKill: { type: string; node: string } | undefined;
    try {
      const move = call(coordinator!.url, 'PATCH', '/v1/files/km', {
        body: JSON.stringify({ destination: '/km2' }),
      }).catch(() => undefined);
      // The coordinator journals node-3's disk step right before asking node-3 for it.
      const asking = await until(async () => {
        const ids = Object.keys(await journal());
        return ids.some((id) => id.endsWith('-node-3'));
      }, 30_000);
      await coordinator!.kill('SIGKILL');
      const entries = await journal();
      jobAtKill = Object.values(entries).find((e) => e.type === 'move-dir');
      expect(asking).to.equal(true);
      await move;
    } finally {
      owner!.proc.kill('SIGCONT');
    }
    const n2 = cluster.nodes[1]!.url;
    const finished = await until(async () => {
      const [b, c] = await Promise.all([
        call(n2, 'GET', '/v1/files/km2/b.txt'),
        call(n2, 'GET', '/v1/files/km2/sub/c.txt'),
      ]);
      const body = b.status === 200 && c.status === 200 ? [await b.text(), await c.text()] : [];
      // The job clears its entry last, after the directories stop being `moving`.
      const left = Object.values(await journal()).filter((e) => e.type === 'move-dir');
      return (
        body.join() === 'b on 2,c on 3' && (await movingPaths()).length === 0 && left.length === 0
      );
    }, 60_000);
    const left = Object.values(await journal()).filter((e) => e.type === 'move-dir');
    const created = await call(n2, 'POST', '/v1/files/km2/new.txt', { body: 'new' });
    const source = await call(n2, 'GET', '/v1/files/km/b.txt');
    expect([jobAtKill?.node, finished, left, created.status, source.status]).to.deep.equal([
      'node-1',
      true,
      [],
      201,
      404,
    ]);
  });
});
