// A file's bytes moved between nodes are bounded by progress, not by the Ready deadline: a
// 1 GiB PATCH {"instance"} received by a node that does not own the file runs through to the
// end (the forwarded Move on the owner, its StageFile to the target), byte for byte.
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { startCluster, type TestCluster } from '../support/cluster.js';
import { call, jsonOf, type BodyInput } from '../support/http.js';

/** The size the issue asks for; the body is a fast pattern, so it costs disk, not CPU. */
const SIZE = 1024 * 1024 * 1024;
const MiB = 1024 * 1024;

/** A deterministic body of `size` bytes: each MiB numbered, so reordering changes the digest. */
function patterned(size: number, digest: ReturnType<typeof createHash>): Readable {
  const base = Buffer.alloc(MiB, 0x5a);
  return Readable.from(
    (function* () {
      for (let i = 0; i * MiB < size; i++) {
        const piece = Buffer.from(base.subarray(0, Math.min(MiB, size - i * MiB)));
        piece.writeUInt32BE(i, 0);
        digest.update(piece);
        yield piece;
      }
    })(),
  );
}

async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const piece of createReadStream(path)) h.update(piece as Buffer);
  return h.digest('hex');
}

describe('cluster: a 1 GiB file moved to another node through a third', function () {
  this.timeout(10 * 60_000);
  let cluster: TestCluster;
  let sent: string;

  before(async () => {
    cluster = await startCluster(3);
    const up = createHash('sha256');
    const put = await call(cluster.nodes[1]!.url, 'PUT', '/v1/files/huge/file.bin', {
      body: Readable.toWeb(patterned(SIZE, up)) as BodyInput,
    });
    if (put.status !== 201) throw new Error(`upload failed: ${put.status}`);
    sent = up.digest('hex');
  });
  after(async () => {
    await cluster?.stop();
  });

  it('should move the bytes intact when node-1 receives the PATCH for node-2 naming node-3', async () => {
    const res = await call(cluster.nodes[0]!.url, 'PATCH', '/v1/files/huge/file.bin', {
      body: JSON.stringify({ destination: '/huge/file.bin', instance: 'node-3' }),
    });
    expect(res.status, JSON.stringify(await jsonOf(res.clone()).catch(() => ({})))).to.equal(200);
    expect(await sha256File(join(cluster.nodes[2]!.root, 'huge/file.bin'))).to.equal(sent);
  });
  it('should name node-3 as the owner when the move is done', async () => {
    const head = await call(cluster.nodes[0]!.url, 'HEAD', '/v1/files/huge/file.bin');
    expect(head.headers.get('x-callfs-instance-id')).to.equal('node-3');
    expect(head.headers.get('x-callfs-size')).to.equal(String(SIZE));
  });
});
