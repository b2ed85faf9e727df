// A directory move while a node owning files in it is paused (SIGSTOP): the coordinator's
// ApplyMove calls cannot reach it, its membership lease lapses, and the move answers without
// its disk step. Resumed, the node registers again and runs on without a restart: it must still
// rename its files on its disk, so that every file etcd names under the new path is served,
// and the source is released only once it has.
import { expect } from 'chai';
import { startCluster, type TestCluster } from '../support/cluster.js';
import { call } from '../support/http.js';
import { until } from '../support/wait.js';

describe('cluster: a directory move while a file owner is paused', function () {
  this.timeout(120_000);
  let cluster: TestCluster;

  before(async () => {
    cluster = await startCluster(2);
    const [n1, n2] = cluster.nodes.map((n) => n.url);
    expect((await call(n1!, 'POST', '/v1/files/pm/a.txt', { body: 'a on 1' })).status).to.equal(
      201,
    );
    expect((await call(n2!, 'POST', '/v1/files/pm/sub/b.txt', { body: 'b on 2' })).status).to.equal(
      201,
    );
  });
  after(async () => {
    await cluster?.stop();
  });

  it('should serve every moved file when the paused owner runs again without a restart', async () => {
    const n1 = cluster.nodes[0]!.url;
    const paused = cluster.nodes[1]!.proc;
    paused.kill('SIGSTOP');
    let status: number;
    try {
      const res = await call(n1, 'PATCH', '/v1/files/pm', {
        body: JSON.stringify({ destination: '/pm2' }),
      });
      status = res.status;
      await res.body?.cancel();
    } finally {
      paused.kill('SIGCONT');
    }
    const served = await until(async () => {
      const res = await call(n1, 'GET', '/v1/files/pm2/sub/b.txt');
      return res.status === 200 && (await res.text()) === 'b on 2';
    }, 60_000);
    expect([status, served]).to.deep.equal([200, true]);
  });

  it('should release the source once the resumed owner has moved its bytes', async () => {
    const n1 = cluster.nodes[0]!.url;
    // The source stays `moving` until the owner's disk step is done; the coordinator's 10 s
    // check then removes it.
    const released = await until(async () => {
      const res = await call(n1, 'GET', '/v1/files/pm');
      await res.body?.cancel();
      return res.status === 404;
    }, 60_000);
    const created = await call(n1, 'POST', '/v1/files/pm/sub/b.txt', { body: 'new at pm' });
    await created.body?.cancel();
    const moved = await call(n1, 'GET', '/v1/files/pm2/sub/b.txt');
    expect([released, created.status, moved.status, await moved.text()]).to.deep.equal([
      true,
      201,
      200,
      'b on 2',
    ]);
  });
});
