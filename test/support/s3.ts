// Test harness: a real s3rver on a free loopback port with a fresh data folder and one bucket
// (devkit/s3rver.ts, shared with the scripts and the bench); `stop` kills exactly that process
// and removes its folder. Each suite starts one; tests keep apart by key prefix.
import type { S3Settings } from '../../src/storage/s3/client.js';
import { startS3rver as startS3rverProcess } from '../../devkit/s3rver.js';

export interface S3Handle {
  endpoint: string;
  bucket: string;
  region: string;
  accessKey: string;
  secretKey: string;
  /** What a client of this server connects with (createS3Client, createS3Storage). */
  settings(): S3Settings;
  /** The backend settings of a node using this server (config `backend.s3_*`). */
  backendConfig(): Record<string, string>;
  kill(): Promise<void>;
  stop(): Promise<void>;
}

export async function startS3rver(): Promise<S3Handle> {
  const s3 = await startS3rverProcess();
  return {
    endpoint: s3.endpoint,
    bucket: s3.bucket,
    region: s3.region,
    accessKey: s3.accessKey,
    secretKey: s3.secretKey,
    settings: () => ({
      endpoint: s3.endpoint,
      bucket: s3.bucket,
      region: s3.region,
      accessKeyId: s3.accessKey,
      secretAccessKey: s3.secretKey,
    }),
    backendConfig: () => ({
      s3_endpoint: s3.endpoint,
      s3_bucket_name: s3.bucket,
      s3_region: s3.region,
      s3_access_key: s3.accessKey,
      s3_secret_key: s3.secretKey,
    }),
    kill: () => s3.kill('SIGKILL'),
    stop: () => s3.stop(),
  };
}
