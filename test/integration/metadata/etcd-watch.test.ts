// The change feed contract on etcd's watch, plus what only etcd shows: the feed's watchers are
// released in etcd when the reader leaves.
import { expect } from 'chai';
import { EtcdMetadata } from '../../../src/metadata/etcd-metadata.js';
import { EtcdChangeFeed } from '../../../src/metadata/etcd-watch.js';
import { etcdPerSuite } from '../../support/etcd.js';
import { etcdWatchers } from '../../support/etcd-metrics.js';
import { changeFeedContract } from '../../contract/change-feed-contract.js';
import { dirInode, nodeRecord, parentsOf, waitFor } from '../../contract/metadata-contract.js';

describe('EtcdChangeFeed against etcd', function () {
  this.timeout(30_000);
  const suite = etcdPerSuite();

  function subject() {
    const prefix = suite.prefix('w');
    const metadata = new EtcdMetadata({
      endpoints: suite.etcd.endpoint,
      prefix,
      instanceId: 'node-a',
      leaseTtlSeconds: 2,
      registerRetryMs: 300,
    });
    return {
      prefix,
      metadata,
      instanceId: 'node-a',
      feed: new EtcdChangeFeed({ client: suite.raw, prefix }),
      compact: async (revision: string) => {
        await suite.raw.kv.compact({ revision });
      },
      cleanup: async () => {
        await metadata.close();
        await suite.raw.delete().prefix(prefix);
      },
    };
  }

  changeFeedContract('EtcdChangeFeed', async () => subject());

  it('should release its etcd watchers when the watch is aborted', async () => {
    const s = subject();
    await s.metadata.register(nodeRecord('node-a'));
    await s.metadata.create('/w', dirInode('node-a'), parentsOf('node-a'));
    const before = await etcdWatchers(suite.etcd.endpoint);
    const ac = new AbortController();
    await s.feed.watch('/w', { recursive: true, signal: ac.signal });
    await waitFor(
      'the watchers to open',
      async () => (await etcdWatchers(suite.etcd.endpoint)) > before,
    );
    ac.abort();
    await waitFor(
      'the watchers to close',
      async () => (await etcdWatchers(suite.etcd.endpoint)) === before,
    );
    expect(await etcdWatchers(suite.etcd.endpoint)).to.equal(before);
    await s.cleanup();
  });
});
