// The link routes' rate limits come from the configuration (links.*): a node started with a
// small burst answers 429 RATE_LIMIT_EXCEEDED to one key's burst while another key goes on.
import { expect } from 'chai';
import { startEtcd, type EtcdHandle } from '../support/etcd.js';
import { call, jsonOf } from '../support/http.js';
import { OTHER_KEY, startInProcessNode, type InProcessNode } from '../support/node.js';

describe('configured link rate limits', function () {
  this.timeout(30_000);
  let etcd: EtcdHandle;
  let node: InProcessNode;

  before(async () => {
    etcd = await startEtcd();
    node = await startInProcessNode(etcd.endpoint, {
      // A bucket that refills once in 100 s: no refill can happen during the test.
      overrides: { links: { generate_burst: 3, generate_rate_per_second: 0.01 } },
    });
    await call(node.url, 'PUT', '/v1/files/rl.txt', { body: 'r' });
  });
  after(async () => {
    await node?.stop();
    await etcd?.stop();
  });

  const generate = (key?: string) =>
    call(node.url, 'POST', '/v1/links/generate', {
      body: JSON.stringify({ path: '/rl.txt' }),
      ...(key ? { key } : {}),
    });

  it('should answer 429 RATE_LIMIT_EXCEEDED when one key exceeds the configured burst', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await generate()).status);
    const limited = await generate();
    expect(statuses).to.deep.equal([201, 201, 201, 429]);
    expect((await jsonOf(limited)).code).to.equal('RATE_LIMIT_EXCEEDED');
  });

  it('should still generate for another key when one key is limited', async () => {
    expect((await generate(OTHER_KEY)).status).to.equal(201);
  });
});
