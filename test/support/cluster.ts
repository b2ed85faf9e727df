// A real 3-node cluster for tests: one etcd and three node processes (devkit/) on free
// loopback ports, stopped by pid afterwards with their temp folders removed.
import { startEtcd, type EtcdHandle } from './etcd.js';
import { startChildNode, uniquePrefix, type ChildNode, type NodeSpec } from './node.js';

export interface TestCluster {
  etcd: EtcdHandle;
  prefix: string;
  nodes: ChildNode[];
  stop(): Promise<void>;
}

/** One set of config overrides for every node, or one per node (by index). */
export type ClusterOverrides =
  NodeSpec['overrides'] | ((index: number) => NodeSpec['overrides'] | undefined);

export async function startCluster(count = 3, overrides?: ClusterOverrides): Promise<TestCluster> {
  const etcd = await startEtcd();
  const prefix = uniquePrefix();
  const nodes: ChildNode[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(nodes.map((n) => n.stop().catch(() => undefined)));
    await etcd.stop();
  };
  const started = await Promise.allSettled(
    Array.from({ length: count }, (_, i) =>
      startChildNode({
        etcdEndpoint: etcd.endpoint,
        prefix,
        instanceId: `node-${i + 1}`,
        overrides: typeof overrides === 'function' ? overrides(i) : overrides,
      }),
    ),
  );
  // Nodes that did start are stopped too when another one failed to.
  for (const s of started) if (s.status === 'fulfilled') nodes.push(s.value);
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    await stop();
    throw failed.reason;
  }
  return { etcd, prefix, nodes, stop };
}
