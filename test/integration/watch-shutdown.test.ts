// A stopping node ends its open change-feed streams cleanly instead of holding its shutdown
// until the drain's grace period cuts them.
import { expect } from 'chai';
import { readSse } from '../../src/cli/client/sse.js';
import { etcdPerSuite } from '../support/etcd.js';
import { API_KEY, startInProcessNode } from '../support/node.js';

describe('change feed on a stopping node', function () {
  this.timeout(60_000);
  const suite = etcdPerSuite();

  it('should end an open watch stream cleanly when the node stops', async () => {
    const node = await startInProcessNode(suite.etcd.endpoint);
    const res = await fetch(`${node.url}/v1/watch/`, {
      headers: { authorization: `Bearer ${API_KEY}` },
    });
    const events: string[] = [];
    const read = (async () => {
      for await (const ev of readSse(res.body as unknown as AsyncIterable<Uint8Array>)) {
        events.push(ev.event);
      }
      return 'ended';
    })();
    while (events.length === 0) await new Promise((r) => setTimeout(r, 20));
    await node.stop();
    expect([await read, events]).to.deep.equal(['ended', ['ready']]);
  });
});
