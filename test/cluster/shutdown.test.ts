// Graceful shutdown of a node process: SIGTERM lets an in-flight upload finish, releases the
// membership lease at once (no wait for the TTL) and exits 0.
import { expect } from 'chai';
import { Etcd3 } from 'etcd3';
import { request } from 'node:http';
import { startEtcd, type EtcdHandle } from '../support/etcd.js';
import { call } from '../support/http.js';
import { API_KEY, startChildNode, uniquePrefix, type ChildNode } from '../support/node.js';

describe('graceful shutdown', function () {
  this.timeout(60_000);
  let etcd: EtcdHandle;
  let node: ChildNode;
  let other: ChildNode;
  const prefix = uniquePrefix();

  before(async () => {
    etcd = await startEtcd();
    node = await startChildNode({ etcdEndpoint: etcd.endpoint, prefix, instanceId: 'node-1' });
    other = await startChildNode({ etcdEndpoint: etcd.endpoint, prefix, instanceId: 'node-2' });
  });
  after(async () => {
    await node?.stop();
    await other?.stop();
    await etcd?.stop();
  });

  it('should finish an in-flight upload, release its lease and exit 0 when sent SIGTERM', async () => {
    const url = new URL(node.url);
    const piece = Buffer.alloc(64 * 1024, 1);
    const pieces = 24;
    const upload = new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          method: 'POST',
          path: '/v1/files/slow.bin',
          headers: {
            authorization: `Bearer ${API_KEY}`,
            'content-length': String(piece.length * pieces),
          },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      let sent = 0;
      const tick = setInterval(() => {
        req.write(piece);
        sent += 1;
        if (sent === 4) node.proc.kill('SIGTERM');
        if (sent === pieces) {
          clearInterval(tick);
          req.end();
        }
      }, 50);
    });
    const exited = new Promise<number | null>((r) => node.proc.once('exit', (code) => r(code)));
    const status = await upload;
    const code = await exited;
    const client = new Etcd3({ hosts: etcd.endpoint });
    const membership = await client.get(`${prefix}nodes/node-1`).string();
    client.close();
    expect(status).to.equal(201);
    expect(code).to.equal(0);
    expect(membership).to.equal(null);
  });

  it('should keep the finished upload readable when the node is back', async () => {
    await node.restart();
    const res = await call(other.url, 'HEAD', '/v1/files/slow.bin');
    expect(res.headers.get('x-callfs-size')).to.equal(String(64 * 1024 * 24));
  });
});
