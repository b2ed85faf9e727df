// A read of a shared store's file (S3) replaced by another node while it was read: the writer
// deletes the generation it replaced as soon as it committed, and the reading node's cache may
// not have seen that commit yet. The read must then ask etcd, not its cache, and serve the new
// generation rather than answer 404.
import { expect } from 'chai';
import { Readable } from 'node:stream';
import { NotFoundError } from '../../../src/files/errors.js';
import { PathLocks } from '../../../src/files/path-lock.js';
import type { FileRef, OpenedFile, PathStorage, Storage } from '../../../src/files/ports.js';
import { readLocal } from '../../../src/files/read-local.js';
import { CachedMetadata } from '../../../src/metadata/cached-metadata.js';
import { MemoryMetadata, MemoryStore } from '../../../src/metadata/memory-metadata.js';
import { fileInode, nodeRecord, parentsOf } from '../../contract/metadata-contract.js';
import { readStream } from '../../support/checks.js';
import { FakeFeed } from '../../support/fake-feed.js';

const STORE = 's3:0123456789ab';

/** A bucket holding one object per write id; a deleted one is NotFoundError, as on S3. */
function bucket(objects: Map<string, string>): Storage {
  return {
    backendType: 's3',
    location: STORE,
    async open(file: FileRef): Promise<OpenedFile> {
      const bytes = file.write === undefined ? undefined : objects.get(file.write);
      if (bytes === undefined) throw new NotFoundError(`${file.path} not found on S3`);
      return { size: bytes.length, mtimeMs: 0, body: Readable.from([Buffer.from(bytes)]) };
    },
  } as Storage;
}

describe('readLocal of a shared store file replaced by another node', () => {
  it('should serve the new generation when the cache still names the deleted one', async () => {
    const store = new MemoryStore();
    const reader = new MemoryMetadata({ instanceId: 'node-1', store });
    const writer = new MemoryMetadata({ instanceId: 'node-2', store });
    await reader.register(nodeRecord('node-1'));
    await writer.register(nodeRecord('node-2'));
    try {
      const s3 = (o: { gen: number; write: string }) =>
        fileInode('node-2', { backend_type: 's3', store: STORE, ...o });
      const first = await writer.create(
        '/f',
        s3({ gen: 1, write: 'a'.repeat(32) }),
        parentsOf('node-2'),
      );
      const feed = new FakeFeed();
      const cached = new CachedMetadata({ inner: reader, feed, maxEntries: 8 });
      expect((await cached.get('/f'))?.inode.gen).to.equal(1);

      // node-2 replaces the file and deletes the old object; node-1's feed has not caught up.
      await writer.replace(first, s3({ gen: 2, write: 'b'.repeat(32) }));
      const objects = new Map([['b'.repeat(32), 'version 2']]);

      const got = await readLocal(
        {
          instanceId: 'node-1',
          metadata: cached,
          locks: new PathLocks(),
          storage: { backendType: 'localfs' } as PathStorage,
          shared: bucket(objects),
        },
        { user: 'alice' } as never,
        '/f',
      );
      expect([
        got.info.etag.endsWith('-2"'),
        (await readStream(got.body)).toString(),
      ]).to.deep.equal([true, 'version 2']);
    } finally {
      await reader.close();
      await writer.close();
    }
  });
});
