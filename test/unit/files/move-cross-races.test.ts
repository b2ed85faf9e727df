// A file moving to another node that moves again at once: the directory it lands in moves, or
// the target renames it. Between the mover's namespace switch and the target's commit of the
// staged bytes, etcd names a file of the target whose bytes are still a staged temp: a move of
// that file in this window must still find its bytes under the new path. And two such moves to
// one new path, each to the other's node, must not wait on each other. The interleavings are
// forced by holding calls that reach a target (StageFile, FinishStaged, ApplyMove).
import { expect } from 'chai';
import { OwnerUnavailableError } from '../../../src/files/errors.js';
import {
  caller,
  moveSpec,
  fakeClusterEach,
  readFile,
  restartedFiles,
  sha256,
  writeFile,
} from '../../support/fakes.js';

const BYTES = Buffer.from('the bytes that move twice');

describe('a file moving to another node, moved again before its target committed', () => {
  const alice = caller('alice');
  const cluster = fakeClusterEach(['node-1', 'node-2', 'node-3'], async (c) => {
    await writeFile(c.node('node-1').files, alice, '/i/f.bin', BYTES);
    // Temp ids of the fake disks count up per node: the target's next one is not the source's.
    await writeFile(c.node('node-2').files, alice, '/i/other.bin', 'other');
    await c.node('node-3').files.mkdir(alice, '/d');
  });

  /** Moves /i/f.bin to node-2 at /d/f.bin, running `between` before node-2 hears commit. */
  async function moveFileAround(between: () => Promise<void>): Promise<void> {
    const n2 = cluster.node('node-2').files;
    const finish = n2.finishStaged.bind(n2);
    n2.finishStaged = async (stageId, commit) => {
      n2.finishStaged = finish;
      await between();
      return finish(stageId, commit);
    };
    await cluster
      .node('node-1')
      .files.move(alice, '/i/f.bin', moveSpec('/d/f.bin', { instance: 'node-2' }));
  }

  it('should serve the bytes under the new path when the directory moved before the target committed', async () => {
    await moveFileAround(async () => {
      await cluster.node('node-3').files.move(alice, '/d', moveSpec('/e'));
    });
    const got = await readFile(cluster.node('node-3').files, alice, '/e/f.bin');
    expect(sha256(got)).to.equal(sha256(BYTES));
  });

  it('should serve the bytes under the new path when the directory moved before the target committed a sender of an older version', async () => {
    // An older sender neither says it names write ids nor reads the one the target gives: the
    // inode keeps the source's write id, and the target matches the staged bytes by generation.
    const n2 = cluster.node('node-2').files;
    const stage = n2.stageFile.bind(n2);
    n2.stageFile = async (s, body) => {
      const staged = await stage({ ...s, namesWrite: undefined }, body);
      return { ...staged, write: '' };
    };
    await moveFileAround(async () => {
      await cluster.node('node-3').files.move(alice, '/d', moveSpec('/e'));
    });
    const got = await readFile(cluster.node('node-3').files, alice, '/e/f.bin');
    expect(sha256(got)).to.equal(sha256(BYTES));
  });

  it('should serve the bytes under the new name when the target renamed the file before it committed', async () => {
    let renamed: unknown;
    await moveFileAround(async () => {
      renamed = await cluster
        .node('node-2')
        .files.move(alice, '/d/f.bin', moveSpec('/d/h.bin'))
        .catch((err: unknown) => err);
    });
    const outcome = renamed instanceof Error ? renamed.message : 'renamed';
    const got = await readFile(cluster.node('node-3').files, alice, '/d/h.bin').then(
      sha256,
      (err: Error) => err.message,
    );
    expect([outcome, got]).to.deep.equal(['renamed', sha256(BYTES)]);
  });

  it('should serve the bytes under the new path when the target committed between the re-key and its disk step', async () => {
    const n2 = cluster.node('node-2').files;
    const apply = n2.applyMove.bind(n2);
    let reached!: () => void;
    const applyReached = new Promise<void>((resolve) => (reached = resolve));
    let release!: () => void;
    const applyReleased = new Promise<void>((resolve) => (release = resolve));
    n2.applyMove = async (journalId, from, to) => {
      n2.applyMove = apply;
      reached();
      await applyReleased;
      return apply(journalId, from, to);
    };
    let dirMove: Promise<unknown> = Promise.resolve();
    // The directory is re-keyed and its disk step on the target held; the commit runs then.
    await moveFileAround(async () => {
      dirMove = cluster.node('node-3').files.move(alice, '/d', moveSpec('/e'));
      await applyReached;
    });
    release();
    await dirMove;
    const got = await readFile(cluster.node('node-3').files, alice, '/e/f.bin');
    expect(sha256(got)).to.equal(sha256(BYTES));
  });
  it('should serve the staged bytes under the new path when the target restarted after the directory moved, before its disk step', async () => {
    const n2 = cluster.node('node-2');
    // The commit never arrives; node-2 misses the directory move's call, then restarts.
    n2.files.finishStaged = async () => {
      throw new OwnerUnavailableError('node-2');
    };
    await cluster
      .node('node-1')
      .files.move(alice, '/i/f.bin', moveSpec('/d/f.bin', { instance: 'node-2' }));
    cluster.disconnect('node-2');
    await cluster.node('node-3').files.move(alice, '/d', moveSpec('/e'));
    cluster.reconnect('node-2');
    // What node-2 held in memory is gone; its disk and its journal remain.
    const restarted = restartedFiles(n2);
    await n2.storage.recover(restarted.recoveryIsCurrent());
    await restarted.recoverJournal();
    const got = await readFile(restarted, alice, '/e/f.bin').then(sha256, (e: Error) => e.message);
    expect(got).to.equal(sha256(BYTES));
  });

  it('should keep the newer file when the path was deleted and written twice on the target before it committed', async () => {
    // A new file there starts again at gen 1: its second write has the gen the move switched
    // to, yet names another write id than the staged bytes.
    const NEWER = Buffer.from('written on node-2 after the moved file was deleted');
    const n2 = cluster.node('node-2').files;
    await moveFileAround(async () => {
      await n2.remove(alice, '/d/f.bin');
      await writeFile(n2, alice, '/d/f.bin', 'first write of the new file');
      await writeFile(n2, alice, '/d/f.bin', NEWER);
    });
    const got = await readFile(cluster.node('node-3').files, alice, '/d/f.bin');
    expect(sha256(got)).to.equal(sha256(NEWER));
  });
});

