// The cache decorator over the etcd adapter on a real etcd: it passes the shared metadata
// contract exactly as the uncached adapter does, serves a change made by another client once
// the watch delivered it, stops answering from memory when etcd hangs, and stays bounded.
import { expect } from 'chai';
import { Etcd3 } from 'etcd3';
import { MetadataUnavailableError } from '../../../src/files/errors.js';
import { CachedMetadata } from '../../../src/metadata/cached-metadata.js';
import { EtcdMetadata } from '../../../src/metadata/etcd-metadata.js';
import { EtcdWatchFeed } from '../../../src/metadata/watch-feed.js';
import { timeMethods } from '../../../src/metrics/timing.js';
import { untilHung, etcdPerSuite } from '../../support/etcd.js';
import {
  fileInode,
  metadataContract,
  nodeRecord,
  parentsOf,
  type MetadataUnderTest,
} from '../../contract/metadata-contract.js';

describe('CachedMetadata against etcd', function () {
  this.timeout(30_000);
  const suite = etcdPerSuite();

  /** A cached adapter (and plain peers) on a fresh prefix; `close()` closes all, wipes it. */
  async function namespace(o: { maxEntries?: number; freshnessMs?: number } = {}) {
    const prefix = suite.prefix('c');
    const client = new Etcd3({ hosts: suite.etcd.endpoint, dialTimeout: 1_000 });
    const opened: EtcdMetadata[] = [];
    const open = (instanceId: string, c?: Etcd3): EtcdMetadata => {
      const m = new EtcdMetadata({
        ...(c ? { client: c } : { endpoints: suite.etcd.endpoint }),
        prefix,
        instanceId,
        leaseTtlSeconds: 2,
        requestTimeoutMs: 700,
        registerRetryMs: 300,
      });
      opened.push(m);
      return m;
    };
    const inner = open('node-a', client);
    /** The reads that reached etcd (`get`, `get_node`). */
    const reads: string[] = [];
    const feed = new EtcdWatchFeed({ client, prefix, freshnessMs: o.freshnessMs });
    await feed.start();
    const cached = new CachedMetadata({
      inner: timeMethods(inner, {
        observe: (op) => {
          if (op.startsWith('get')) reads.push(op);
        },
      }),
      feed,
      maxEntries: o.maxEntries ?? 1_000,
    });
    const close = async (): Promise<void> => {
      feed.close();
      for (const m of opened) await m.close();
      client.close();
      await suite.raw.delete().prefix(prefix);
    };
    return { prefix, open, inner, cached, feed, reads, close };
  }

  metadataContract('CachedMetadata', async () => {
    const ns = await namespace();
    const metadata: MetadataUnderTest = Object.assign(ns.cached, {
      close: () => ns.inner.close(),
    });
    return {
      metadata,
      instanceId: 'node-a',
      peer: async (instanceId) => ns.open(instanceId),
      expireLease: async () => {
        const res = await suite.raw.kv.range({ key: Buffer.from(`${ns.prefix}nodes/node-a`) });
        await suite.raw.leaseClient.leaseRevoke({ ID: res.kvs[0]?.lease ?? '0' });
        // Another client's change reaches this node through the watch, not at once.
        await ns.feed.sync();
      },
      compact: async (revision) => {
        await suite.raw.kv.compact({ revision });
      },
      cleanup: ns.close,
    };
  });

  describe('etcd specifics', () => {
    let ns: Awaited<ReturnType<typeof namespace>>;
    afterEach(async () => {
      suite.etcd.resume();
      await ns?.close();
    });

    async function registered(o: Parameters<typeof namespace>[0] = {}) {
      ns = await namespace(o);
      await ns.cached.register(nodeRecord('node-a'));
      return ns;
    }

    it('should serve another client change from memory when the watch delivered it', async () => {
      const { cached, open, feed, reads } = await registered();
      const other = open('node-b');
      await other.register(nodeRecord('node-b'));
      const rec = await other.create('/f', fileInode('node-b'), parentsOf('node-b'));
      await cached.get('/f');
      await other.replace(rec, fileInode('node-b', { gen: 2 }));
      await feed.sync();
      expect([(await cached.get('/f'))?.inode.gen, reads]).to.deep.equal([2, ['get']]);
    });

    it('should read etcd rather than answer not found when another client deleted the path', async () => {
      const { cached, open, feed, reads } = await registered();
      const other = open('node-b');
      await other.register(nodeRecord('node-b'));
      const rec = await other.create('/f', fileInode('node-b'), parentsOf('node-b'));
      await cached.get('/f');
      await other.remove(rec);
      await feed.sync();
      expect([await cached.get('/f'), reads]).to.deep.equal([null, ['get', 'get']]);
    });

    it('should stop answering from memory when etcd hangs', async () => {
      const { cached } = await registered({ freshnessMs: 300 });
      await cached.create('/f', fileInode('node-a'), parentsOf('node-a'));
      expect((await cached.get('/f'))?.inode.gen).to.equal(1);
      suite.etcd.pause();
      await untilHung(suite.etcd.endpoint);
      // Well past the freshness bound: no progress answer can have arrived since the pause.
      await new Promise((r) => setTimeout(r, 900));
      const err = await cached.get('/f').catch((e: unknown) => e);
      expect(err).to.be.instanceOf(MetadataUnavailableError);
    });

    it('should answer from memory again when etcd resumes', async () => {
      const { cached, feed, reads } = await registered({ freshnessMs: 300 });
      await cached.create('/f', fileInode('node-a'), parentsOf('node-a'));
      suite.etcd.pause();
      await untilHung(suite.etcd.endpoint);
      await new Promise((r) => setTimeout(r, 900));
      suite.etcd.resume();
      await feed.sync();
      await cached.get('/f');
      expect(reads).to.deep.equal([]);
    });

    it('should hold no more inodes than its size when more paths are read', async () => {
      const { cached, reads } = await registered({ maxEntries: 5 });
      for (let i = 0; i < 12; i++) {
        await cached.create(`/f${i}`, fileInode('node-a'), parentsOf('node-a'));
        await cached.get(`/f${i}`);
      }
      await cached.get('/f0');
      expect([cached.size, reads]).to.deep.equal([5, ['get']]);
    });
  });
});
