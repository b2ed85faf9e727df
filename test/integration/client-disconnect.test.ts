// Clients that hang up in the middle of a download must not hurt the node: 500 GETs cut (some before their headers,
// some right after) right
// after their headers (locally owned and relayed files) leave it alive and serving.
import { expect } from 'chai';
import { request } from 'node:http';
import { startEtcd, type EtcdHandle } from '../support/etcd.js';
import { call } from '../support/http.js';
import { API_KEY, startChildNode, uniquePrefix, type ChildNode } from '../support/node.js';

function cutGet(base: string, path: string, afterMs?: number): Promise<void> {
  const url = new URL(base);
  return new Promise((resolve) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path,
        headers: { authorization: `Bearer ${API_KEY}` },
        agent: false,
      },
      (res) => {
        res.destroy();
        req.destroy();
        resolve();
      },
    );
    req.on('error', () => resolve());
    req.end();
    if (afterMs !== undefined) {
      setTimeout(() => {
        req.destroy();
        resolve();
      }, afterMs);
    }
  });
}

describe('clients that disconnect mid-download', function () {
  this.timeout(60_000);
  let etcd: EtcdHandle;
  let a: ChildNode;
  let b: ChildNode;

  before(async () => {
    etcd = await startEtcd();
    const prefix = uniquePrefix();
    a = await startChildNode({ etcdEndpoint: etcd.endpoint, prefix, instanceId: 'node-a' });
    b = await startChildNode({ etcdEndpoint: etcd.endpoint, prefix, instanceId: 'node-b' });
    await call(a.url, 'POST', '/v1/files/big.bin', { body: Buffer.alloc(4 * 1024 * 1024, 7) });
  });
  after(async () => {
    await a?.stop();
    await b?.stop();
    await etcd?.stop();
  });

  it('should keep serving when many downloads are cut after their headers', async () => {
    for (let round = 0; round < 10; round++) {
      await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          cutGet(i % 2 ? a.url : b.url, '/v1/files/big.bin', i % 3 === 0 ? undefined : i % 7),
        ),
      );
    }
    const [ra, rb] = await Promise.all([fetch(`${a.url}/health`), fetch(`${b.url}/health`)]);
    expect([ra.status, rb.status]).to.deep.equal([200, 200]);
    expect([a.proc.exitCode, b.proc.exitCode]).to.deep.equal([null, null]);
  });
});
