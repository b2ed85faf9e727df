// A replace whose file changed backend while its body was uploading: the write was staged on
// the backend the file had when it opened (S3 or the node's disk), and commits over a
// generation held by the other one. The replaced generation's bytes must go like any replaced
// generation's: no object left that no inode names, no disk file left under a path whose inode
// names S3 bytes. Bytes placed on a node's disk make the file that node's, whichever node
// created the S3 generation they replace. Two real nodes with both backends (node-1 putting new
// files on S3, node-2 on its disk), a real s3rver and a real etcd.
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
  let other: InProcessNode;
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
    other = await startInProcessNode(etcd.endpoint, {
      prefix,
      instanceId: 'node-2',
      overrides: { backend: { default_backend: 'localfs', ...s3.backendConfig() } },
    });
  });
  after(async () => {
    await other?.stop();
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

  async function patch(
    path: string,
    body: Record<string, unknown>,
    through = base,
  ): Promise<number> {
    const res = await call(through, 'PATCH', `/v1/files${path}`, {
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
  async function putAround(
    path: string,
    data: Buffer,
    meanwhile: () => Promise<void>,
    through = base,
  ) {
    let answered!: (status: number) => void;
    let failed!: (err: Error) => void;
    const status = new Promise<number>((resolve, reject) => {
      answered = resolve;
      failed = reject;
    });
    const url = new URL(`${through}/v1/files${path}`);
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

  async function served(path: string, through = base): Promise<string> {
    const res = await call(through, 'GET', `/v1/files${path}`);
    return `${res.status} ${sha256(Buffer.from(await res.arrayBuffer()))}`;
  }

  async function ownerOf(path: string): Promise<string | null> {
    return (await call(base, 'HEAD', `/v1/files${path}`)).headers.get('x-callfs-instance-id');
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

  it("should make the file node-2's when node-2 moves an S3 file of node-1 to its disk", async () => {
    const data = randomBytes(100_000);
    await call(base, 'PUT', '/v1/files/sw/c.bin', { body: data });
    const status = await patch(
      '/sw/c.bin',
      { destination: '/sw/c.bin', backend: 'localfs' },
      other.url,
    );
    expect([status, await ownerOf('/sw/c.bin')]).to.deep.equal([200, 'node-2']);
    expect([await served('/sw/c.bin'), await served('/sw/c.bin', other.url)]).to.deep.equal([
      `200 ${sha256(data)}`,
      `200 ${sha256(data)}`,
    ]);
  });

  it("should make the file node-2's when its write on node-2's disk replaces an S3 file of node-1", async () => {
    await call(other.url, 'PUT', '/v1/files/sw/d.bin', { body: 'on the disk of node-2' });
    const data = randomBytes(256 * 1024);
    const status = await putAround(
      '/sw/d.bin',
      data,
      async () => {
        // Deleted and created again on S3 by node-1 while node-2's write uploads.
        expect((await call(base, 'DELETE', '/v1/files/sw/d.bin')).status).to.equal(204);
        expect((await call(base, 'PUT', '/v1/files/sw/d.bin', { body: 's3' })).status).to.equal(
          201,
        );
      },
      other.url,
    );
    expect([status, await ownerOf('/sw/d.bin')]).to.deep.equal([200, 'node-2']);
    expect([await served('/sw/d.bin'), await served('/sw/d.bin', other.url)]).to.deep.equal([
      `200 ${sha256(data)}`,
      `200 ${sha256(data)}`,
    ]);
    expect(await objectWrites()).to.deep.equal(await namedWrites());
  });
});
