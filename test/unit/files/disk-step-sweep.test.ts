// The journal sweep of directory-move disk steps (disk-steps.ts) against the other runs of the
// same step: the coordinator's own step, and a sweep whose journal read has gone stale. A run
// that lags past the step's end may act after the source was released, where a new file at an
// old path looks like bytes not moved yet: it must never run.
import { expect } from 'chai';
import {
  caller,
  moveSpec,
  fakeClusterEach,
  readFile,
  sha256,
  writeFile,
} from '../../support/fakes.js';

const NEW = Buffer.from('a new file created at the old path once the move answered');

describe('the disk-step sweep', () => {
  const alice = caller('alice');
  const cluster = fakeClusterEach(['node-1'], async (c) => {
    await writeFile(c.node('node-1').files, alice, '/d/a.txt', 'a on 1');
  });

  it("should keep a file created at the old path when a sweep ran during the coordinator's own disk step", async () => {
    const n1 = cluster.node('node-1');
    // Reads of the destination subtree made after the coordinator's own step began wait
    // for `open`: a sweep started then lags until the move has answered.
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let gated = false;
    const scan = n1.metadata.scanSubtree.bind(n1.metadata);
    n1.metadata.scanSubtree = async (dir, options) => {
      if (gated && dir === '/e') await gate;
      return scan(dir, options);
    };
    const rename = n1.storage.rename.bind(n1.storage);
    let sweep: Promise<number> | undefined;
    n1.storage.rename = async (from, to) => {
      if (from === '/d/a.txt' && !sweep) {
        gated = true;
        sweep = n1.files.sweepDiskSteps();
      }
      return rename(from, to);
    };
    await n1.files.move(alice, '/d', moveSpec('/e'));
    n1.storage.rename = rename;
    await writeFile(n1.files, alice, '/d/a.txt', NEW);
    open();
    await sweep;
    const got = await readFile(n1.files, alice, '/d/a.txt').then(sha256, (e: Error) => e.message);
    expect(got).to.equal(sha256(NEW));
  });

  it('should not run a step its journal read named when that step ended since the read', async () => {
    const n1 = cluster.node('node-1');
    await writeFile(n1.files, alice, '/s/b.txt', 'b on 1');
    cluster.disconnect('node-1');
    // Two steps journaled for node-1 with no call made: the sweep runs them in order.
    await n1.metadata.putJournal({
      id: 'first',
      value: { type: 'move-dir-disk', node: 'node-1', from: '/s', to: '/t' },
    });
    await n1.metadata.putJournal({
      id: 'second',
      value: { type: 'move-dir-disk', node: 'node-1', from: '/d', to: '/e' },
    });
    // The namespace of both moves, as their coordinators left it.
    for (const [from, to] of [
      ['/s/b.txt', '/t/b.txt'],
      ['/d/a.txt', '/e/a.txt'],
    ] as const) {
      const rec = (await n1.metadata.get(from))!;
      await n1.metadata.move(rec, to, rec.inode, {
        overwrite: null,
        parents: { owner: 'alice', instance_id: 'node-1', backend_type: 'localfs', mtime: 1 },
      });
    }
    // The first step waits while the second one's call arrives, runs and ends, and a new
    // file is created at its old path (the coordinator released it).
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const rename = n1.storage.rename.bind(n1.storage);
    n1.storage.rename = async (from, to) => {
      if (from === '/s/b.txt') await gate;
      return rename(from, to);
    };
    const sweep = n1.files.sweepDiskSteps();
    await new Promise((resolve) => setTimeout(resolve, 10));
    await n1.files.applyMove('second', '/d', '/e');
    // A run of the second step from here on is paused after it read the source, while a new
    // file is created at the old path.
    const scan = n1.metadata.scanSubtree.bind(n1.metadata);
    let reached!: () => void;
    const paused = new Promise<void>((resolve) => (reached = resolve));
    let resume!: () => void;
    const resumed = new Promise<void>((resolve) => (resume = resolve));
    n1.metadata.scanSubtree = async (dir, options) => {
      if (dir === '/e') {
        reached();
        await resumed;
      }
      return scan(dir, options);
    };
    open();
    await Promise.race([sweep, paused]);
    await writeFile(n1.files, alice, '/d/a.txt', NEW);
    resume();
    await sweep;
    const got = await readFile(n1.files, alice, '/d/a.txt').then(sha256, (e: Error) => e.message);
    expect(got).to.equal(sha256(NEW));
  });

  it('should start no further step and end with the running one when the node stops', async () => {
    const n1 = cluster.node('node-1');
    await writeFile(n1.files, alice, '/s/b.txt', 'b on 1');
    for (const [id, from, to] of [
      ['first', '/s', '/t'],
      ['second', '/d', '/e'],
    ] as const) {
      await n1.metadata.putJournal({
        id,
        value: { type: 'move-dir-disk', node: 'node-1', from, to },
      });
      const rec = (await n1.metadata.get(`${from}/${id === 'first' ? 'b' : 'a'}.txt`))!;
      await n1.metadata.move(rec, `${to}${rec.path.slice(from.length)}`, rec.inode, {
        overwrite: null,
        parents: { owner: 'alice', instance_id: 'node-1', backend_type: 'localfs', mtime: 1 },
      });
    }
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let renaming!: () => void;
    const reached = new Promise<void>((resolve) => (renaming = resolve));
    const rename = n1.storage.rename.bind(n1.storage);
    n1.storage.rename = async (from, to) => {
      if (from === '/s/b.txt') {
        renaming();
        await gate;
      }
      return rename(from, to);
    };
    const sweep = n1.files.sweepDiskSteps();
    await reached;
    let stopped = false;
    const stop = n1.files.stopDiskSteps().then(() => (stopped = true));
    await new Promise((resolve) => setTimeout(resolve, 10));
    const beforeStepEnded = stopped;
    open();
    await stop;
    await sweep;
    const disk = [await n1.storage.has('/t/b.txt'), await n1.storage.has('/d/a.txt')];
    expect([beforeStepEnded, ...disk]).to.deep.equal([false, true, true]);
  });
});
