// `callfs fsck`: runs the consistency check of one node against etcd (see src/files/fsck.ts).
// Without --repair it only reads, and can run beside the live node (a change racing the scan
// may show up as a transient issue). With --repair it first takes the node's membership, so it
// refuses to run while the node itself is serving.
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import { fsck, type FsckReport } from '../files/fsck.js';
import { etcdMetadataFromConfig } from '../metadata/from-config.js';
import { createLocalfsStorage } from '../storage/localfs.js';
import { s3StorageFromConfig } from '../storage/s3/from-config.js';

export async function runFsck(
  config: Config,
  logger: Logger,
  repair: boolean,
): Promise<FsckReport> {
  const instanceId = config.instance_discovery.instance_id;
  // A running node holds the id: fail fast rather than wait for it.
  const metadata = etcdMetadataFromConfig(config, { registerRetryMs: 0, logger });
  try {
    const storage = await createLocalfsStorage({ root: config.backend.localfs_root_path });
    const shared = (await s3StorageFromConfig(config, storage.root)) ?? undefined;
    if (repair) {
      await metadata.register({
        instance_id: instanceId,
        http_url: config.server.external_url,
        grpc_addr: config.peer.advertise_addr,
        backends: shared ? [storage.backendType, shared.backendType] : [storage.backendType],
        ...(shared ? { stores: [shared.location] } : {}),
        started: Date.now(),
      });
    }
    return await fsck({ instanceId, metadata, storage, shared, repair });
  } finally {
    await metadata.close();
  }
}

export function formatFsckReport(r: FsckReport): string {
  const lines = [
    `callfs fsck of ${r.instanceId}: ${r.inodesChecked} inodes, ${r.filesChecked} files on disk, ${r.issues.length} issue(s)`,
  ];
  for (const i of r.issues) {
    lines.push(
      `  ${i.kind.padEnd(13)} ${i.path}  ${i.detail}${i.repaired ? `  → ${i.repaired}` : ''}`,
    );
  }
  return lines.join('\n') + '\n';
}
