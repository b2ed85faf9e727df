// The cache decorator on the in-memory store with a fake feed: when it may answer (feed current
// and lease held), what it learns from the feed and from its own commits, and that a failed
// commit sends the retry to the store.
import { expect } from 'chai';
import { StaleRevisionError } from '../../../src/files/errors.js';
import type { InodeRecord } from '../../../src/files/ports.js';
import { CachedMetadata } from '../../../src/metadata/cached-metadata.js';
import { nodeKey } from '../../../src/metadata/keys.js';
import { MemoryMetadata, MemoryStore } from '../../../src/metadata/memory-metadata.js';
import { encodeNode } from '../../../src/metadata/records.js';
import { timeMethods } from '../../../src/metrics/timing.js';
import { fileInode, nodeRecord, parentsOf } from '../../contract/metadata-contract.js';
import { FakeFeed } from '../../support/fake-feed.js';

const ID = 'node-a';
const file = (o = {}) => fileInode(ID, o);

describe('CachedMetadata', () => {
  let store: MemoryStore;
  let inner: MemoryMetadata;
  let other: MemoryMetadata;
  let feed: FakeFeed;
  let cached: CachedMetadata;
  let reads: string[];
  let lookups: string[];

  beforeEach(async () => {
    store = new MemoryStore();
    inner = new MemoryMetadata({ instanceId: ID, store, registerRetryMs: 50 });
    other = new MemoryMetadata({ instanceId: 'node-b', store, registerRetryMs: 50 });
    await inner.register(nodeRecord(ID));
    await other.register(nodeRecord('node-b'));
    reads = [];
    lookups = [];
    feed = new FakeFeed();
    cached = new CachedMetadata({
      inner: timeMethods(inner, { observe: (op) => reads.push(op) }),
      feed,
      maxEntries: 3,
      onLookup: (kind, result) => lookups.push(`${kind}:${result}`),
    });
  });
  afterEach(async () => {
    await inner.close();
    await other.close();
  });

  it('should answer a second get without reading the store when the feed is current', async () => {
    await other.create('/f', file(), parentsOf(ID));
    await cached.get('/f');
    const again = await cached.get('/f');
    expect([again?.inode.gen, reads, lookups]).to.deep.equal([
      1,
      ['get'],
      ['inode:miss', 'inode:hit'],
    ]);
  });

  it('should read the store when the feed is not current', async () => {
    await other.create('/f', file(), parentsOf(ID));
    await cached.get('/f');
    feed.current = false;
    await cached.get('/f');
    expect([reads, lookups]).to.deep.equal([
      ['get', 'get'],
      ['inode:miss', 'inode:bypass'],
    ]);
  });

  it('should read the store when a fresh read is asked for, though the feed is current', async () => {
    const rec = await other.create('/f', file(), parentsOf(ID));
    await cached.get('/f');
    await other.replace(rec, file({ gen: 2 }));
    const fresh = await cached.get('/f', { fresh: true });
    expect([fresh?.inode.gen, (await cached.get('/f'))?.inode.gen, reads]).to.deep.equal([
      2,
      2,
      ['get', 'get'],
    ]);
  });

  it('should read the store when this node does not hold its lease', async () => {
    await other.create('/f', file(), parentsOf(ID));
    await cached.get('/f');
    await inner.expireLease();
    await cached.get('/f');
    expect(reads).to.deep.equal(['get', 'get']);
  });

  it('should serve the new value when the feed delivers another writer change', async () => {
    const rec = await other.create('/f', file(), parentsOf(ID));
    await cached.get('/f');
    const changed = await other.replace(rec, file({ gen: 2 }));
    feed.deliver(changed);
    expect([(await cached.get('/f'))?.inode.gen, reads]).to.deep.equal([2, ['get']]);
  });

  it('should read the store rather than answer null when the feed delivers a delete', async () => {
    const rec = await other.create('/f', file(), parentsOf(ID));
    await cached.get('/f');
    feed.deliver({ path: '/f', deleted: true, revision: String(BigInt(rec.revision) + 1n) });
    await cached.get('/f');
    expect(reads).to.deep.equal(['get', 'get']);
  });

  it('should read the store again when the feed resets', async () => {
    await other.create('/f', file(), parentsOf(ID));
    await cached.get('/f');
    feed.reset();
    await cached.get('/f');
    expect(reads).to.deep.equal(['get', 'get']);
  });

  it('should never answer null from memory when a path was never read', async () => {
    expect(await cached.get('/missing')).to.equal(null);
    expect(reads).to.deep.equal(['get']);
  });

  it('should serve its own replace at once when committed, before the feed delivers it', async () => {
    const rec = await cached.create('/f', file(), parentsOf(ID));
    await cached.replace(rec, file({ gen: 2 }));
    expect([(await cached.get('/f'))?.inode.gen, reads]).to.deep.equal([2, ['create', 'replace']]);
  });

  it('should ignore the late feed event of an older change when its own newer commit is cached', async () => {
    const first = await cached.create('/f', file(), parentsOf(ID));
    await cached.replace(first, file({ gen: 2 }));
    feed.deliver(first);
    expect((await cached.get('/f'))?.inode.gen).to.equal(2);
  });

  it('should read the store on the retry when a commit from a stale entry fails', async () => {
    const rec = await cached.create('/f', file(), parentsOf(ID));
    await other.replace(rec, file({ gen: 7 }));
    const stale = (await cached.get('/f')) as InodeRecord;
    const err = await cached.replace(stale, file({ gen: 2 })).catch((e: unknown) => e);
    const fresh = await cached.get('/f');
    expect([err instanceof StaleRevisionError, fresh?.inode.gen]).to.deep.equal([true, 7]);
  });

  it('should read the store when a removed path is read again', async () => {
    const rec = await cached.create('/f', file(), parentsOf(ID));
    await cached.remove(rec);
    expect(await cached.get('/f')).to.equal(null);
    expect(reads).to.deep.equal(['create', 'remove', 'get']);
  });

  it('should hold no more inodes than its size when more paths are read', async () => {
    for (const name of ['a', 'b', 'c', 'd', 'e']) {
      await other.create(`/${name}`, file(), parentsOf(ID));
      await cached.get(`/${name}`);
    }
    expect(cached.size).to.equal(3);
  });

  it('should not cache anything when the feed is down', async () => {
    feed.connected = false;
    await other.create('/f', file(), parentsOf(ID));
    await cached.get('/f');
    feed.connected = true;
    await cached.get('/f');
    expect(reads).to.deep.equal(['get', 'get']);
  });

  it('should copy records so a caller changing one cannot change the cache', async () => {
    await other.create('/f', file(), parentsOf(ID));
    const first = (await cached.get('/f')) as InodeRecord;
    first.inode.gen = 99;
    expect((await cached.get('/f'))?.inode.gen).to.equal(1);
  });

  it('should answer a second getNode from memory when the feed is current', async () => {
    await cached.getNode('node-b');
    const node = await cached.getNode('node-b');
    expect([node?.http_url, reads]).to.deep.equal([nodeRecord('node-b').http_url, ['get_node']]);
  });

  it('should read the membership again when the feed delivers a node record delete', async () => {
    await cached.getNode('node-b');
    feed.deliverRaw(nodeKey('', 'node-b'), null, 1_000n);
    await cached.getNode('node-b');
    expect(reads).to.deep.equal(['get_node', 'get_node']);
  });

  it('should serve the new node record when the feed delivers a change of it', async () => {
    await cached.getNode('node-b');
    const moved = { ...nodeRecord('node-b'), http_url: 'http://moved.test' };
    feed.deliverRaw(nodeKey('', 'node-b'), encodeNode(moved), 1_000n);
    expect((await cached.getNode('node-b'))?.http_url).to.equal('http://moved.test');
  });
});
