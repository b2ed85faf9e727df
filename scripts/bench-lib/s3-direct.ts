// The bench's baseline for the S3 rows: the AWS SDK v3 writing (lib-storage Upload, its default
// part size and queue) or reading (GetObject, streamed) one object of the same s3rver directly,
// in a process of its own. Prints one JSON line: {"bytes": N, "seconds": S}.
// Usage: node --import tsx s3-direct.ts put|get <endpoint> <bucket> <key> <access> <secret> [file]
import { createReadStream, statSync } from 'node:fs';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';

const [op, endpoint, bucket, key, accessKeyId, secretAccessKey, file] = process.argv.slice(2);
if (!op || !endpoint || !bucket || !key || !accessKeyId || !secretAccessKey) {
  process.stderr.write(
    'usage: s3-direct.ts put|get <endpoint> <bucket> <key> <access> <secret> [file]\n',
  );
  process.exit(2);
}
const client = new S3Client({
  endpoint,
  region: 'us-east-1',
  forcePathStyle: true,
  credentials: { accessKeyId, secretAccessKey },
});
const t0 = performance.now();
let bytes = 0;
if (op === 'put') {
  bytes = statSync(file as string).size;
  await new Upload({
    client,
    params: { Bucket: bucket, Key: key, Body: createReadStream(file as string) },
  }).done();
} else {
  const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  await pipeline(
    res.Body as Readable,
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        bytes += chunk.length;
        cb();
      },
    }),
  );
}
process.stdout.write(JSON.stringify({ bytes, seconds: (performance.now() - t0) / 1000 }) + '\n');
process.exit(0);
