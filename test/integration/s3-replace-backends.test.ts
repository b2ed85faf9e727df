// A replace whose file changed backend while its body was uploading: the write was staged on
// the backend the file had when it opened (S3 or the node's disk), and commits over a
// generation held by the other one. The replaced generation's bytes must go like any replaced
// generation's: no object left that no inode names, no disk file left under a path whose inode
// names S3 bytes. A real node with both backends (default S3, a real s3rver) and a real etcd.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { Etcd3 } from 'etcd3';
import { createS3Client } from '../../src/storage/s3/client.js';
import { keyPrefixOf } from '../../src/storage/s3/keys.js';
import { startEtcd, type EtcdHandle } from '../support/etcd.js';
import { call, sha256 } from '../support/http.js';
import { API_KEY, startInProcessNode, uniquePrefix, type InProcessNode } from '../support/node.js';
import { startS3rver, type S3Handle } from '../support/s3.js';

describe('A replace committed over a generation on the other backend', function () {
  this.timeout(60_000);
  let etcd: EtcdHandle;
  let s3: S3Handle;
  let node: InProcessNode;
  let prefix: string;
  let base: string;

  before(async () => {
    etcd = await startEtcd();
    s3 = await startS3rver();
    prefix = uniquePrefix();
    node = await startInProcessNode(etcd.endpoint, {
      prefix,
      overrides: { backend: { default_backend: 's3', ...s3.backendConfig() } },
    });
    base = node.url;
  });
  after(async () => {
    await node?.stop();
    await s3?.stop();
    await etcd?.stop();
  });

  async function objectWrites(): Promise<string[]> {
    const client = createS3Client(s3.settings());
    try {
      const res = await client.send(
        new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: keyPrefixOf(prefix) }),
      );
      return (res.Contents ?? []).map((o) => (o.Key as string).split('/').pop()!).sort();
    } finally {
      client.destroy();
    }
  }

  /** The write ids of every S3 inode in etcd. */
  async function namedWrites(): Promise<string[]> {
    const client = new Etcd3({ hosts: etcd.endpoint });
    try {
      const all = await client.getAll().prefix(`${prefix}fs/`).strings();
      return Object.values(all)
        .map((v) => JSON.parse(v) as { backend_type?: string; write?: string })
        .filter((i) => i.backend_type === 's3' && i.write !== undefined)
        .map((i) => i.write!)
        .sort();
    } finally {
      client.close();
    }
  }

  async function patch(path: string, body: Record<string, unknown>): Promise<number> {
    const res = await call(base, 'PATCH', `/v1/files${path}`, {
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });
    await res.arrayBuffer();
    return res.status;
  }

  /**
   * A PUT of `data` whose first half is sent, then `meanwhile` runs (the write is open on the
   * backend the file had), then the rest: resolves to the PUT's status.
   */
  async function putAround(path: string, data: Buffer, meanwhile: () => Promise<void>) {
    let answered!: (status: number) => void;
    let failed!: (err: Error) => void;
    const status = new Promise<number>((resolve, reject) => {
      answered = resolve;
      failed = reject;
    });
    const url = new URL(`${base}/v1/files${path}`);
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'PUT',
        headers: { authorization: `Bearer ${API_KEY}`, 'content-length': data.length },
      },
      (res) => {
        res.resume();
        res.on('end', () => answered(res.statusCode ?? 0));
      },
    );
    req.on('error', failed);
    const half = Math.floor(data.length / 2);
    req.write(data.subarray(0, half));
    // The node has read the inode and opened the write once its first bytes are in.
    await new Promise((r) => setTimeout(r, 300));
    await meanwhile();
    req.end(data.subarray(half));
    return status;
  }

  async function served(path: string): Promise<string> {
    const res = await call(base, 'GET', `/v1/files${path}`);
    return `${res.status} ${sha256(Buffer.from(await res.arrayBuffer()))}`;
  }

  it('should remove the disk file when a write staged on S3 replaces a file moved to the disk meanwhile', async () => {
    await call(base, 'PUT', '/v1/files/sw/a.bin', { body: 'first' });
    const data = randomBytes(256 * 1024);
    const status = await putAround('/sw/a.bin', data, async () => {
      expect(await patch('/sw/a.bin', { destination: '/sw/a.bin', backend: 'localfs' })).to.equal(
        200,
      );
    });
    const left = (await stat(join(node.root, 'sw/a.bin')).catch(() => null))?.size ?? null;
    expect([status, await served('/sw/a.bin'), left]).to.deep.equal([
      200,
      `200 ${sha256(data)}`,
      null,
    ]);
    expect(await objectWrites()).to.deep.equal(await namedWrites());
  });

  it('should delete the object when a write staged on the disk replaces a file moved to S3 meanwhile', async () => {
    await call(base, 'PUT', '/v1/files/sw/b.bin', { body: 'first' });
    expect(await patch('/sw/b.bin', { destination: '/sw/b.bin', backend: 'localfs' })).to.equal(
      200,
    );
    const data = randomBytes(256 * 1024);
    const status = await putAround('/sw/b.bin', data, async () => {
      expect(await patch('/sw/b.bin', { destination: '/sw/b.bin', backend: 's3' })).to.equal(200);
    });
    expect([status, await served('/sw/b.bin')]).to.deep.equal([200, `200 ${sha256(data)}`]);
    expect(await objectWrites()).to.deep.equal(await namedWrites());
  });
});
