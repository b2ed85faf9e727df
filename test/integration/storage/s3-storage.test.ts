// Runs the shared storage contract on the S3 backend against a real s3rver, plus what only S3
// shows: one object per generation under the cluster's prefix, multipart uploads journaled
// before their first part, abandoned writes undone at start-up, and clear bucket errors.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import {
  GetObjectCommand,
  ListObjectsV2Command,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { InternalError } from '../../../src/files/errors.js';
import { createS3Storage, type S3Storage } from '../../../src/storage/s3/storage.js';
import { createS3Client } from '../../../src/storage/s3/client.js';
import { uploadObject } from '../../../src/storage/s3/upload.js';
import { chunksOf, putFile, storageContract } from '../../contract/storage-contract.js';
import { readStream, rejection, sha256 } from '../../support/checks.js';
import { startS3rver, type S3Handle } from '../../support/s3.js';

const MiB = 1024 * 1024;
let s3: S3Handle;
let seq = 0;

before(async function () {
  this.timeout(60_000);
  s3 = await startS3rver();
});

after(async function () {
  await s3?.stop();
});

async function makeStorage(
  overrides: { bucket?: string; access?: string; partBytes?: number } = {},
): Promise<{ storage: S3Storage; dir: string; prefix: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'callfs-s3-journal-'));
  const prefix = `t${process.pid}-${++seq}/`;
  const storage = await createS3Storage({
    endpoint: s3.endpoint,
    region: s3.region,
    bucket: overrides.bucket ?? s3.bucket,
    accessKeyId: overrides.access ?? s3.accessKey,
    secretAccessKey: s3.secretKey,
    keyPrefix: prefix,
    journalDir: join(dir, 'journal'),
    partBytes: overrides.partBytes ?? 5 * MiB,
  });
  return { storage, dir, prefix };
}

function rawClient(): S3Client {
  return createS3Client(s3.settings());
}

async function keysUnder(prefix: string): Promise<string[]> {
  const res = await rawClient().send(
    new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: prefix }),
  );
  return (res.Contents ?? []).map((o) => o.Key as string).sort();
}

storageContract(
  's3 (s3rver)',
  async () => {
    const { storage, dir } = await makeStorage();
    return { storage, cleanup: () => rm(dir, { recursive: true, force: true }) };
  },
  { paths: false },
);

