// The change feed on 3 nodes: a watch on any node reports what every node does, with owner and
// revision; it resumes after a revision (query or Last-Event-ID), refuses a compacted resume
// point with 410, and releases its etcd watchers when the client goes away.
import { expect } from 'chai';
import * as grpc from '@grpc/grpc-js';
import { Etcd3 } from 'etcd3';
import type { WatchEvent__Output } from '../../src/generated/callfs/v1/WatchEvent.js';
import { loadProto } from '../../src/peer/proto.js';
import { waitFor } from '../contract/metadata-contract.js';
import { etcdWatchers } from '../support/etcd-metrics.js';
import { startCluster, type TestCluster } from '../support/cluster.js';
import { call, jsonOf } from '../support/http.js';
import { dataOf, openFeed } from '../support/watch-feed.js';
import { API_KEY } from '../support/node.js';

describe('cluster: change feed across 3 nodes', function () {
  this.timeout(120_000);
  let cluster: TestCluster;
  let n1: string, n2: string, n3: string;

  before(async () => {
    cluster = await startCluster(3);
    [n1, n2, n3] = cluster.nodes.map((n) => n.url) as [string, string, string];
    await call(n1, 'POST', '/v1/files/feed/');
  });
  after(async () => {
    await cluster?.stop();
  });

  it('should report creates on every node with their owner when watched on node-1', async () => {
    const feed = await openFeed(n1, '/feed?recursive=true');
    try {
      const [ready] = await feed.next(1);
      expect(ready?.event).to.equal('ready');
      await call(n2, 'POST', '/v1/files/feed/two.txt', { body: 'from node-2' });
      await call(n3, 'POST', '/v1/files/feed/sub/three.txt', { body: 'node-3' });
      const events = await feed.next(3);
      expect(events.map((e) => [e.event, dataOf(e).path, dataOf(e).instance_id])).to.deep.equal([
        ['create', '/feed/two.txt', 'node-2'],
        ['create', '/feed/sub', 'node-3'],
        ['create', '/feed/sub/three.txt', 'node-3'],
      ]);
    } finally {
      feed.close();
    }
  });

  it('should report update, move and delete of a file owned by node-3 when watched on node-2', async () => {
    await call(n3, 'POST', '/v1/files/feed/m.txt', { body: 'v1' });
    const feed = await openFeed(n2, '/feed');
    try {
      await feed.next(1);
      await call(n1, 'PUT', '/v1/files/feed/m.txt', { body: 'version 2' });
      await call(n1, 'PATCH', '/v1/files/feed/m.txt', {
        body: JSON.stringify({ name: 'n.txt' }),
        headers: { 'content-type': 'application/json' },
      });
      await call(n2, 'DELETE', '/v1/files/feed/n.txt');
      const events = await feed.next(3);
      expect(events.map((e) => [e.event, dataOf(e).path, dataOf(e).from ?? null])).to.deep.equal([
        ['update', '/feed/m.txt', null],
        ['move', '/feed/n.txt', '/feed/m.txt'],
        ['delete', '/feed/n.txt', null],
      ]);
      expect(dataOf(events[0]!)).to.include({ size: 9, instance_id: 'node-3' });
    } finally {
      feed.close();
    }
  });

  it('should replay what happened after Last-Event-ID when a client reconnects', async () => {
    const feed = await openFeed(n1, '/feed');
    const [ready] = await feed.next(1);
    feed.close();
    await call(n2, 'POST', '/v1/files/feed/missed.txt', { body: 'x' });
    const again = await openFeed(n3, '/feed', { 'last-event-id': ready!.lastEventId });
    try {
      const [, change] = await again.next(2);
      expect([change?.event, dataOf(change!).path]).to.deep.equal(['create', '/feed/missed.txt']);
    } finally {
      again.close();
    }
  });

  it('should replay the delete when a watch resumes with since on a directory deleted meanwhile', async () => {
    await call(n1, 'POST', '/v1/files/gone/');
    await call(n3, 'PUT', '/v1/files/gone/f.txt', { body: 'node-3 owns it' });
    const feed = await openFeed(n2, '/gone');
    const [ready] = await feed.next(1);
    feed.close();
    expect((await call(n1, 'DELETE', '/v1/files/gone?recursive=true')).status).to.equal(204);
    const again = await openFeed(n1, `/gone?since=${ready!.lastEventId}`);
    try {
      const events = await again.next(3);
      expect(events.map((e) => [e.event, dataOf(e).path, dataOf(e).instance_id])).to.deep.equal([
        ['ready', undefined, undefined],
        ['delete', '/gone/f.txt', 'node-3'],
        ['delete', '/gone', 'node-1'],
      ]);
    } finally {
      again.close();
    }
  });

  it('should answer 410 REVISION_COMPACTED when since was compacted', async () => {
    const etcd = new Etcd3({ hosts: cluster.etcd.endpoint });
    try {
      const res0 = await call(n1, 'POST', '/v1/files/feed/c1.txt', { body: 'a' });
      expect(res0.status).to.equal(201);
      const rev = (await etcd.kv.range({ key: Buffer.from('x') })).header.revision;
      await etcd.kv.compact({ revision: rev });
      const res = await call(n2, 'GET', `/v1/watch/feed?since=${Number(rev) - 2}`);
      expect([res.status, (await jsonOf(res)).code]).to.deep.equal([410, 'REVISION_COMPACTED']);
    } finally {
      etcd.close();
    }
  });

  it('should answer 404 FILE_NOT_FOUND when the watched path does not exist', async () => {
    const res = await call(n1, 'GET', '/v1/watch/nope');
    expect([res.status, (await jsonOf(res)).code]).to.deep.equal([404, 'FILE_NOT_FOUND']);
  });

  it('should answer 401 when the watch has no key', async () => {
    const res = await call(n1, 'GET', '/v1/watch/feed', { key: null });
    expect([res.status, (await jsonOf(res)).code]).to.deep.equal([401, 'AUTHENTICATION_FAILED']);
  });

  it('should release the etcd watchers of 20 streams when their clients disconnect', async () => {
    const before = await etcdWatchers(cluster.etcd.endpoint);
    const feeds = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        openFeed(cluster.nodes[i % 3]!.url, '/feed?recursive=1'),
      ),
    );
    await Promise.all(feeds.map((f) => f.next(1)));
    // One etcd watcher per stream: the directory and its subtree are one key range.
    expect(await etcdWatchers(cluster.etcd.endpoint)).to.be.at.least(before + 20);
    for (const f of feeds) f.close();
    await waitFor(
      'the watchers to close',
      async () => (await etcdWatchers(cluster.etcd.endpoint)) <= before,
    );
    expect(await etcdWatchers(cluster.etcd.endpoint)).to.be.at.most(before);
  });

  it('should stream the same changes over gRPC Watch when called on node-3', async () => {
    const Ctor = loadProto().callfs.v1.FileService;
    const client = new Ctor(cluster.nodes[2]!.grpcAddr, grpc.credentials.createInsecure());
    const md = new grpc.Metadata();
    md.set('authorization', `Bearer ${API_KEY}`);
    const call = client.Watch({ path: '/feed', recursive: true }, md);
    const events: WatchEvent__Output[] = [];
    const got = new Promise<void>((resolve, reject) => {
      call.on('data', (e: WatchEvent__Output) => {
        events.push(e);
        if (events.length === 1) void call_(n1, 'POST', '/v1/files/feed/g/rpc.txt', 'abc');
        if (events.length === 3) resolve();
      });
      call.on('error', (err: grpc.ServiceError) => {
        if (err.code !== grpc.status.CANCELLED) reject(err);
      });
    });
    try {
      await got;
      expect(events.map((e) => [e.type, e.path, e.instance_id])).to.deep.equal([
        ['ready', '', ''],
        ['create', '/feed/g', 'node-1'],
        ['create', '/feed/g/rpc.txt', 'node-1'],
      ]);
    } finally {
      call.cancel();
      client.close();
    }
  });

  it('should end gRPC Watch with REVISION_COMPACTED when since was compacted', async () => {
    const etcd = new Etcd3({ hosts: cluster.etcd.endpoint });
    const rev = (await etcd.kv.range({ key: Buffer.from('x') })).header.revision;
    await etcd.kv.compact({ revision: rev }).finally(() => etcd.close());
    const Ctor = loadProto().callfs.v1.FileService;
    const client = new Ctor(cluster.nodes[1]!.grpcAddr, grpc.credentials.createInsecure());
    const md = new grpc.Metadata();
    md.set('authorization', `Bearer ${API_KEY}`);
    const call = client.Watch({ path: '/feed', since: String(Number(rev) - 1) }, md);
    const err = await new Promise<grpc.ServiceError>((resolve) => call.on('error', resolve));
    client.close();
    expect([err.code, err.metadata.get('x-callfs-code')[0]]).to.deep.equal([
      grpc.status.OUT_OF_RANGE,
      'REVISION_COMPACTED',
    ]);
  });
});

function call_(base: string, method: string, path: string, body: string) {
  return call(base, method, path, { body });
}
