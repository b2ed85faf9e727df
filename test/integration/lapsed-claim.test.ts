// A create whose claim disappears while its body uploads (the node's lease is revoked and the
// node registers again) answers a retryable 503 NODE_NOT_SERVING, not 404, and commits nothing.
import { expect } from 'chai';
import { Etcd3 } from 'etcd3';
import { request } from 'node:http';
import { startEtcd, type EtcdHandle } from '../support/etcd.js';
import { call } from '../support/http.js';
import { API_KEY, startInProcessNode, uniquePrefix, type InProcessNode } from '../support/node.js';
import { until } from '../support/wait.js';

interface Answer {
  status: number;
  retryAfter: string | undefined;
  body: string;
}

/** Sends the head of a body, waits for `between`, then sends the rest. */
function twoPartUpload(base: string, path: string, between: () => Promise<void>): Promise<Answer> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method: 'POST',
        path,
        headers: { authorization: `Bearer ${API_KEY}`, 'content-length': '8' },
      },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            retryAfter: res.headers['retry-after'] as string | undefined,
            body,
          }),
        );
      },
    );
    req.on('error', reject);
    req.write('head');
    between().then(
      () => req.end('tail'),
      (err: unknown) => {
        req.destroy();
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

describe('integration: a create whose claim lapsed mid-body', function () {
  this.timeout(60_000);
  let etcd: EtcdHandle;
  let node: InProcessNode;
  let client: Etcd3;
  const prefix = uniquePrefix();

  before(async () => {
    etcd = await startEtcd();
    // The claim-first path: a small POST would not claim before its body (small-creates.test.ts).
    node = await startInProcessNode(etcd.endpoint, {
      prefix,
      instanceId: 'lapse-1',
      overrides: { server: { small_body_bytes: 0 } },
    });
    client = new Etcd3({ hosts: etcd.endpoint });
  });
  after(async () => {
    client?.close();
    await node?.stop();
    await etcd?.stop();
  });

  it('should answer 503 NODE_NOT_SERVING with Retry-After and commit nothing when the lease lapsed', async () => {
    const memberKey = `${prefix}nodes/lapse-1`;
    const answer = await twoPartUpload(node.url, '/v1/files/lapse/file.bin', async () => {
      // The claim exists (the node answered Ready); revoke the lease that holds it.
      const claimed = await until(
        async () => (await client.get(`${prefix}fs/lapse//file.bin`).string()) !== null,
      );
      if (!claimed) throw new Error('the create never claimed its path');
      const before = await client.kv.range({ key: Buffer.from(memberKey) });
      const lease = before.kvs[0]?.lease;
      if (!lease) throw new Error('no membership lease');
      await client.leaseClient.leaseRevoke({ ID: lease });
      // The node notices, registers again under a new lease and serves again.
      const again = await until(async () => {
        const now = await client.kv.range({ key: Buffer.from(memberKey) });
        const next = now.kvs[0]?.lease;
        return next !== undefined && next !== lease && (await fetch(`${node.url}/ready`)).ok;
      });
      if (!again) throw new Error('the node did not register again');
    });
    const stored = await client.get(`${prefix}fs/lapse//file.bin`).string();
    expect(answer.status).to.equal(503);
    expect(JSON.parse(answer.body).code).to.equal('NODE_NOT_SERVING');
    expect(answer.retryAfter).to.be.a('string');
    expect(stored).to.equal(null);
  });

  // The node kept its lease: a recursive DELETE of the directory removed the claim (API.md:
  // a create under a tree being deleted may fail, its parent gone). Before, it answered that
  // the node had lost its lease (NODE_NOT_SERVING), which was not so.
  it('should answer 503 STALE_REVISION and commit nothing when a recursive delete removed the claim', async () => {
    const answer = await twoPartUpload(node.url, '/v1/files/swept/file.bin', async () => {
      const claimed = await until(
        async () => (await client.get(`${prefix}fs/swept//file.bin`).string()) !== null,
      );
      if (!claimed) throw new Error('the create never claimed its path');
      const res = await call(node.url, 'DELETE', '/v1/files/swept?recursive=true');
      if (res.status !== 204) throw new Error(`recursive delete answered ${res.status}`);
    });
    const stored = await client.get(`${prefix}fs/swept//file.bin`).string();
    expect([answer.status, JSON.parse(answer.body).code]).to.deep.equal([503, 'STALE_REVISION']);
    expect(answer.retryAfter).to.be.a('string');
    expect(stored).to.equal(null);
  });

  it('should create the path when the POST is retried after the lapse', async () => {
    const res = await call(node.url, 'POST', '/v1/files/lapse/file.bin', { body: 'retried' });
    expect(res.status).to.equal(201);
  });
});
