// The harness's child nodes start on ports found free a moment before; one may be taken before
// the node binds it (another node starting beside it, an outgoing connection's local port).
// startChildNode then starts the node again on other ports: here the first port it is handed
// is one this test holds, so the first start fails with EADDRINUSE.
import { expect } from 'chai';
import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { freePort, startEtcd, type EtcdHandle } from '../support/etcd.js';
import { startChildNode, uniquePrefix, type ChildNode } from '../support/node.js';

describe('child node ports taken before the node binds them', function () {
  this.timeout(120_000);
  let etcd: EtcdHandle;
  let holder: Server;
  let taken: number;
  const nodes: ChildNode[] = [];

  /** Hands out the held port at pick number `at` (0-based), free ports otherwise. */
  function picker(at: number): { pick: () => Promise<number>; picks: number[] } {
    const picks: number[] = [];
    return {
      picks,
      pick: async () => {
        const port = picks.length === at ? taken : await freePort();
        picks.push(port);
        return port;
      },
    };
  }

  async function start(pick: () => Promise<number>, instanceId: string): Promise<ChildNode> {
    const node = await startChildNode({
      etcdEndpoint: etcd.endpoint,
      prefix: uniquePrefix(),
      instanceId,
      pickPort: pick,
    });
    nodes.push(node);
    return node;
  }

  before(async () => {
    etcd = await startEtcd();
    holder = createServer();
    holder.listen(0, '127.0.0.1');
    await once(holder, 'listening');
    const addr = holder.address();
    taken = typeof addr === 'object' && addr ? addr.port : 0;
  });
  after(async () => {
    for (const node of nodes) await node.stop();
    holder?.close();
    await etcd?.stop();
  });

  const cases = [
    { which: 'HTTP', at: 0, portOf: (n: ChildNode) => n.httpPort },
    { which: 'gRPC', at: 1, portOf: (n: ChildNode) => n.grpcPort },
  ];
  for (const { which, at, portOf } of cases) {
    it(`should answer /ready with another ${which} port when its first one is taken`, async () => {
      const ports = picker(at);
      const node = await start(ports.pick, `node-${which.toLowerCase()}`);
      const ready = await fetch(`${node.url}/ready`);
      // Four picks: the first start's two ports, then the second start's.
      expect([ready.status, portOf(node) !== taken, ports.picks.length]).to.deep.equal([
        200,
        true,
        4,
      ]);
    });
  }
});
