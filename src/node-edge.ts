// The HTTP edge of a node: the single-use link service, the edge app (files API, watch stream,
// links, cluster overview, redirects to a file's owner) and its server, bound and listening.
// Its shutdown steps drain the server (in-flight transfers finish, bounded by a grace period)
// after the open watch streams end. The advertised URL is known once the port is bound
// (`external_url` may say `:0`), and links are generated against it from then on.
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Etcd3 } from 'etcd3';
import type { Logger } from 'pino';
import type { Authenticator } from './auth/api-keys.js';
import type { Config } from './config/index.js';
import { parseListenAddr } from './config/listen.js';
import { createEdgeApp, edgeFetch } from './edge/app.js';
import { createEdgeServer, type EdgeServerOptions } from './edge/http-server.js';
import { deriveRedirectKey, RedirectTokens } from './edge/redirect-token.js';
import { ClusterOverviewReader } from './files/cluster-overview.js';
import type { FilesApi, Membership, Metadata } from './files/ports.js';
import type { FilesService } from './files/service.js';
import { EtcdLinkStore } from './links/etcd-link-store.js';
import { LinkService } from './links/service.js';
import type { EtcdChangeFeed } from './metadata/etcd-watch.js';
import type { Metrics } from './metrics/metrics.js';

/** How long a stopping node lets in-flight HTTP requests finish before cutting them. */
const SHUTDOWN_GRACE_MS = 30_000;

export interface NodeEdgeDeps {
  instanceId: string;
  logger: Logger;
  /** What the edge calls: the files service, counted. */
  api: FilesApi;
  /** The files service itself (links read through it; redirects ask it for a file's owner). */
  files: FilesService;
  auth: Authenticator;
  /** What GET /ready answers. */
  ready: () => Promise<boolean>;
  metrics: Metrics;
  changeFeed: EtcdChangeFeed;
  /** The etcd client the link store uses. */
  etcd: Etcd3;
  /** The namespace the link service reads a linked file's identity from. */
  metadata: Pick<Metadata, 'get'>;
  /** What the cluster overview reads. */
  store: Metadata & Membership;
  /** The node's shutdown steps: the edge pushes its own (they run in reverse). */
  cleanups: Array<() => Promise<void>>;
}

/** Starts the edge; answers the bound port and the URL the node advertises. */
export async function startEdge(
  config: Config,
  d: NodeEdgeDeps,
): Promise<{ httpPort: number; httpUrl: string }> {
  const { instanceId, logger } = d;
  const ms = config.metadata_store;
  const httpListen = parseListenAddr(config.server.listen_addr);
  const tls = Boolean(config.server.tls_cert_file && config.server.tls_key_file);
  // The advertised URL is final once the port is bound (external_url may say :0).
  let linkBaseUrl = config.server.external_url;
  const links = new LinkService({
    store: new EtcdLinkStore({
      client: d.etcd,
      prefix: ms.etcd_prefix,
      requestTimeoutMs: ms.request_timeout_ms,
    }),
    files: d.files,
    metadata: d.metadata,
    secret: config.auth.single_use_link_secret,
    baseUrl: () => linkBaseUrl,
    onGenerated: () => d.metrics.linkGenerated(),
  });
  const app = createEdgeApp({
    files: d.api,
    auth: d.auth,
    logger,
    instanceId,
    tls,
    ready: d.ready,
    metrics: d.metrics,
    watch: {
      feed: d.changeFeed,
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
    cluster: { reader: new ClusterOverviewReader({ metadata: d.store, membership: d.store }) },
    redirect: {
      tokens: new RedirectTokens({
        key: deriveRedirectKey(config.auth.internal_proxy_secret),
        instanceId,
      }),
      remoteOwner: (path) => d.files.remoteOwner(path),
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
    http.listen(httpListen.port, httpListen.host, () => resolve());
  });
  // Stop accepting; let in-flight transfers finish (bounded), then cut what is left.
  d.cleanups.push(
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
  d.cleanups.push(async () => d.changeFeed.close());
  const httpPort = (http.address() as AddressInfo).port;
  const httpUrl = config.server.external_url.replace(/:0(?=\/|$)/, `:${httpPort}`);
  linkBaseUrl = httpUrl;
  return { httpPort, httpUrl };
}
