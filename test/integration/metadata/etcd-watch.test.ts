// The change feed contract on etcd's watch, plus what only etcd shows: the feed's watchers are
// released in etcd when the reader leaves.
import { expect } from 'chai';
import { Etcd3 } from 'etcd3';
import { EtcdMetadata } from '../../../src/metadata/etcd-metadata.js';
import { EtcdChangeFeed } from '../../../src/metadata/etcd-watch.js';
import { startEtcd, type EtcdHandle } from '../../support/etcd.js';
import { etcdWatchers } from '../../support/etcd-metrics.js';
import { changeFeedContract } from '../../contract/change-feed-contract.js';
import { dirInode, nodeRecord, parentsOf, waitFor } from '../../contract/metadata-contract.js';

describe('EtcdChangeFeed against etcd', function () {
  this.timeout(30_000);
  let etcd: EtcdHandle;
  let raw: Etcd3;
  let seq = 0;

  before(async () => {
    etcd = await startEtcd();
    raw = new Etcd3({ hosts: etcd.endpoint });
  });
  after(async () => {
    raw?.close();
    await etcd?.stop();
  });

  function subject() {
    const prefix = `/w${++seq}/`;
    const metadata = new EtcdMetadata({
      endpoints: etcd.endpoint,
      prefix,
      instanceId: 'node-a',
      leaseTtlSeconds: 2,
      registerRetryMs: 300,
    });
    return {
      prefix,
      metadata,
      instanceId: 'node-a',
      feed: new EtcdChangeFeed({ client: raw, prefix }),
      compact: async (revision: string) => {
        await raw.kv.compact({ revision });
      },
      cleanup: async () => {
        await metadata.close();
        await raw.delete().prefix(prefix);
      },
    };
  }

  changeFeedContract('EtcdChangeFeed', async () => subject());

  it('should release its etcd watchers when the watch is aborted', async () => {
    const s = subject();
    await s.metadata.register(nodeRecord('node-a'));
    await s.metadata.create('/w', dirInode('node-a'), parentsOf('node-a'));
    const before = await etcdWatchers(etcd.endpoint);
    const ac = new AbortController();
    await s.feed.watch('/w', { recursive: true, signal: ac.signal });
    await waitFor('the watchers to open', async () => (await etcdWatchers(etcd.endpoint)) > before);
    ac.abort();
    await waitFor(
      'the watchers to close',
      async () => (await etcdWatchers(etcd.endpoint)) === before,
    );
    expect(await etcdWatchers(etcd.endpoint)).to.equal(before);
    await s.cleanup();
  });
});
