// Membership on a real etcd: a node that loses its lease refuses writes with 503
// NODE_NOT_SERVING, keeps serving reads, and registers again by itself.
import { expect } from 'chai';
import { Etcd3 } from 'etcd3';
import { startEtcd, type EtcdHandle } from '../support/etcd.js';
import { call, jsonOf } from '../support/http.js';
import { startInProcessNode, uniquePrefix, type InProcessNode } from '../support/node.js';
import { until } from '../support/wait.js';

describe('membership lease', function () {
  this.timeout(60_000);
  let etcd: EtcdHandle;
  let client: Etcd3;
  let node: InProcessNode;
  const prefix = uniquePrefix();

  before(async () => {
    etcd = await startEtcd();
    client = new Etcd3({ hosts: etcd.endpoint });
    node = await startInProcessNode(etcd.endpoint, { prefix, instanceId: 'lease-node' });
    await call(node.url, 'POST', '/v1/files/kept.txt', { body: 'kept' });
  });
  after(async () => {
    client?.close();
    await node?.stop();
    await etcd?.stop();
  });

  async function revokeLease(): Promise<void> {
    const res = await client.kv.range({ key: Buffer.from(`${prefix}nodes/lease-node`) });
    const lease = res.kvs[0]?.lease;
    if (!lease) throw new Error('membership key has no lease');
    await client.leaseClient.leaseRevoke({ ID: lease });
  }

  it('should refuse a second process with the same instance id when one is serving', async () => {
    let error: unknown;
    try {
      const twin = await startInProcessNode(etcd.endpoint, {
        prefix,
        instanceId: 'lease-node',
        overrides: { metadata_store: { lease_ttl_seconds: 2 } },
      });
      await twin.stop();
    } catch (err) {
      error = err;
    }
    expect(String(error)).to.match(/already|registered|exists/i);
  });

  it('should answer 503 NODE_NOT_SERVING to a write when its lease was lost', async () => {
    await revokeLease();
    const res = await call(node.url, 'POST', '/v1/files/after-loss.txt', { body: 'x' });
    expect(res.status).to.equal(503);
    expect((await jsonOf(res)).code).to.equal('NODE_NOT_SERVING');
  });

  it('should keep serving reads when its lease was lost', async () => {
    await revokeLease().catch(() => undefined);
    const res = await call(node.url, 'GET', '/v1/files/kept.txt');
    expect(await res.text()).to.equal('kept');
  });

  it('should accept writes again when it has registered again', async () => {
    const back = await until(
      async () =>
        (await call(node.url, 'PUT', '/v1/files/after-return.txt', { body: 'y' })).status === 201,
    );
    expect(back).to.equal(true);
  });

  it('should report ready again when it has registered again', async () => {
    const ready = await until(async () => (await fetch(`${node.url}/ready`)).status === 200);
    expect(ready).to.equal(true);
  });
});
