// The S3 client of the backend and what its failures mean to an operator. A custom endpoint
// (MinIO, s3rver, Ceph...) gets path-style addressing, which every S3-compatible server speaks;
// AWS itself gets virtual-hosted style. Start-up and readiness errors name the cause: no such
// bucket, credentials refused, or endpoint unreachable.
import { HeadBucketCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';

export interface S3Settings {
  bucket: string;
  region: string;
  /** Empty: AWS's own endpoint for the region. */
  endpoint?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  /** `AES256` or `aws:kms` (then `kmsKeyId`), sent with every object written. */
  serverSideEncryption?: string;
  kmsKeyId?: string;
  /** A canned ACL sent with every object written (e.g. `private`). */
  acl?: string;
}

export function createS3Client(s: S3Settings): S3Client {
  return new S3Client({
    region: s.region,
    ...(s.endpoint ? { endpoint: s.endpoint, forcePathStyle: true } : {}),
    ...(s.accessKeyId && s.secretAccessKey
      ? { credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey } }
      : {}),
    // The default (3 attempts with backoff) would hide a dead endpoint behind seconds of retries
    // on every readiness probe; writes are retried by the caller, reads by the client.
    maxAttempts: 2,
  });
}

/** The HTTP status of an S3 error, when the server answered. */
export function s3Status(err: unknown): number | undefined {
  if (err instanceof S3ServiceException) return err.$metadata.httpStatusCode;
  const meta = (err as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata;
  return meta?.httpStatusCode;
}

/** Whether an S3 error says the key (or upload) is not there. */
export function isMissing(err: unknown): boolean {
  const name = (err as { name?: string } | null)?.name;
  return (
    name === 'NoSuchKey' || name === 'NotFound' || name === 'NoSuchUpload' || s3Status(err) === 404
  );
}

/** Whether the server does not implement the request (s3rver lacks some of S3). */
export function isUnsupported(err: unknown): boolean {
  const name = (err as { name?: string } | null)?.name;
  const status = s3Status(err);
  return (
    name === 'MethodNotAllowed' || name === 'NotImplemented' || status === 405 || status === 501
  );
}

/** One line saying why the bucket cannot be used, for start-up and /ready. */
export function describeBucketError(s: S3Settings, err: unknown): string {
  const where = `S3 bucket "${s.bucket}" at ${s.endpoint || `AWS (${s.region})`}`;
  const status = s3Status(err);
  if (status === 404) return `${where} does not exist (create it, or fix backend.s3_bucket_name)`;
  if (status === 401 || status === 403) {
    return `${where} refused the credentials (check backend.s3_access_key and s3_secret_key)`;
  }
  const e = err as { code?: string; message?: string } | null;
  if (status === undefined) {
    return `${where} is unreachable: ${e?.code ?? ''}${e?.code ? ' ' : ''}${e?.message ?? String(err)}`;
  }
  return `${where} answered HTTP ${status}: ${e?.message ?? String(err)}`;
}

/** Checks that the bucket exists and the credentials may use it. */
export async function checkBucket(client: S3Client, s: S3Settings): Promise<void> {
  try {
    await client.send(new HeadBucketCommand({ Bucket: s.bucket }), {
      abortSignal: AbortSignal.timeout(5_000),
    });
  } catch (err) {
    throw new Error(describeBucketError(s, err), { cause: err });
  }
}
