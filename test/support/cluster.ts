// A real 3-node cluster for tests: one etcd and three `bin/callfs server` processes on free
// loopback ports, stopped by pid afterwards with their temp folders removed.
import { startEtcd, type EtcdHandle } from './etcd.js';
import { startChildNode, uniquePrefix, type ChildNode, type NodeSpec } from './node.js';

export interface TestCluster {
  etcd: EtcdHandle;
  prefix: string;
  nodes: ChildNode[];
  stop(): Promise<void>;
}

export async function startCluster(
  count = 3,
  overrides?: NodeSpec['overrides'],
): Promise<TestCluster> {
  const etcd = await startEtcd();
  const prefix = uniquePrefix();
  const nodes: ChildNode[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(nodes.map((n) => n.stop().catch(() => undefined)));
    await etcd.stop();
  };
  try {
    const started = await Promise.all(
      Array.from({ length: count }, (_, i) =>
        startChildNode({
          etcdEndpoint: etcd.endpoint,
          prefix,
          instanceId: `node-${i + 1}`,
          overrides,
        }),
      ),
    );
    nodes.push(...started);
  } catch (err) {
    await stop();
    throw err;
  }
  return { etcd, prefix, nodes, stop };
}
