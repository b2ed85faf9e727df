// PathLocks beyond mutual exclusion: readers refused while a holder waits on etcd, and paths
// closed at shutdown (move.ts, settleUnanswered).
import { expect } from 'chai';
import { MetadataUnavailableError, NodeNotServingError } from '../../../src/files/errors.js';
import { PathLocks } from '../../../src/files/path-lock.js';

describe('PathLocks', () => {
  it('should run the holders of one path one after the other', async () => {
    const locks = new PathLocks();
    const order: string[] = [];
    let release!: () => void;
    const first = locks.run('/a', () =>
      new Promise<void>((r) => (release = r)).then(() => void order.push('first')),
    );
    const second = locks.run('/a', async () => void order.push('second'));
    await new Promise((r) => setImmediate(r));
    expect(order).to.deep.equal([]);
    release();
    await Promise.all([first, second]);
    expect(order).to.deep.equal(['first', 'second']);
  });

  it('should give refused readers the error while writers still queue', async () => {
    const locks = new PathLocks();
    let release!: () => void;
    const holder = locks.run('/a', () => new Promise<void>((r) => (release = r)));
    const unavailable = new MetadataUnavailableError('etcd cannot tell yet');
    locks.refuseReaders(['/a', '/b'], unavailable);
    await locks.settled('/a')!.then(
      () => expect.fail('a refused reader waited'),
      (err: unknown) => expect(err).to.equal(unavailable),
    );
    let wrote = false;
    const writer = locks.run('/a', async () => void (wrote = true));
    await new Promise((r) => setImmediate(r));
    expect(wrote).to.equal(false);
    locks.acceptReaders(['/a', '/b']);
    release();
    await Promise.all([holder, writer]);
    expect(wrote).to.equal(true);
    expect(locks.settled('/b')).to.equal(undefined);
  });

  it('should fail every later holder and reader of a closed path', async () => {
    const locks = new PathLocks();
    let release!: () => void;
    const holder = locks.run('/a', () => new Promise<void>((r) => (release = r)));
    const queued = locks.run('/a', async () => 'ran');
    await new Promise((r) => setImmediate(r)); // the holder holds it
    const stopping = new NodeNotServingError('shutting down');
    locks.close(['/a'], stopping);
    release();
    await holder;
    const outcome = (p: Promise<unknown>) =>
      p.then(
        () => 'ran',
        (err: unknown) => err,
      );
    expect(await outcome(queued)).to.equal(stopping);
    expect(await outcome(locks.run('/a', async () => 'ran'))).to.equal(stopping);
    expect(await outcome(locks.settled('/a')!)).to.equal(stopping);
    expect(await outcome(locks.run('/b', async () => 'ran'))).to.equal('ran');
  });
});
