// A node that stopped in the middle of a directory move starts again and finishes the move from
// its journal once it holds its membership (the move needs fenced transactions).
import { expect } from 'chai';
import { Etcd3 } from 'etcd3';
import { startEtcd, type EtcdHandle } from '../support/etcd.js';
import { call } from '../support/http.js';
import { startChildNode, uniquePrefix, type ChildNode } from '../support/node.js';
import { until } from '../support/wait.js';

describe('restart with an unfinished directory move', function () {
  this.timeout(60_000);
  let etcd: EtcdHandle;
  let node: ChildNode;
  const prefix = uniquePrefix();

  before(async () => {
    etcd = await startEtcd();
    node = await startChildNode({ etcdEndpoint: etcd.endpoint, prefix, instanceId: 'node-1' });
  });
  after(async () => {
    await node?.stop();
    await etcd?.stop();
  });

  it('should start and finish the move when its journal holds one', async () => {
    await call(node.url, 'POST', '/v1/files/jd/f.txt', { body: 'journaled' });
    await node.kill('SIGTERM');
    const client = new Etcd3({ hosts: etcd.endpoint });
    await client.put(`${prefix}ops/pending-move`).value(
      JSON.stringify({
        type: 'move-dir',
        node: 'node-1',
        from: '/jd',
        to: '/je',
        user: 'api-user-0',
      }),
    );
    client.close();
    await node.restart();
    const moved = await until(
      async () => (await call(node.url, 'GET', '/v1/files/je/f.txt')).status === 200,
    );
    expect(moved).to.equal(true);
    expect(await (await call(node.url, 'GET', '/v1/files/je/f.txt')).text()).to.equal('journaled');
  });
});
