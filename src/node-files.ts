// The files service of a node and the ports under it: the etcd client and adapter, the node's
// disk and the shared S3 store when configured, the gRPC client of the other nodes, the metrics
// registry and the metadata cache. The service sees timed ports, under the cache when it is on
// (a read it answers makes no etcd request); registration and the lease stay with `metadata`.
// What the service reports in the background (jobs set aside, adopted, left behind) is logged
// and counted here.
import type { Etcd3 } from 'etcd3';
import type { Logger } from 'pino';
import type { Config } from './config/index.js';
import { deriveCursorKey } from './files/cursor.js';
import { journalKind } from './files/journal-entries.js';
import type { QuarantinedEntry } from './files/ports.js';
import { FilesService } from './files/service.js';
import { CachedMetadata } from './metadata/cached-metadata.js';
import type { EtcdMetadata } from './metadata/etcd-metadata.js';
import { etcdClientFromConfig, etcdMetadataFromConfig } from './metadata/from-config.js';
import { EtcdWatchFeed } from './metadata/watch-feed.js';
import { instrumentMetadata } from './metrics/metadata.js';
import { Metrics } from './metrics/metrics.js';
import { instrumentOwnerClient } from './metrics/owner-client.js';
import { instrumentStorage } from './metrics/storage.js';
import { clientCredentials } from './node-credentials.js';
import { GrpcOwnerClient } from './peer/client.js';
import { createLocalfsStorage, type LocalfsStorage } from './storage/localfs.js';
import { s3StorageFromConfig } from './storage/s3/from-config.js';
import type { S3Storage } from './storage/s3/storage.js';

/** Logged once per journal entry a node gone for good left that no node takes over. */
export const LEFT_BEHIND =
  'journal entry of a node gone for good waits for it: once the node is decommissioned, remove it (see "remove")';

export interface NodeFiles {
  etcd: Etcd3;
  /** The adapter itself: registration, the lease, and what the link service reads. */
  metadata: EtcdMetadata;
  s3: S3Storage | null;
  /** The backends this node serves, its own disk first (where files moved to it land). */
  backends: Array<LocalfsStorage | S3Storage>;
  owners: GrpcOwnerClient;
  metrics: Metrics;
  /** The watch that fills the cache; null when the cache is off. */
  feed: EtcdWatchFeed | null;
  /** The metadata the files service uses: timed, under the cache when it is on. */
  store: EtcdMetadata | CachedMetadata;
  /** Counts and logs a journal entry recovery set aside. */
  setAside: (entry: QuarantinedEntry) => void;
  files: FilesService;
}

export async function createNodeFiles(config: Config, logger: Logger): Promise<NodeFiles> {
  const instanceId = config.instance_discovery.instance_id;
  const ms = config.metadata_store;
  const etcd = etcdClientFromConfig(ms);
  const metadata = etcdMetadataFromConfig(config, { client: etcd, logger });
  const storage = await createLocalfsStorage({ root: config.backend.localfs_root_path });
  const s3 = await s3StorageFromConfig(config, storage.root);
  const backends = s3 ? [storage, s3] : [storage];
  const owners = new GrpcOwnerClient({
    internalSecret: config.auth.internal_proxy_secret,
    chunkSize: config.peer.chunk_size_bytes,
    flowControlWindow: config.peer.flow_control_window_bytes,
    readyTimeoutMs: config.peer.ready_timeout_ms,
    keepaliveTimeMs: config.peer.keepalive_time_ms,
    writeIdleTimeoutMs: config.peer.write_idle_timeout_ms,
    credentials: clientCredentials(config),
  });
  // One registry per node.
  const metrics = new Metrics({ defaultMetrics: true });
  const timed = instrumentMetadata(metadata, metrics);
  const feed = ms.cache_enabled
    ? new EtcdWatchFeed({ client: etcd, prefix: ms.etcd_prefix, logger })
    : null;
  const store = feed
    ? new CachedMetadata({
        inner: timed,
        feed,
        maxEntries: ms.cache_max_entries,
        onLookup: (kind, result) => metrics.cacheLookup(kind, result),
      })
    : timed;
  if (store instanceof CachedMetadata) metrics.observeCacheSize(() => store.size);
  const setAside = (entry: QuarantinedEntry): void => {
    metrics.journalQuarantined(entry.kind);
    logger.error({ journalEntry: entry }, 'journal entry set aside: recovery cannot finish it');
  };
  const files = new FilesService({
    instanceId,
    metadata: store,
    membership: store,
    storage: instrumentStorage(storage, metrics),
    shared: s3 ? instrumentStorage(s3, metrics) : undefined,
    defaultBackend: config.backend.default_backend,
    owners: instrumentOwnerClient(owners, metrics),
    maxBodyBytes: config.server.max_body_bytes,
    smallBodyBytes: config.server.small_body_bytes,
    cursorKey: deriveCursorKey(config.auth.internal_proxy_secret),
    warn: (message, err) => logger.warn({ err }, message),
    onSetAside: setAside,
    adoptAfterMs: ms.adopt_jobs_after_ms,
    onAdopted: (entry) =>
      logger.warn(
        { journalEntry: entry.id, from: entry.value.adopted_from, path: entry.value.from },
        'adopted the directory move of a node gone for good',
      ),
    onLeftBehind: (entry) =>
      logger.warn(
        {
          journalEntry: entry.id,
          type: entry.value.type,
          node: entry.value.node,
          remove: `etcdctl del ${ms.etcd_prefix}ops/${entry.id}`,
        },
        LEFT_BEHIND,
      ),
  });
  metrics.leftBehindJournal(() => files.leftBehindJournal().map((e) => journalKind(e.value.type)));
  metrics.waitingMoves(() => files.waitingMovesCount());
  return { etcd, metadata, s3, backends, owners, metrics, feed, store, setAside, files };
}
