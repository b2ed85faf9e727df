// A mixed cluster for S3 tests: one s3rver and three nodes, node-1 and node-2 putting new files
// on their disks and node-3 on the bucket. `bucketOnAll` gives node-1 and node-2 the bucket too
// (they then serve S3 files themselves); without it they forward S3 files to node-3. `stop`
// stops the nodes, etcd and s3rver, each by pid.
import { HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../../src/storage/s3/client.js';
import { startCluster, type TestCluster } from './cluster.js';
import { startS3rver, type S3Handle } from './s3.js';

export interface MixedCluster {
  s3: S3Handle;
  cluster: TestCluster;
  urls: string[];
  /** A client of the bucket, for asserting what it holds. */
  client: S3Client;
  /** Every key in the bucket. */
  objectKeys(): Promise<string[]>;
  /** The Content-Type the bucket stores with an object. */
  objectContentType(key: string): Promise<string | undefined>;
  stop(): Promise<void>;
}

export async function startMixedCluster(
  options: { bucketOnAll: boolean; overrides?: Record<string, Record<string, unknown>> } = {
    bucketOnAll: true,
  },
): Promise<MixedCluster> {
  const s3 = await startS3rver();
  let cluster: TestCluster;
  try {
    cluster = await startCluster(3, (i) => {
      const backend =
        i === 2
          ? { default_backend: 's3', ...s3.backendConfig() }
          : options.bucketOnAll
            ? { default_backend: 'localfs', ...s3.backendConfig() }
            : undefined;
      const o = { ...options.overrides };
      if (backend) o.backend = { ...o.backend, ...backend };
      return Object.keys(o).length > 0 ? o : undefined;
    });
  } catch (err) {
    await s3.stop();
    throw err;
  }
  const client = createS3Client(s3.settings());
  return {
    s3,
    cluster,
    urls: cluster.nodes.map((n) => n.url),
    client,
    async objectKeys() {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({ Bucket: s3.bucket, ContinuationToken: token }),
        );
        for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return keys.sort();
    },
    async objectContentType(key) {
      return (await client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: key })))
        .ContentType;
    },
    async stop() {
      client.destroy();
      await cluster.stop();
      await s3.stop();
    },
  };
}
