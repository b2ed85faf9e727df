// The consistency check of a shared S3 store against the namespace, on a real s3rver: orphan
// objects (no inode names them), missing objects (an inode names a write the bucket lacks) and
// abandoned uploads in the node's journal, each reported and, with repair, cleaned.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { fsckShared } from '../../../src/files/fsck-shared.js';
import type { Inode, IsCurrent } from '../../../src/files/ports.js';
import { MemoryMetadata } from '../../../src/metadata/memory-metadata.js';
import { createS3Storage, type S3Storage } from '../../../src/storage/s3/storage.js';
import { chunksOf, putFile } from '../../contract/storage-contract.js';
import { startS3rver, type S3Handle } from '../../support/s3.js';

describe('fsck of a shared S3 store', function () {
  this.timeout(60_000);
  let s3: S3Handle;
  let dir: string;
  let storage: S3Storage;
  let meta: MemoryMetadata;
  let seq = 0;

  before(async () => {
    s3 = await startS3rver();
  });
  after(async () => {
    await s3?.stop();
  });
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'callfs-s3-fsck-'));
    storage = await createS3Storage({
      ...s3.settings(),
      keyPrefix: `fsck-${process.pid}-${++seq}/`,
      journalDir: join(dir, 'journal'),
    });
    meta = new MemoryMetadata({ instanceId: 'n1' });
    await meta.register({
      instance_id: 'n1',
      http_url: 'http://n1',
      grpc_addr: 'n1:1',
      backends: ['localfs', 's3'],
      stores: [storage.location],
      started: 0,
    });
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const isCurrent: IsCurrent = async () => false;

  async function fileNaming(path: string, write: string, size: number): Promise<void> {
    const inode: Inode = {
      type: 'file',
      instance_id: 'n1',
      backend_type: 's3',
      store: storage.location,
      size,
      mode: 0o644,
      owner: 'alice',
      mtime: 0,
      gen: 1,
      state: 'ready',
      write,
    };
    await meta.create(path, inode, {});
  }

  async function check(repair: boolean) {
    return fsckShared({ metadata: meta, shared: storage, repair, isCurrent, graceMs: 0 });
  }

  it('should report an orphan and a missing object when the bucket and etcd disagree', async () => {
    const kept = await putFile(storage, '/kept.txt', Buffer.from('kept'));
    await fileNaming('/kept.txt', kept.write as string, 4);
    const orphan = await putFile(storage, '/orphan.txt', Buffer.from('orphan'));
    await fileNaming('/lost.txt', 'b'.repeat(32), 1);
    const { issues } = await check(false);
    expect(issues.map((i) => [i.kind, i.path])).to.have.deep.members([
      ['orphan-object', orphan.write],
      ['missing-object', '/lost.txt'],
    ]);
  });

  it('should delete the orphan and remove the inode of the missing object when repairing', async () => {
    await putFile(storage, '/orphan.txt', Buffer.from('orphan'));
    await fileNaming('/lost.txt', 'c'.repeat(32), 1);
    await check(true);
    const objects: string[] = [];
    for await (const o of storage.objects()) objects.push(o.write);
    expect([objects, await meta.get('/lost.txt')]).to.deep.equal([[], null]);
  });

  it('should keep an object younger than the grace period when no inode names it yet', async () => {
    await putFile(storage, '/young.txt', Buffer.from('young'));
    const { issues } = await fsckShared({
      metadata: meta,
      shared: storage,
      repair: false,
      isCurrent,
    });
    expect(issues).to.deep.equal([]);
  });

  it('should undo an upload the node abandoned when repairing', async () => {
    const temp = await storage.createTemp('/cut.bin');
    await temp.write(chunksOf(Buffer.alloc(1000, 1)), { maxBytes: 10_000 });
    const { issues } = await check(true);
    const objects: string[] = [];
    for await (const o of storage.objects()) objects.push(o.write);
    expect([issues.map((i) => i.kind), objects]).to.deep.equal([['abandoned-upload'], []]);
  });
});
