// How the node and the CLI reach etcd from a node's configuration: one place for the client's
// endpoints, credentials and deadlines, and for the adapter's prefix and lease, so the node,
// fsck, drain and import cannot drift apart.
import type { Etcd3 } from 'etcd3';
import type { Config } from '../config/index.js';
import { etcdClient } from './etcd-call.js';
import { EtcdMetadata, type EtcdMetadataOptions } from './etcd-metadata.js';

function authOf(ms: Config['metadata_store']): { username: string; password: string } | undefined {
  return ms.etcd_username
    ? { username: ms.etcd_username, password: ms.etcd_password ?? '' }
    : undefined;
}

/** An etcd client for `metadata_store`; the caller closes it. */
export function etcdClientFromConfig(ms: Config['metadata_store']): Etcd3 {
  return etcdClient(ms.etcd_endpoints, ms.request_timeout_ms, authOf(ms));
}

/**
 * The metadata adapter of this node's instance id. Without `extra.client` it opens its own
 * client and closes it on close(); `extra` sets what differs between callers (a logger, the
 * register retry).
 */
export function etcdMetadataFromConfig(
  config: Config,
  extra: Partial<EtcdMetadataOptions> = {},
): EtcdMetadata {
  const ms = config.metadata_store;
  return new EtcdMetadata({
    ...(extra.client ? {} : { endpoints: ms.etcd_endpoints, auth: authOf(ms) }),
    prefix: ms.etcd_prefix,
    instanceId: config.instance_discovery.instance_id,
    leaseTtlSeconds: ms.lease_ttl_seconds,
    requestTimeoutMs: ms.request_timeout_ms,
    ...extra,
  });
}
