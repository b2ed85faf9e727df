// A local cluster: one etcd and N CallFS node processes on loopback ports, each node with its
// own storage root and JSON configuration (built by the caller's `config` function, so tests
// and the bench keep their own keys and timeouts). `stop` stops exactly these processes, by
// pid, and removes the folders made here.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEtcd, type EtcdProcess } from './etcd.js';
import { startNodeProcess, type NodeProcess, type Runtime } from './node-process.js';
import { freePort, procs as sharedProcs, type Procs } from './proc.js';

export interface NodeSlot {
  instanceId: string;
  etcdEndpoint: string;
  root: string;
  httpPort: number;
  grpcPort: number;
}

/**
 * A node's configuration for a loopback cluster of compiled nodes (the bench, the probes):
 * localfs, JSON logs at info, a 5 s lease. `name` tells the secrets of one tool from another's.
 */
export function loopbackNodeConfig(
  slot: NodeSlot,
  o: { apiKey: string; prefix: string; name: string },
): Record<string, unknown> {
  return {
    server: {
      listen_addr: `127.0.0.1:${slot.httpPort}`,
      external_url: `http://127.0.0.1:${slot.httpPort}`,
    },
    peer: {
      listen_addr: `127.0.0.1:${slot.grpcPort}`,
      advertise_addr: `127.0.0.1:${slot.grpcPort}`,
    },
    auth: {
      api_keys: [o.apiKey],
      internal_proxy_secret: `${o.name}-internal-5b0f2e7c9a1d4e36b8c2f0a9d7e1c3b5`,
      single_use_link_secret: `${o.name}-links-0c9e8d7f6a5b4c3d2e1f0a9b8c7d6e5f`,
    },
    backend: { default_backend: 'localfs', localfs_root_path: slot.root },
    metadata_store: {
      type: 'etcd',
      etcd_endpoints: [slot.etcdEndpoint],
      etcd_prefix: o.prefix,
      lease_ttl_seconds: 5,
    },
    instance_discovery: { instance_id: slot.instanceId },
    log: { level: 'info', format: 'json' },
  };
}

export interface ClusterOptions {
  count?: number;
  /** The node's configuration object (written as JSON) for its slot. */
  config(slot: NodeSlot): Record<string, unknown>;
  runtime?: Runtime;
  /** Options for node itself, for every node process. */
  nodeArgs?: string[];
  /** The checkout whose build the nodes run (default this one). */
  repo?: string;
  /** The nodes' environment (default this process's). */
  env?: NodeJS.ProcessEnv;
  /** Holds etcd data, node roots, configs and logs; default a temp folder removed by `stop`. */
  dir?: string;
  /** Fixed ports (base + index); default free ones. */
  httpBasePort?: number;
  grpcBasePort?: number;
  etcdPort?: number;
  /** Node and etcd output to `<dir>/logs/*.log` instead of memory. */
  logs?: boolean;
  procs?: Procs;
}

export interface ClusterNode extends NodeProcess {
  slot: NodeSlot;
  configFile: string;
}

export interface LocalCluster {
  dir: string;
  etcd: EtcdProcess;
  nodes: ClusterNode[];
  stop(): Promise<void>;
}

export async function startLocalCluster(options: ClusterOptions): Promise<LocalCluster> {
  const procs = options.procs ?? sharedProcs;
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'callfs-cluster-')));
  const logs = options.logs ? join(dir, 'logs') : undefined;
  if (logs) await mkdir(logs, { recursive: true });
  const nodes: ClusterNode[] = [];
  let etcd: EtcdProcess | undefined;
  const stop = async (): Promise<void> => {
    await Promise.all(nodes.map((n) => n.kill('SIGTERM').catch(() => undefined)));
    await etcd?.stop();
    if (ownDir) await rm(dir, { recursive: true, force: true });
  };
  try {
    etcd = await startEtcd({
      dir: join(dir, 'etcd'),
      clientPort: options.etcdPort,
      peerPort: options.etcdPort === undefined ? undefined : options.etcdPort + 1,
      log: logs && join(logs, 'etcd.log'),
      procs,
    });
    const count = options.count ?? 3;
    const slots = await Promise.all(
      Array.from({ length: count }, async (_, i): Promise<NodeSlot> => {
        const instanceId = `node-${i + 1}`;
        const root = join(dir, instanceId, 'data');
        await mkdir(root, { recursive: true });
        return {
          instanceId,
          etcdEndpoint: etcd!.endpoint,
          root,
          httpPort: options.httpBasePort ? options.httpBasePort + i : await freePort(),
          grpcPort: options.grpcBasePort ? options.grpcBasePort + i : await freePort(),
        };
      }),
    );
    const started = await Promise.all(
      slots.map(async (slot): Promise<ClusterNode> => {
        const configFile = join(dir, `${slot.instanceId}.json`);
        await writeFile(configFile, JSON.stringify(options.config(slot)), { mode: 0o600 });
        const node = await startNodeProcess({
          name: slot.instanceId,
          configFile,
          url: `http://127.0.0.1:${slot.httpPort}`,
          runtime: options.runtime,
          nodeArgs: options.nodeArgs,
          repo: options.repo,
          env: options.env,
          log: logs && join(logs, `${slot.instanceId}.log`),
          procs,
        });
        nodes.push(node as ClusterNode);
        return Object.assign(node, { slot, configFile });
      }),
    );
    nodes.sort((a, b) => started.indexOf(a) - started.indexOf(b));
  } catch (err) {
    await stop();
    throw err;
  }
  return { dir, etcd, nodes, stop };
}
