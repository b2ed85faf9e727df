// The modes on a node's disk are the modes the API reports (files 0644, directories 0755),
// whatever the umask the node runs under: the dev cluster starts its nodes under umask 077, and
// operators read a data root with ordinary tools.
import { expect } from 'chai';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { startEtcd, type EtcdHandle } from '../support/etcd.js';
import { call } from '../support/http.js';
import { startChildNode, uniquePrefix, type ChildNode } from '../support/node.js';

async function modeOf(path: string): Promise<string> {
  return ((await stat(path)).mode & 0o777).toString(8).padStart(4, '0');
}

describe('modes on disk under umask 077', function () {
  this.timeout(120_000);
  let etcd: EtcdHandle;
  let node: ChildNode;

  before(async () => {
    etcd = await startEtcd();
    node = await startChildNode({
      etcdEndpoint: etcd.endpoint,
      prefix: uniquePrefix(),
      instanceId: 'node-1',
      umask: 0o077,
    });
  });
  after(async () => {
    await node?.stop();
    await etcd?.stop();
  });

  it('should store a created file as 0644 and its new parents as 0755 when the API reports them so', async () => {
    const res = await call(node.url, 'POST', '/v1/files/modes/a/b/created.txt', { body: 'x' });
    expect(res.status).to.equal(201);
    const head = await call(node.url, 'HEAD', '/v1/files/modes/a/b/created.txt');
    const dir = await call(node.url, 'HEAD', '/v1/files/modes/a');
    expect([head.headers.get('x-callfs-mode'), dir.headers.get('x-callfs-mode')]).to.deep.equal([
      '0644',
      '0755',
    ]);
    expect([
      await modeOf(join(node.root, 'modes/a/b/created.txt')),
      await modeOf(join(node.root, 'modes/a/b')),
      await modeOf(join(node.root, 'modes/a')),
      await modeOf(join(node.root, 'modes')),
    ]).to.deep.equal(['0644', '0755', '0755', '0755']);
  });

  it('should keep 0644 on disk when a file is replaced with PUT', async () => {
    await call(node.url, 'PUT', '/v1/files/modes/replaced.txt', { body: 'one' });
    const res = await call(node.url, 'PUT', '/v1/files/modes/replaced.txt', { body: 'two' });
    expect(res.status).to.equal(200);
    expect(await modeOf(join(node.root, 'modes/replaced.txt'))).to.equal('0644');
  });

  it('should make the destination directories 0755 when a directory is moved to a new parent', async () => {
    await call(node.url, 'POST', '/v1/files/modes/src/in/f.txt', { body: 'moved' });
    const res = await call(node.url, 'PATCH', '/v1/files/modes/src', {
      body: JSON.stringify({ destination: '/modes/dst/deep/src', create_parents: true }),
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).to.equal(200);
    expect([
      await modeOf(join(node.root, 'modes/dst/deep/src/in/f.txt')),
      await modeOf(join(node.root, 'modes/dst/deep/src/in')),
      await modeOf(join(node.root, 'modes/dst')),
    ]).to.deep.equal(['0644', '0755', '0755']);
  });
});
