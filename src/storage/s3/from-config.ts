// The S3 backend a node's configuration asks for (a bucket named in `backend.s3_*`), or null.
// Its journal lives in the node's localfs root (`.callfs/s3/`), its keys under the cluster's
// etcd prefix; the bucket is checked before the node serves, with the cause named.
// The AWS SDK is loaded only when a bucket is configured: a localfs-only node never pays its
// memory (~5 MB resident) or its load time.
import { join } from 'node:path';
import type { Config } from '../../config/schema.js';
import { INTERNAL_DIR } from '../paths.js';
import { keyPrefixOf } from './keys.js';
import type { S3Storage } from './storage.js';

export async function s3StorageFromConfig(
  config: Config,
  localRoot: string,
): Promise<S3Storage | null> {
  const b = config.backend;
  if (b.s3_bucket_name === undefined) return null;
  const { createS3Storage } = await import('./storage.js');
  const storage = await createS3Storage({
    bucket: b.s3_bucket_name,
    region: b.s3_region,
    endpoint: b.s3_endpoint,
    accessKeyId: b.s3_access_key,
    secretAccessKey: b.s3_secret_key,
    serverSideEncryption: b.s3_server_side_encryption,
    kmsKeyId: b.s3_kms_key_id,
    acl: b.s3_acl,
    keyPrefix: keyPrefixOf(config.metadata_store.etcd_prefix),
    journalDir: join(localRoot, INTERNAL_DIR, 's3'),
  });
  // Start-up says what is wrong (no such bucket, credentials refused, unreachable) at once.
  await storage.checkWritable();
  return storage;
}
