// The composition root: wires one CallFS node from its configuration — etcd metadata and
// membership, the storage backend, the files service, the gRPC server and client, the HTTP
// edge — and runs start-up recovery before serving. The only place that knows every part.
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { createAuthenticator } from './auth/api-keys.js';
import type { Config } from './config/index.js';
import { parseListenAddr } from './config/listen.js';
import { createEdgeApp, edgeFetch } from './edge/app.js';
import { ClusterOverviewReader } from './files/cluster-overview.js';
import { createEdgeServer, type EdgeServerOptions } from './edge/http-server.js';
import { deriveRedirectKey, RedirectTokens } from './edge/redirect-token.js';
import { EtcdLinkStore } from './links/etcd-link-store.js';
import { LinkService } from './links/service.js';
import { EtcdChangeFeed } from './metadata/etcd-watch.js';
import { instrumentFiles } from './metrics/files.js';
import { createNodeHealth } from './peer/health.js';
import { addReflection } from './peer/reflection.js';
import { startPeerServer } from './peer/server.js';
import { NodeJobs } from './node-jobs.js';
import { createNodeFiles } from './node-files.js';
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

/** How long a stopping node lets in-flight HTTP requests finish before cutting them. */
const SHUTDOWN_GRACE_MS = 30_000;

function bindHost(host: string): string {
  return host === '' ? '0.0.0.0' : host;
}

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
      bindHost(peerListen.host),
      peerListen.port,
    );
    cleanups.push(() => peer.close());

    const httpListen = parseListenAddr(config.server.listen_addr);
    const tls = Boolean(config.server.tls_cert_file && config.server.tls_key_file);
    // The advertised URL is final once the port is bound (external_url may say :0).
    let linkBaseUrl = config.server.external_url;
    const links = new LinkService({
      store: new EtcdLinkStore({
        client: etcd,
        prefix: ms.etcd_prefix,
        requestTimeoutMs: ms.request_timeout_ms,
      }),
      files,
      metadata,
      secret: config.auth.single_use_link_secret,
      baseUrl: () => linkBaseUrl,
      onGenerated: () => metrics.linkGenerated(),
    });
    const app = createEdgeApp({
      files: api,
      auth,
      logger,
      instanceId,
      tls,
      ready,
      metrics,
      watch: {
        feed: changeFeed,
        // Under the idle timeout, so a quiet stream is never cut as idle.
        heartbeatMs: Math.min(15_000, Math.floor(config.server.request_idle_timeout_ms / 2)),
      },
      links: {
        service: links,
        generateLimit: {
          ratePerSecond: config.links.generate_rate_per_second,
          burst: config.links.generate_burst,
        },
        downloadLimit: {
          ratePerSecond: config.links.download_rate_per_second,
          burst: config.links.download_burst,
        },
      },
      cluster: { reader: new ClusterOverviewReader({ metadata: store, membership: store }) },
      redirect: {
        tokens: new RedirectTokens({
          key: deriveRedirectKey(config.auth.internal_proxy_secret),
          instanceId,
        }),
        remoteOwner: (path) => files.remoteOwner(path),
      },
    });
    const http = createEdgeServer({
      fetch: edgeFetch(app) as EdgeServerOptions['fetch'],
      instanceId,
      logger,
      idleTimeoutMs: config.server.request_idle_timeout_ms,
      tls: tls
        ? {
            cert: readFileSync(config.server.tls_cert_file as string),
            key: readFileSync(config.server.tls_key_file as string),
          }
        : undefined,
    });
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(httpListen.port, bindHost(httpListen.host), () => resolve());
    });
    // Stop accepting; let in-flight transfers finish (bounded), then cut what is left.
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          const force = setTimeout(() => {
            logger.warn('shutdown grace period over: closing the remaining connections');
            (http as { closeAllConnections?: () => void }).closeAllConnections?.();
          }, SHUTDOWN_GRACE_MS);
          // A connection whose request finishes during the drain stays open as keep-alive;
          // close such idle connections as they appear.
          const idle = setInterval(() => {
            (http as { closeIdleConnections?: () => void }).closeIdleConnections?.();
          }, 100);
          http.close(() => {
            clearTimeout(force);
            clearInterval(idle);
            resolve();
          });
        }),
    );
    // Runs first: open watch streams end, so the drain below does not wait on them.
    cleanups.push(async () => changeFeed.close());
    const httpPort = (http.address() as AddressInfo).port;
    const httpUrl = config.server.external_url.replace(/:0(?=\/|$)/, `:${httpPort}`);
    const grpcAddr = config.peer.advertise_addr.replace(/:0$/, `:${peer.port}`);
    linkBaseUrl = httpUrl;

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
