// A 1 GiB S3 file through a node without the bucket: node-1 (localfs only) relays the PUT and
// the GET to node-3, which streams them into and out of s3rver. The bytes must be intact both
// ways (SHA-256), and neither node's memory may grow with the file: the resident memory of the
// relaying node and of the S3 node, sampled every 100 ms while the bytes flow, stays within a
// fixed margin (RSS_MARGIN_MB) over what it was after a 64 MiB warm-up transfer.
import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { rssMB, sampleRss } from '../../devkit/rss.js';
import { call } from '../support/http.js';
import { API_KEY } from '../support/node.js';
import { startMixedCluster, type MixedCluster } from '../support/s3-cluster.js';

const MiB = 1024 * 1024;
const SIZE = 1024 * MiB;
/**
 * Growth allowed over idle, whatever the size. The bench holds the localfs relay to 64 MiB on a
 * quiet machine; on a shared 2-core host V8 collects later, and this same harness measured
 * localfs nodes at up to ~64 MB and these S3 ones at 22-70 MB. 96 MiB still fails a node that
 * holds a tenth of the body.
 */
const RSS_MARGIN_MB = 96;

/** `size` bytes, each MiB distinct (a random block stamped with its index), hashed as they go. */
function body(hash: ReturnType<typeof createHash>, size = SIZE): Readable {
  const block = randomBytes(MiB);
  return Readable.from(
    (function* () {
      for (let i = 0; i < size / MiB; i++) {
        const chunk = Buffer.from(block);
        chunk.writeUInt32BE(i, 0);
        hash.update(chunk);
        yield chunk;
      }
    })(),
  );
}

function put(url: string, source: Readable, size = SIZE): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'PUT',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-length': String(size) },
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    pipeline(source, req).catch(reject);
  });
}

function get(url: string): Promise<{ status: number; sha: string; bytes: number }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { authorization: `Bearer ${API_KEY}` } }, (res) => {
      const hash = createHash('sha256');
      let bytes = 0;
      res.on('data', (d: Buffer) => {
        bytes += d.length;
        hash.update(d);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, sha: hash.digest('hex'), bytes }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('cluster: a 1 GiB S3 file through a node without the bucket', function () {
  // s3rver writes every part to disk and reassembles them; on a loaded 2-core host 1 GiB each
  // way takes minutes, not hours.
  this.timeout(900_000);
  let mixed: MixedCluster;
  let n1: string;
  const peak: Record<string, number> = {};
  const idle: Record<string, number> = {};
  let putStatus = 0;
  let putSha = '';
  let got: { status: number; sha: string; bytes: number };
  let backend: string | null = null;

  before(async () => {
    mixed = await startMixedCluster({ bucketOnAll: false });
    n1 = mixed.urls[0]!;
    // The path belongs to node-3, on S3: node-1 has no bucket, so it relays both transfers.
    const made = await call(mixed.urls[2]!, 'PUT', '/v1/files/large/one.bin', { body: 'seed' });
    expect(made.status).to.equal(201);
    const pids = {
      relay: mixed.cluster.nodes[0]!.proc.pid!,
      s3: mixed.cluster.nodes[2]!.proc.pid!,
    };
    // A first, smaller transfer both ways grows each heap to its working size: what must not
    // grow is what the next, 16 times larger transfer adds to that.
    const warm = await put(
      `${n1}/v1/files/large/one.bin`,
      body(createHash('sha256'), 64 * MiB),
      64 * MiB,
    );
    expect(warm).to.equal(200);
    expect((await get(`${n1}/v1/files/large/one.bin`)).status).to.equal(200);
    for (const [name, pid] of Object.entries(pids)) idle[name] = rssMB(pid);
    const sampler = sampleRss(pids);
    try {
      const hash = createHash('sha256');
      putStatus = await put(`${n1}/v1/files/large/one.bin`, body(hash));
      putSha = hash.digest('hex');
      got = await get(`${n1}/v1/files/large/one.bin`);
    } finally {
      for (const [name, s] of Object.entries(sampler.stop())) peak[name] = s.peakMB;
    }
    const head = await call(n1, 'HEAD', '/v1/files/large/one.bin');
    backend = head.headers.get('x-callfs-backend-type');
  });
  after(async () => {
    await mixed?.stop();
  });

  it('should store and serve the same 1 GiB through node-1 when the file is on S3', () => {
    expect([putStatus, got.status, got.bytes, backend]).to.deep.equal([200, 200, SIZE, 's3']);
    expect(got.sha).to.equal(putSha);
  });

  it('should keep the relaying node within 96 MiB of its idle memory while 1 GiB passes', () => {
    expect(peak.relay! - idle.relay!, `idle ${idle.relay} MB, peak ${peak.relay} MB`).to.be.below(
      RSS_MARGIN_MB,
    );
  });

  it('should keep the S3 node within 96 MiB of its idle memory while 1 GiB passes', () => {
    expect(peak.s3! - idle.s3!, `idle ${idle.s3} MB, peak ${peak.s3} MB`).to.be.below(
      RSS_MARGIN_MB,
    );
  });
});
