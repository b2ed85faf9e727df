// Cut uploads: a client that disconnects mid-body, directly or through a relaying node,
// leaves no partial file, no temp file and no claim in etcd; a cut PUT keeps the old content.
import { expect } from 'chai';
import { Etcd3 } from 'etcd3';
import { request } from 'node:http';
import { startCluster, type TestCluster } from '../support/cluster.js';
import { call } from '../support/http.js';
import { API_KEY } from '../support/node.js';
import { until } from '../support/wait.js';
import { uploadTemps } from '../support/temps.js';

/** Sends `sent` bytes of a body announced as `announced` bytes, then drops the connection. */
async function cutUpload(base: string, method: string, path: string, sent: number): Promise<void> {
  const url = new URL(base);
  await new Promise<void>((resolve) => {
    const req = request({
      host: url.hostname,
      port: url.port,
      method,
      path,
      headers: { authorization: `Bearer ${API_KEY}`, 'content-length': String(sent * 4) },
    });
    req.on('error', () => resolve());
    req.on('response', () => resolve());
    req.write(Buffer.alloc(sent, 7), () => {
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 300);
    });
  });
}

describe('cluster: cut uploads leave nothing behind', function () {
  this.timeout(120_000);
  let cluster: TestCluster;
  let etcd: Etcd3;

  before(async () => {
    cluster = await startCluster(3);
    etcd = new Etcd3({ hosts: cluster.etcd.endpoint });
  });
  after(async () => {
    etcd?.close();
    await cluster?.stop();
  });

  const tempsEmpty = (i: number) => async () =>
    (await uploadTemps(cluster.nodes[i]!.root)).length === 0;

  it('should leave no inode when a direct POST is cut mid-body', async () => {
    await cutUpload(cluster.nodes[0]!.url, 'POST', '/v1/files/cut/direct.bin', 4 * 1024 * 1024);
    const gone = await until(
      async () => (await etcd.get(`${cluster.prefix}fs/cut//direct.bin`).string()) === null,
    );
    expect(gone).to.equal(true);
  });
  it('should leave no temp file when a direct POST is cut mid-body', async () => {
    await cutUpload(cluster.nodes[0]!.url, 'POST', '/v1/files/cut/direct2.bin', 4 * 1024 * 1024);
    expect(await until(tempsEmpty(0))).to.equal(true);
  });
  it('should keep the old content when a PUT relayed by another node is cut', async () => {
    await call(cluster.nodes[0]!.url, 'POST', '/v1/files/cut/old.txt', { body: 'old content' });
    await cutUpload(cluster.nodes[1]!.url, 'PUT', '/v1/files/cut/old.txt', 4 * 1024 * 1024);
    await until(tempsEmpty(0));
    const res = await call(cluster.nodes[2]!.url, 'GET', '/v1/files/cut/old.txt');
    expect(await res.text()).to.equal('old content');
  });
  it('should leave no temp file on the owner when a relayed PUT is cut', async () => {
    await call(cluster.nodes[0]!.url, 'POST', '/v1/files/cut/old2.txt', { body: 'old' });
    await cutUpload(cluster.nodes[2]!.url, 'PUT', '/v1/files/cut/old2.txt', 4 * 1024 * 1024);
    expect(await until(tempsEmpty(0))).to.equal(true);
  });
  it('should allow the path to be created again when a cut create was cleaned up', async () => {
    await cutUpload(cluster.nodes[1]!.url, 'POST', '/v1/files/cut/again.bin', 1024 * 1024);
    const ok = await until(
      async () =>
        (await call(cluster.nodes[2]!.url, 'POST', '/v1/files/cut/again.bin', { body: 'ok' }))
          .status === 201,
    );
    expect(ok).to.equal(true);
  });
});
