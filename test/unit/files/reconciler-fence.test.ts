// A create whose commit went unanswered reaches the reconciler with its write fence: before
// its temp is dropped the fence is put, so a commit etcd still holds can never name bytes no
// node kept; a create that applied before the fence is kept; a fence that fails drops nothing.
import { expect } from 'chai';
import { PathLocks } from '../../../src/files/path-lock.js';
import { Reconciler } from '../../../src/files/reconciler.js';
import type { TempFile } from '../../../src/files/storage-port.js';

function temp(id: string, log: string[]): TempFile {
  return {
    id,
    write: async () => 0,
    prepare: async () => undefined,
    commit: async () => void log.push(`commit ${id}`),
    discard: async () => void log.push(`discard ${id}`),
  };
}

/** A reconciler whose etcd names `named` and holds nothing for directory moves. */
function reconcilerOver(named: Set<string>): Reconciler {
  return new Reconciler({
    locks: new PathLocks(),
    isCurrent: async (_path, _gen, id) => id !== undefined && named.has(id),
    isNamed: async () => true,
    minDelayMs: 60_000,
  });
}

describe('Reconciler: an unanswered create’s fence', () => {
  it('should put the fence before it drops the temp', async () => {
    const log: string[] = [];
    const reconciler = reconcilerOver(new Set());
    reconciler.adopt({
      path: '/a',
      gen: 1,
      temp: temp('w-a', log),
      fence: async () => void log.push('fence w-a'),
    });
    expect(await reconciler.runOnce()).to.equal(0);
    expect(log).to.deep.equal(['fence w-a', 'discard w-a']);
  });

  it('should keep the temp when the create applied before its fence', async () => {
    const log: string[] = [];
    const named = new Set<string>();
    const reconciler = reconcilerOver(named);
    reconciler.adopt({
      path: '/b',
      gen: 1,
      temp: temp('w-b', log),
      // etcd applies the held create just before the fence lands.
      fence: async () => {
        named.add('w-b');
        log.push('fence w-b');
      },
    });
    expect(await reconciler.runOnce()).to.equal(0);
    expect(log).to.deep.equal(['fence w-b', 'commit w-b']);
  });

  it('should drop nothing while the fence cannot be put', async () => {
    const log: string[] = [];
    const reconciler = reconcilerOver(new Set());
    let etcdUp = false;
    reconciler.adopt({
      path: '/c',
      gen: 1,
      temp: temp('w-c', log),
      fence: async () => {
        if (!etcdUp) throw new Error('etcd unavailable');
        log.push('fence w-c');
      },
    });
    expect(await reconciler.runOnce()).to.equal(1);
    expect(log).to.deep.equal([]);
    etcdUp = true;
    expect(await reconciler.runOnce()).to.equal(0);
    expect(log).to.deep.equal(['fence w-c', 'discard w-c']);
    reconciler.stop();
  });
});
