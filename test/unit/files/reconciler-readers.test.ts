// Readers of a path whose write waits for its outcome ask the reconciler to settle it. While
// etcd cannot tell (every `isCurrent` fails), their requests must stay bounded: one attempt at
// that path's writes shared by the readers of a retry interval, never a pass over every
// pending write of the node per reader.
import { expect } from 'chai';
import { PathLocks } from '../../../src/files/path-lock.js';
import { Reconciler } from '../../../src/files/reconciler.js';
import type { TempFile } from '../../../src/files/storage-port.js';

function temp(id: string): TempFile {
  return {
    id,
    write: async () => 0,
    prepare: async () => undefined,
    commit: async () => undefined,
    discard: async () => undefined,
  };
}

describe('Reconciler: passes asked for by readers', () => {
  it('should try only the read path, once per retry interval, when etcd cannot tell the outcome', async () => {
    const locks = new PathLocks();
    const asked: string[] = [];
    const reconciler = new Reconciler({
      locks,
      isCurrent: async (path) => {
        asked.push(path);
        throw new Error('etcd unavailable');
      },
      minDelayMs: 60_000,
    });
    reconciler.adopt({ path: '/a', gen: 2, temp: temp('w-a') });
    reconciler.adopt({ path: '/b', gen: 2, temp: temp('w-b') });
    for (let i = 0; i < 10; i++) await locks.settled('/a');
    expect(asked).to.deep.equal(['/a']);
    expect(locks.busy('/a')).to.equal(true);
    expect(reconciler.size).to.equal(2);
  });

  it('should clear the mark once the read path’s write is settled', async () => {
    const locks = new PathLocks();
    const reconciler = new Reconciler({ locks, isCurrent: async () => true });
    reconciler.adopt({ path: '/c', gen: 2, temp: temp('w-c') });
    expect(locks.busy('/c')).to.equal(true);
    await locks.settled('/c');
    expect([locks.busy('/c'), locks.settled('/c'), reconciler.size]).to.deep.equal([
      false,
      undefined,
      0,
    ]);
  });
});
