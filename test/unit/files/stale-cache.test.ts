// Decisions a node takes from its watch-fed cache (CachedMetadata) while another node's commit,
// or one of its own whose answer was lost, has not reached that cache yet. A stale record may
// serve the previous version; it must never drop bytes etcd names, nor refuse a request (404,
// 409, 412) that etcd's own record allows. Each cache here is current and hears nothing, as a
// watch a few milliseconds behind.
import { expect } from 'chai';
import { type CallfsError, MetadataUnavailableError } from '../../../src/files/errors.js';
import { InProcessOwnerClient } from '../../../src/files/in-process-owner-client.js';
import type { Membership, Metadata } from '../../../src/files/ports.js';
import { FilesService } from '../../../src/files/service.js';
import { CachedMetadata } from '../../../src/metadata/cached-metadata.js';
import { MemoryMetadata, MemoryStore } from '../../../src/metadata/memory-metadata.js';
import { createMemoryStorage } from '../../../src/storage/memory.js';
import { FakeFeed } from '../../support/fake-feed.js';
import { FAKE_CURSOR_KEY, caller, fakeCluster, moveSpec, writeFile } from '../../support/fakes.js';

const alice = caller('alice');

/** A cache over `metadata` whose watch is current and delivers nothing. */
function lagging(metadata: Metadata & Membership): CachedMetadata {
  return new CachedMetadata({ inner: metadata, feed: new FakeFeed(), maxEntries: 64 });
}

describe('decisions from a stale cache', () => {
  it('should keep the bytes of a file moved here when the cache still names the sender', async () => {
    const cluster = await fakeCluster(['n1', 'n2'], {
      metadataOf: (id, m) => (id === 'n1' ? lagging(m) : m),
    });
    try {
      const [n1, n2] = [cluster.node('n1'), cluster.node('n2')];
      await writeFile(n2.files, alice, '/f', 'moving bytes');
      // A read through n1 caches n2's record; n2 then moves the file to n1 and says commit
      // before n1's watch brings the switch.
      expect((await n1.files.stat(alice, '/f')).instance_id).to.equal('n2');
      await n2.files.move(alice, '/f', moveSpec('/f', { instance: 'n1' }));
      expect([
        (await n1.metadata.get('/f'))?.inode.instance_id,
        n1.storage.read('/f')?.toString(),
        n2.storage.read('/f'),
      ]).to.deep.equal(['n1', 'moving bytes', undefined]);
    } finally {
      await cluster.close();
    }
  });

  it('should keep a committed write whose answer was lost when the cache names the old version', async () => {
    const meta = new MemoryMetadata({ instanceId: 'n1', store: new MemoryStore() });
    let loseNextReply = false;
    const flaky = new Proxy(meta, {
      get: (target, key) => {
        const value = Reflect.get(target, key) as unknown;
        if (typeof value !== 'function') return value;
        if (key !== 'replace') return value.bind(target);
        return async (...args: unknown[]) => {
          const rec = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          if (!loseNextReply) return rec;
          loseNextReply = false;
          throw new MetadataUnavailableError('etcd did not answer the commit');
        };
      },
    });
    const cached = lagging(flaky);
    const disk = createMemoryStorage({ backendType: 'localfs' });
    const files = new FilesService({
      cursorKey: FAKE_CURSOR_KEY,
      instanceId: 'n1',
      metadata: cached,
      membership: cached,
      storage: disk,
      owners: new InProcessOwnerClient(() => undefined),
      maxBodyBytes: 1 << 20,
    });
    await meta.register({
      instance_id: 'n1',
      http_url: 'http://n1',
      grpc_addr: 'n1:1',
      backends: ['localfs'],
      started: Date.now(),
    });
    try {
      await writeFile(files, alice, '/u', 'old');
      loseNextReply = true;
      // etcd applied the replace; the re-read must ask etcd, not the cache that still names gen 1.
      const outcome = await writeFile(files, alice, '/u', 'new').then(
        (r) => r.info.etag,
        (err: unknown) => (err as CallfsError).code,
      );
      const rec = await meta.get('/u');
      expect([outcome.endsWith('-2"'), rec?.inode.gen, disk.read('/u')?.toString()]).to.deep.equal([
        true,
        2,
        'new',
      ]);
    } finally {
      await meta.deregister();
    }
  });
});
