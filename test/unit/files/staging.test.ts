// The receiving side of a file moving to this node: which staged bytes a commit keeps. etcd
// names them by write id for a sender that says it names it, by generation for an older one.
import { expect } from 'chai';
import { PathLocks } from '../../../src/files/path-lock.js';
import type { InodeRecord } from '../../../src/files/ports.js';
import { Staging } from '../../../src/files/staging.js';
import { createMemoryStorage } from '../../../src/storage/memory.js';
import { bodyOf, readStream } from '../../support/fakes.js';

const PATH = '/d/f.bin';

/** etcd naming gen 2 of PATH under another write id than any staged here. */
async function stagedThenFinished(namesWrite: boolean | undefined): Promise<string | null> {
  const storage = createMemoryStorage({ backendType: 'localfs' });
  const staging = new Staging({
    storage,
    locks: new PathLocks(),
    isCurrent: async (path, gen, write) =>
      path === PATH && gen === 2 && (write === undefined || write === 'another-write'),
    isNamed: async (path) => path === PATH,
  });
  await staging.stage({ stageId: 's', path: PATH, gen: 2, size: 6, namesWrite }, bodyOf('staged'));
  await staging.finish('s', true);
  if (!(await storage.has(PATH))) return null;
  return (await readStream((await storage.open({ path: PATH })).body)).toString();
}

describe('staging', () => {
  it('should commit the staged bytes when a sender of an older version named their generation only', async () => {
    expect(await stagedThenFinished(undefined)).to.equal('staged');
  });
  it('should discard the staged bytes when the sender names write ids and etcd names another write of that generation', async () => {
    expect(await stagedThenFinished(true)).to.equal(null);
  });
  it('should leave the staged bytes for their sender when a reader asks for them and etcd does not name them', async () => {
    const storage = createMemoryStorage({ backendType: 'localfs' });
    let named = false;
    const staging = new Staging({
      storage,
      locks: new PathLocks(),
      isCurrent: async () => named,
      isNamed: async () => named,
    });
    const { write } = await staging.stage(
      { stageId: 's', path: PATH, gen: 2, size: 6, namesWrite: true },
      bodyOf('staged'),
    );
    const rec: InodeRecord = {
      path: PATH,
      revision: '1',
      created: '1',
      inode: {
        type: 'file',
        instance_id: 'node-2',
        backend_type: 'localfs',
        size: 6,
        mode: 0o644,
        owner: 'alice',
        mtime: 0,
        gen: 2,
        write,
        state: 'ready',
      },
    };
    // A reader whose view of etcd is not the switch's (a stale record): nothing is placed.
    const early = [await staging.placeNamed(rec), await storage.has(PATH)];
    named = true;
    const late = [await staging.placeNamed(rec), await storage.has(PATH)];
    // The sender's commit, after the reader placed them, finds its work done.
    await staging.finish('s', true);
    expect([early, late]).to.deep.equal([
      [false, false],
      [true, true],
    ]);
  });
});

describe('staging for older senders', () => {
  it('should place nothing for a reader when two older senders staged the same generation of the path', async () => {
    const storage = createMemoryStorage({ backendType: 'localfs' });
    // etcd names gen 2 of PATH under the write id the winning sender's source had: an older
    // sender keeps it, so it tells neither staged file from the other.
    const staging = new Staging({
      storage,
      locks: new PathLocks(),
      isCurrent: async (path, gen, write) => path === PATH && gen === 2 && write === undefined,
      isNamed: async (path) => path === PATH,
    });
    // The first one's switch lost (the path was taken by the second); its discard is on its way.
    await staging.stage({ stageId: 'lost', path: PATH, gen: 2, size: 4 }, bodyOf('lost'));
    await staging.stage({ stageId: 'won', path: PATH, gen: 2, size: 3 }, bodyOf('won'));
    const rec: InodeRecord = {
      path: PATH,
      revision: '1',
      created: '1',
      inode: {
        type: 'file',
        instance_id: 'node-2',
        backend_type: 'localfs',
        size: 3,
        mode: 0o644,
        owner: 'alice',
        mtime: 0,
        gen: 2,
        write: 'source-write',
        state: 'ready',
      },
    };
    const placed = await staging.placeNamed(rec);
    const there = (await storage.has(PATH))
      ? (await readStream((await storage.open({ path: PATH })).body)).toString()
      : null;
    expect([placed, there]).to.deep.equal([false, null]);
  });
  it("should keep an older sender's staged bytes when a file of the same generation is deleted at the path", async () => {
    const storage = createMemoryStorage({ backendType: 'localfs' });
    const staging = new Staging({
      storage,
      locks: new PathLocks(),
      // After the delete, the older sender's switch names gen 2 of PATH (its source's write id).
      isCurrent: async (path, gen, write) => path === PATH && gen === 2 && write === undefined,
      isNamed: async (path) => path === PATH,
    });
    await staging.stage({ stageId: 's', path: PATH, gen: 2, size: 6 }, bodyOf('staged'));
    // Another file that had reached gen 2 at the path, deleted before that switch.
    await staging.dropNamed({
      path: PATH,
      revision: '1',
      created: '1',
      inode: {
        type: 'file',
        instance_id: 'node-2',
        backend_type: 'localfs',
        size: 3,
        mode: 0o644,
        owner: 'alice',
        mtime: 0,
        gen: 2,
        write: 'deleted-write',
        state: 'ready',
      },
    });
    await staging.finish('s', true);
    expect((await readStream((await storage.open({ path: PATH })).body)).toString()).to.equal(
      'staged',
    );
  });
});
