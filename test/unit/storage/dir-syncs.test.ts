// Grouped directory fsyncs: every caller gets an fsync that started after its call, and
// callers arriving while one runs share the next one.
import { expect } from 'chai';
import { DirSyncs } from '../../../src/storage/dir-syncs.js';

/** An fsync stand-in whose calls finish when the test says so. */
function manualFsync() {
  const calls: Array<{ dir: string; finish: (err?: Error) => void }> = [];
  const fsync = (dir: string) =>
    new Promise<void>((resolve, reject) => {
      calls.push({ dir, finish: (err) => (err ? reject(err) : resolve()) });
    });
  return { calls, fsync };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('DirSyncs', () => {
  it('should run one fsync at once when a single caller asks', async () => {
    const { calls, fsync } = manualFsync();
    const syncs = new DirSyncs(fsync);
    const done = syncs.sync('/d');
    expect(calls).to.have.length(1);
    calls[0]!.finish();
    await done;
  });

  it('should share one further fsync among callers when they ask while one runs', async () => {
    const { calls, fsync } = manualFsync();
    const syncs = new DirSyncs(fsync);
    const first = syncs.sync('/d');
    const settled: string[] = [];
    const later = [1, 2, 3].map((i) => syncs.sync('/d').then(() => settled.push(`later-${i}`)));
    await tick();
    // The later callers' changes may postdate the running fsync: they wait for the next one.
    expect(calls).to.have.length(1);
    calls[0]!.finish();
    await first;
    await tick();
    expect(settled).to.deep.equal([]);
    expect(calls).to.have.length(2);
    calls[1]!.finish();
    await Promise.all(later);
    expect(settled).to.have.length(3);
    expect(calls).to.have.length(2);
  });

  it('should sync directories independently when they differ', async () => {
    const { calls, fsync } = manualFsync();
    const syncs = new DirSyncs(fsync);
    const a = syncs.sync('/a');
    const b = syncs.sync('/b');
    expect(calls.map((c) => c.dir)).to.deep.equal(['/a', '/b']);
    calls.forEach((c) => c.finish());
    await Promise.all([a, b]);
  });

  it('should reject every waiter of a failed fsync and still sync again when asked later', async () => {
    const { calls, fsync } = manualFsync();
    const syncs = new DirSyncs(fsync);
    const first = syncs.sync('/d');
    calls[0]!.finish(new Error('EIO'));
    const err = await first.catch((e: unknown) => e);
    expect(err).to.be.instanceOf(Error);
    const again = syncs.sync('/d');
    expect(calls).to.have.length(2);
    calls[1]!.finish();
    await again;
  });

  it('should start the next fsync after a failed one when callers waited for it', async () => {
    const { calls, fsync } = manualFsync();
    const syncs = new DirSyncs(fsync);
    const first = syncs.sync('/d').catch((e: unknown) => e);
    const waiting = syncs.sync('/d');
    calls[0]!.finish(new Error('EIO'));
    expect(await first).to.be.instanceOf(Error);
    await tick();
    expect(calls).to.have.length(2);
    calls[1]!.finish();
    await waiting;
  });
});
