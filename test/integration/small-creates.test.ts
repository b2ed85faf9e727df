// A small POST on a real node and a real etcd: the node's own etcd request metric and etcd's
// own request counters both show one request, a transaction, for a 4 KiB create into an
// existing directory; the file is there with its bytes and no staged temp is left.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { startEtcd, type EtcdHandle } from '../support/etcd.js';
import { call, sha256 } from '../support/http.js';
import { tempFiles } from '../support/checks.js';
import { startInProcessNode, type InProcessNode } from '../support/node.js';

/** Sums the samples of `name` by the value of `label` (Prometheus text format). */
function countsBy(text: string, name: string, label: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    const key = new RegExp(`${label}="([^"]*)"`).exec(line)?.[1] ?? '';
    out.set(key, (out.get(key) ?? 0) + value);
  }
  return out;
}

function delta(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of after) {
    const d = value - (before.get(key) ?? 0);
    if (d !== 0) out[key] = d;
  }
  return out;
}

describe('small creates on a real node', function () {
  this.timeout(30_000);
  let etcd: EtcdHandle;
  let node: InProcessNode;

  before(async () => {
    etcd = await startEtcd();
    node = await startInProcessNode(etcd.endpoint, { instanceId: 'node-a' });
  });
  after(async () => {
    await node?.stop();
    await etcd?.stop();
  });

  const nodeRequests = async () =>
    countsBy(
      await (await call(node.url, 'GET', '/metrics')).text(),
      'callfs_etcd_request_duration_seconds_count',
      'operation',
    );
  const etcdRequests = async () =>
    countsBy(
      await (await fetch(`${etcd.endpoint}/metrics`)).text(),
      'grpc_server_handled_total',
      'grpc_method',
    );

  it('should make one etcd request, a txn, when a 4 KiB POST lands in an existing directory', async () => {
    expect((await call(node.url, 'POST', '/v1/files/warm/')).status).to.equal(201);
    expect(
      (await call(node.url, 'POST', '/v1/files/warm/first.bin', { body: 'x' })).status,
    ).to.equal(201);
    const body = randomBytes(4096);
    const [nodeBefore, etcdBefore] = [await nodeRequests(), await etcdRequests()];
    const res = await call(node.url, 'POST', '/v1/files/warm/second.bin', { body });
    const [etcdAfter, nodeAfter] = [await etcdRequests(), await nodeRequests()];
    expect(res.status).to.equal(201);
    expect(delta(nodeBefore, nodeAfter)).to.deep.equal({ create: 1 });
    // Leave out the long-lived streams (lease keep-alive, watches): only requests count.
    const requests = delta(etcdBefore, etcdAfter);
    delete requests.LeaseKeepAlive;
    delete requests.Watch;
    expect(requests).to.deep.equal({ Txn: 1 });
    const read = await call(node.url, 'GET', '/v1/files/warm/second.bin');
    expect(sha256(Buffer.from(await read.arrayBuffer()))).to.equal(sha256(body));
    expect(await tempFiles(node.root)).to.deep.equal([]);
  });

  it('should answer 409 FILE_ALREADY_EXISTS and leave no temp when a small POST hits a file', async () => {
    expect((await call(node.url, 'POST', '/v1/files/dup.bin', { body: 'one' })).status).to.equal(
      201,
    );
    const res = await call(node.url, 'POST', '/v1/files/dup.bin', { body: 'two' });
    expect(res.status).to.equal(409);
    expect(((await res.json()) as { code: string }).code).to.equal('FILE_ALREADY_EXISTS');
    const read = await call(node.url, 'GET', '/v1/files/dup.bin');
    expect(await read.text()).to.equal('one');
    expect(await tempFiles(node.root)).to.deep.equal([]);
  });

  it('should answer 409 PARENT_NOT_A_DIRECTORY when a small POST goes under a file', async () => {
    expect((await call(node.url, 'POST', '/v1/files/pf.bin', { body: 'f' })).status).to.equal(201);
    const res = await call(node.url, 'POST', '/v1/files/pf.bin/child', { body: 'x' });
    expect(res.status).to.equal(409);
    expect(((await res.json()) as { code: string }).code).to.equal('PARENT_NOT_A_DIRECTORY');
  });

  // The small create reads no inode before its commit, and this node's disk refused the path
  // first (a non-empty directory is in the way): 400 INVALID_PATH, where a larger body, or the
  // same POST on a node without the directory's files, got the 409 of API.md §3.1.
  it('should answer 409 FILE_ALREADY_EXISTS when a small POST names a directory holding files of this node', async () => {
    expect(
      (await call(node.url, 'PUT', '/v1/files/full/inner.txt', { body: 'x' })).status,
    ).to.equal(201);
    const res = await call(node.url, 'POST', '/v1/files/full', { body: 'small' });
    expect([res.status, ((await res.json()) as { code: string }).code]).to.deep.equal([
      409,
      'FILE_ALREADY_EXISTS',
    ]);
    expect(await tempFiles(node.root)).to.deep.equal([]);
  });
});