describe('S3Storage', function () {
  let storage: S3Storage;
  let dir: string;
  let prefix: string;

  beforeEach(async function () {
    ({ storage, dir, prefix } = await makeStorage());
  });

  afterEach(async function () {
    await rm(dir, { recursive: true, force: true });
  });

  it('should keep each generation under its own key when a file is replaced', async function () {
    const first = await putFile(storage, '/a.txt', Buffer.from('one'));
    const temp = await storage.createTemp('/a.txt');
    await temp.write(chunksOf(Buffer.from('two')), { maxBytes: 100 });
    await temp.prepare(2, first.write);
    const both = await keysUnder(prefix);
    await temp.commit();
    expect([both.length, await keysUnder(prefix)]).to.deep.equal([2, [storage.keyOf(temp.id)]]);
  });

  it('should store the bytes of a multipart upload intact when the body spans several parts', async function () {
    const data = randomBytes(11 * MiB + 123);
    const ref = await putFile(storage, '/big.bin', data);
    const file = await storage.open(ref);
    const got = await readStream(file.body);
    expect(sha256(got)).to.equal(sha256(data));
  });

  it('should undo a write at start-up when it was never prepared', async function () {
    const temp = await storage.createTemp('/crash.bin');
    await temp.write(chunksOf(randomBytes(6 * MiB)), { maxBytes: 100 * MiB });
    // The process "dies" here: a new backend on the same journal starts up.
    const again = await createS3Storage({
      ...s3.settings(),
      keyPrefix: prefix,
      journalDir: join(dir, 'journal'),
    });
    const report = await again.recover(async () => true);
    expect([report.discarded, await keysUnder(prefix)]).to.deep.equal([1, []]);
  });

  it('should keep the object of a prepared write at start-up when its path no longer names it', async function () {
    // Committed, then the node died before dropping its journal entry, and another node moved
    // the file: the path no longer names the write, the new path does. The bytes must stay.
    const temp = await storage.createTemp('/moved-away.bin');
    await temp.write(chunksOf(randomBytes(1024)), { maxBytes: 100 * MiB });
    await temp.prepare(1);
    const again = await createS3Storage({
      ...s3.settings(),
      keyPrefix: prefix,
      journalDir: join(dir, 'journal'),
    });
    const report = await again.recover(async () => false);
    expect(report.discarded).to.equal(1);
    expect(await keysUnder(prefix)).to.include(storage.keyOf(temp.id));
    expect(await again.recover(async () => false)).to.deep.include({ discarded: 0 });
  });

  it('should journal the multipart upload id before the first part is sent', async function () {
    const temp = await storage.createTemp('/cut.bin');
    const controller = new AbortController();
    async function* body(): AsyncGenerator<Buffer> {
      yield randomBytes(5 * MiB);
      yield randomBytes(MiB);
      // The first part is on its way: look at the journal, then cut the upload.
      const names = await readdir(join(dir, 'journal'));
      const entry = (await import('node:fs/promises')).readFile(
        join(dir, 'journal', names.find((n) => n.endsWith('.json')) as string),
        'utf8',
      );
      seen = JSON.parse(await entry) as { upload?: string };
      controller.abort();
      yield randomBytes(MiB);
    }
    let seen: { upload?: string } = {};
    await rejection(temp.write(body(), { maxBytes: 100 * MiB, signal: controller.signal }));
    expect(seen.upload).to.be.a('string').and.not.equal('');
  });

  it('should refuse with an error naming the bucket when it does not exist', async function () {
    const { storage: missing, dir: d } = await makeStorage({ bucket: 'no-such-bucket' });
    const err = (await rejection(missing.checkWritable())) as Error;
    await rm(d, { recursive: true, force: true });
    expect(err).to.be.instanceOf(InternalError);
    expect(err.message).to.contain('"no-such-bucket"').and.contain('does not exist');
  });

  it('should refuse with an error naming the credentials when they are wrong', async function () {
    // s3rver checks no SigV4 signature, only that the access key is one it knows.
    const { storage: bad, dir: d } = await makeStorage({ access: 'unknown-access-key' });
    const err = (await rejection(bad.checkWritable())) as Error;
    await rm(d, { recursive: true, force: true });
    expect(err.message).to.contain('refused the credentials');
  });

  it('should set the content type from the extension when an object is written', async function () {
    const ref = await putFile(storage, '/page.html', Buffer.from('<p>hi</p>'));
    const { HeadObjectCommand } = await import('@aws-sdk/client-s3');
    const head = await rawClient().send(
      new HeadObjectCommand({ Bucket: s3.bucket, Key: storage.keyOf(ref.write as string) }),
    );
    expect(head.ContentType).to.equal('text/html');
  });

  it('should send every part from the same two buffers with the bytes intact when a body spans seven parts', async function () {
    // A fresh buffer per part is garbage that V8 collects late: resident memory of a large
    // upload then grows by tens of MiB. Two reused buffers bound it.
    const client = rawClient();
    const send = client.send.bind(client) as (...a: unknown[]) => Promise<unknown>;
    const buffers = new Set<ArrayBufferLike>();
    client.send = ((cmd: unknown, ...rest: unknown[]) => {
      if (cmd instanceof UploadPartCommand) buffers.add((cmd.input.Body as Buffer).buffer);
      return send(cmd, ...rest);
    }) as typeof client.send;
    const data = randomBytes(30 * MiB + 5);
    const Key = `${prefix}parts.bin`;
    await uploadObject(
      client,
      { Bucket: s3.bucket, Key, ContentType: 'application/octet-stream' },
      chunksOf(data),
      {
        maxBytes: 64 * MiB,
        signal: new AbortController().signal,
        onUploadId: async () => undefined,
        partBytes: 5 * MiB,
      },
    );
    const got = await rawClient().send(new GetObjectCommand({ Bucket: s3.bucket, Key }));
    const body = await readStream(got.Body as Readable);
    expect([buffers.size, sha256(body)]).to.deep.equal([2, sha256(data)]);
  });
});
