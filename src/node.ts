// The composition root: wires one CallFS node from its configuration — etcd metadata and
// membership, the storage backend, the files service, the gRPC server and client, the HTTP
// edge — and runs start-up recovery before serving. The only place that knows every part. Its
// phases have modules of their own: the files service and the ports under it (node-files.ts),
// the HTTP edge (node-edge.ts), recovery and the background sweeps (node-jobs.ts).
import type { Logger } from 'pino';
import { createAuthenticator } from './auth/api-keys.js';
import type { Config } from './config/index.js';
import { parseListenAddr } from './config/listen.js';
import { EtcdChangeFeed } from './metadata/etcd-watch.js';
import { instrumentFiles } from './metrics/files.js';
import { createNodeHealth } from './peer/health.js';
import { addReflection } from './peer/reflection.js';
import { startPeerServer } from './peer/server.js';
import { NodeJobs } from './node-jobs.js';
import { createNodeFiles } from './node-files.js';
import { startEdge } from './node-edge.js';
import { serverCredentials } from './node-credentials.js';

export interface RunningNode {
  instanceId: string;
  httpPort: number;
  grpcPort: number;
  httpUrl: string;
  grpcAddr: string;
  /** Stops serving: HTTP and gRPC servers, membership lease, etcd client. */
  close(): Promise<void>;
}

export { SHUTDOWN_WAITS_FOR_JOBS } from './node-jobs.js';
export { LEFT_BEHIND } from './node-files.js';

export async function startNode(config: Config, logger: Logger): Promise<RunningNode> {
  const instanceId = config.instance_discovery.instance_id;
  const ms = config.metadata_store;
  const { etcd, metadata, s3, backends, owners, metrics, feed, store, setAside, files } =
    await createNodeFiles(config, logger);
  const changeFeed = new EtcdChangeFeed({
    client: etcd,
    prefix: ms.etcd_prefix,
    requestTimeoutMs: ms.request_timeout_ms,
  });
  // What the edge and the gRPC server call: also counts listings and mkdirs.
  const api = instrumentFiles(files, metrics, config.backend.default_backend);
  const auth = createAuthenticator({
    apiKeys: config.auth.api_keys,
    apiKeyUsers: config.auth.api_key_users,
    internalSecret: config.auth.internal_proxy_secret,
  });

  // Steps run in reverse order of set-up: HTTP drains first, then gRPC, then the lease is
  // released (in-flight commits still hold their fence), then the clients close.
  const cleanups: Array<() => Promise<void>> = [];
  const close = async (): Promise<void> => {
    for (const fn of cleanups.reverse()) {
      await fn().catch((err: unknown) => logger.warn({ err }, 'shutdown step failed'));
    }
  };
  cleanups.push(async () => etcd.close());
  if (feed) cleanups.push(async () => feed.close());
  cleanups.push(async () => owners.close());
  // Harmless before registration: revokes nothing.
  cleanups.push(() => metadata.deregister());
  // GET /ready and the gRPC health service say the same thing.
  const ready = async (): Promise<boolean> => {
    if (!metadata.isServing()) return false;
    return Promise.all(backends.map((b) => b.checkWritable())).then(
      () => true,
      () => false,
    );
  };
  const health = createNodeHealth({ ready });
  cleanups.push(async () => health.close());
  const jobs = new NodeJobs({
    instanceId,
    files,
    store,
    backends,
    s3,
    setAside,
    logger,
    adoptAfterMs: ms.adopt_jobs_after_ms,
    cleanups,
  });
  // The jobs start-up resumes once the node serves (below): shutdown waits for them here, after
  // the servers closed and before the lease and the etcd client go.
  cleanups.push(() => jobs.waitForResumed());
  try {
    const peerListen = parseListenAddr(config.peer.listen_addr);
    const peer = await startPeerServer(
      {
        files: api,
        auth,
        logger,
        chunkSize: config.peer.chunk_size_bytes,
        flowControlWindow: config.peer.flow_control_window_bytes,
        writeIdleTimeoutMs: config.peer.write_idle_timeout_ms,
        readAcceptAfterMs: Math.ceil(config.peer.ready_timeout_ms / 3),
        credentials: serverCredentials(config),
        feed: changeFeed,
        services: [(server) => health.addToServer(server), addReflection],
      },
      peerListen.host,
      peerListen.port,
    );
    cleanups.push(() => peer.close());

    const { httpPort, httpUrl } = await startEdge(config, {
      instanceId,
      logger,
      api,
      files,
      auth,
      ready,
      metrics,
      changeFeed,
      etcd,
      metadata,
      store,
      cleanups,
    });
    const grpcAddr = config.peer.advertise_addr.replace(/:0$/, `:${peer.port}`);

    // Not awaited: until the watch is up every read goes to etcd, and the cache fills as reads
    // miss once it is.
    void feed?.start();
    // Journal recovery needs etcd's view but must finish before this node serves writes.
    const recovery = await jobs.recover();
    metrics.pendingCommits(() => files.reconciler.size);
    await metadata.register({
      instance_id: instanceId,
      http_url: httpUrl,
      grpc_addr: grpcAddr,
      backends: backends.map((b) => b.backendType),
      ...(s3 ? { stores: [s3.location] } : {}),
      started: Date.now(),
    });
    void health.refresh();
    jobs.start(recovery.waiting);
    logger.info({ instanceId, httpUrl, grpcAddr }, 'callfs node ready');
    return { instanceId, httpPort, grpcPort: peer.port, httpUrl, grpcAddr, close };
  } catch (err) {
    await close();
    throw err;
  }
}
