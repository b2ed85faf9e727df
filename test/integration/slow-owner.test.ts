// A relayed request that changes a file answers what the owning node did, even when that node
// takes longer than peer.ready_timeout_ms: it accepted the call at once, so the relaying node
// waits for its answer instead of answering 503 for work the owner then did. The owning node is
// made slow but alive through its etcd: a proxy holds back etcd's replies (its requests still
// apply) for longer than the relaying node's ready timeout.
import { expect } from 'chai';
import { startEtcd, type EtcdHandle } from '../support/etcd.js';
import { startEtcdProxy, type EtcdProxy } from '../support/etcd-proxy.js';
import { call } from '../support/http.js';
import { startInProcessNode, uniquePrefix, type InProcessNode } from '../support/node.js';

const READY_MS = 300;
/** Longer than READY_MS, well within the owner's etcd request timeout and lease. */
const LATE_MS = 1000;

describe('integration: a relayed change to an owner slower than the ready timeout', function () {
  this.timeout(60_000);
  let etcd: EtcdHandle;
  let proxy: EtcdProxy;
  let owner: InProcessNode;
  let relay: InProcessNode;
  let late: NodeJS.Timeout | undefined;

  before(async () => {
    etcd = await startEtcd();
    proxy = await startEtcdProxy(etcd.endpoint);
    const prefix = uniquePrefix();
    owner = await startInProcessNode(proxy.endpoint, {
      prefix,
      instanceId: 'node-2',
      overrides: { metadata_store: { request_timeout_ms: 10_000 } },
    });
    relay = await startInProcessNode(etcd.endpoint, {
      prefix,
      instanceId: 'node-1',
      overrides: { peer: { ready_timeout_ms: READY_MS } },
    });
  });
  afterEach(() => {
    clearTimeout(late);
    proxy?.release();
  });
  after(async () => {
    await relay?.stop();
    await owner?.stop();
    await proxy?.close();
    await etcd?.stop();
  });

  /** From now on the owner's etcd answers LATE_MS late. */
  const ownerEtcdLate = (): void => {
    proxy.holdReplies();
    late = setTimeout(() => proxy.release(), LATE_MS);
  };

  it('should answer 204 and delete the file when the owner takes longer than the ready timeout', async () => {
    expect(
      (await call(owner.url, 'POST', '/v1/files/slow/gone.txt', { body: 'x' })).status,
    ).to.equal(201);
    ownerEtcdLate();
    const res = await call(relay.url, 'DELETE', '/v1/files/slow/gone.txt');
    expect(res.status).to.equal(204);
    expect((await call(relay.url, 'HEAD', '/v1/files/slow/gone.txt')).status).to.equal(404);
  });

  it('should answer 200 and rename the file when the owner takes longer than the ready timeout', async () => {
    expect(
      (await call(owner.url, 'POST', '/v1/files/slow/old.txt', { body: 'kept' })).status,
    ).to.equal(201);
    ownerEtcdLate();
    const res = await call(relay.url, 'PATCH', '/v1/files/slow/old.txt', {
      body: JSON.stringify({ destination: '/slow/new.txt' }),
    });
    expect(res.status).to.equal(200);
    expect(await (await call(relay.url, 'GET', '/v1/files/slow/new.txt')).text()).to.equal('kept');
  });
});
