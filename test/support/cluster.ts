// A real 3-node cluster for tests: one etcd and three node processes (devkit/) on free
// loopback ports, stopped by pid afterwards with their temp folders removed.
import { startEtcd, type EtcdHandle } from './etcd.js';
import { startChildNode, uniquePrefix, type ChildNode } from './node.js';

export interface TestCluster {
  etcd: EtcdHandle;
  prefix: string;
  nodes: ChildNode[];
  stop(): Promise<void>;
}

export async function startCluster(count = 3): Promise<TestCluster> {
  const etcd = await startEtcd();
  const prefix = uniquePrefix();
  const nodes: ChildNode[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(nodes.map((n) => n.stop().catch(() => undefined)));
    await etcd.stop();
  };
  try {
    // Each node is kept as soon as it is up, so a sibling's failure still stops it.
    const slots: (ChildNode | undefined)[] = [];
    const results = await Promise.allSettled(
      Array.from({ length: count }, async (_, i) => {
        slots[i] = await startChildNode({
          etcdEndpoint: etcd.endpoint,
          prefix,
          instanceId: `node-${i + 1}`,
        });
      }),
    );
    nodes.push(...slots.filter((n): n is ChildNode => n !== undefined));
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
  } catch (err) {
    await stop();
    throw err;
  }
  return { etcd, prefix, nodes, stop };
}