describe("two files moving to one new path on each other's node", () => {
  const alice = caller('alice');
  const cluster = fakeClusterEach(['node-1', 'node-2'], async (c) => {
    await writeFile(c.node('node-1').files, alice, '/a/x.bin', 'from node-1');
    await writeFile(c.node('node-2').files, alice, '/b/y.bin', 'from node-2');
    await c.node('node-1').files.mkdir(alice, '/t');
  });

  it('should finish both moves, one with AlreadyExistsError and nothing lost, when both were staged before either switched', async () => {
    // Each target holds its stage until the other one has staged too: both movers then hold
    // their locks while one switch wins and each tells the other node to finish.
    let staged = 0;
    let bothStaged!: () => void;
    const barrier = new Promise<void>((resolve) => (bothStaged = resolve));
    for (const node of cluster.nodes) {
      const stage = node.files.stageFile.bind(node.files);
      node.files.stageFile = async (s, body) => {
        const done = await stage(s, body);
        if (++staged === 2) bothStaged();
        await barrier;
        return done;
      };
    }
    const outcomes = await Promise.allSettled([
      cluster
        .node('node-1')
        .files.move(alice, '/a/x.bin', moveSpec('/t/z.bin', { instance: 'node-2' })),
      cluster
        .node('node-2')
        .files.move(alice, '/b/y.bin', moveSpec('/t/z.bin', { instance: 'node-1' })),
    ]);
    const failed = outcomes.filter((o) => o.status === 'rejected');
    expect(failed.map((o) => (o as PromiseRejectedResult).reason.code)).to.deep.equal([
      'FILE_ALREADY_EXISTS',
    ]);
    // Nothing lost: the winner's bytes at the new path, the loser's where they were.
    const files = cluster.node('node-1').files;
    const kept = [];
    for (const path of ['/t/z.bin', '/a/x.bin', '/b/y.bin']) {
      kept.push(await readFile(files, alice, path).then(String, () => null));
    }
    expect(kept.filter((k) => k !== null).sort()).to.deep.equal(['from node-1', 'from node-2']);
  });
});
