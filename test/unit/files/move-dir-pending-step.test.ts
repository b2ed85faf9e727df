// A directory move whose disk step on one owner is still pending: the owner is alive but the
// coordinator's ApplyMove calls did not reach it, so it runs the step later, from its own
// sweep. Bytes on a disk are known only by their path: until that step has run, nothing may use
// the source path again, or a new file there would land on (or under) bytes not moved yet.
import { expect } from 'chai';
import { HTTP_STATUS } from '../../../src/edge/error-map.js';
import type { CallfsError } from '../../../src/files/errors.js';
import {
  caller,
  fakeClusterEach,
  moveSpec,
  readFile,
  restartedFiles,
  sha256,
  writeFile,
} from '../../support/fakes.js';

/** The HTTP status and error code a call would answer, or 'ok'. */
async function outcome(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return 'ok';
  } catch (err) {
    const code = (err as CallfsError).code;
    return `${HTTP_STATUS[code] ?? '?'} ${code}`;
  }
}

describe('directory moves waiting for a disk step', () => {
  const alice = caller('alice');
  const cluster = fakeClusterEach(['node-1', 'node-2'], async (c) => {
    await writeFile(c.node('node-2').files, alice, '/p/f', 'the p bytes');
  });

  /** Moves /p to /z from node-1 while node-2, which owns /p/f, is out of its reach. */
  async function moveWithoutNode2(): Promise<void> {
    cluster.disconnect('node-2');
    await cluster.node('node-1').files.move(alice, '/p', moveSpec('/z'));
    cluster.reconnect('node-2');
  }

  /** What /z/f and /p/f serve: the SHA-256 of their bytes, or the error. */
  async function served(): Promise<string[]> {
    const n1 = cluster.node('node-1');
    return Promise.all(
      ['/z/f', '/p/f'].map((p) =>
        readFile(n1.files, alice, p).then(sha256, (e: CallfsError) => e.code),
      ),
    );
  }

  it('should refuse a create at the source with 503 and keep the moved bytes when an owner has not done its disk step', async () => {
    const n2 = cluster.node('node-2');
    await moveWithoutNode2();
    const create = await outcome(writeFile(n2.files, alice, '/p/f', 'the new bytes'));
    await n2.files.sweepDiskSteps();
    expect([create, ...(await served())]).to.deep.equal([
      '503 STALE_REVISION',
      sha256('the p bytes'),
      'FILE_NOT_FOUND',
    ]);
  });

  it('should refuse a directory move into the source with 503 and keep the moved bytes when an owner has not done its disk step', async () => {
    const [n1, n2] = [cluster.node('node-1'), cluster.node('node-2')];
    await writeFile(n2.files, alice, '/c/f', 'the c bytes');
    await moveWithoutNode2();
    const moveIn = await outcome(n1.files.move(alice, '/c', moveSpec('/p')));
    await n2.files.sweepDiskSteps();
    expect([moveIn, ...(await served())]).to.deep.equal([
      '503 STALE_REVISION',
      sha256('the p bytes'),
      'FILE_NOT_FOUND',
    ]);
  });

  for (const recursive of [false, true]) {
    it(`should refuse to delete the source with 503 and keep the moved bytes when an owner has not done its disk step (recursive: ${recursive})`, async () => {
      const [n1, n2] = [cluster.node('node-1'), cluster.node('node-2')];
      await moveWithoutNode2();
      const removed = await outcome(n1.files.remove(alice, '/p', { recursive }));
      const create = await outcome(writeFile(n2.files, alice, '/p/f', 'the new bytes'));
      await n2.files.sweepDiskSteps();
      expect([removed, create, ...(await served())]).to.deep.equal([
        '503 STALE_REVISION',
        '503 STALE_REVISION',
        sha256('the p bytes'),
        'FILE_NOT_FOUND',
      ]);
    });
  }

  it('should release the source and clear the job when the pending disk step has run', async () => {
    const [n1, n2] = [cluster.node('node-1'), cluster.node('node-2')];
    await moveWithoutNode2();
    const before = (await n1.metadata.get('/p'))?.inode.state;
    // A check while node-2 is still out of reach: the move waits.
    cluster.disconnect('node-2');
    await n1.files.sweepWaitingMoves();
    const waiting = n1.files.waitingMovesCount();
    cluster.reconnect('node-2');
    await n2.files.sweepDiskSteps();
    await n1.files.sweepWaitingMoves();
    const after = {
      waiting,
      waitingAfter: n1.files.waitingMovesCount(),
      source: await n1.metadata.get('/p'),
      destination: (await n1.metadata.get('/z'))?.inode.state,
      journal: (await n1.metadata.journal('node-1')).entries.length,
      disk: (await n2.metadata.journal('node-2')).entries.length,
    };
    // The source path is free again, and a file created there is a new one.
    const create = await outcome(writeFile(n2.files, alice, '/p/f', 'the new bytes'));
    expect({ before, ...after, create, served: await served() }).to.deep.equal({
      before: 'moving',
      waiting: 1,
      waitingAfter: 0,
      source: null,
      destination: 'ready',
      journal: 0,
      disk: 0,
      create: 'ok',
      served: [sha256('the p bytes'), sha256('the new bytes')],
    });
  });

  it('should finish the move at the next run when the coordinator restarted while the step was pending', async () => {
    const [n1, n2] = [cluster.node('node-1'), cluster.node('node-2')];
    await moveWithoutNode2();
    // The restarted coordinator reaches no other node: the step is still pending at start-up.
    const restarted = restartedFiles(n1);
    const recovered = await restarted.recoverJournal();
    await n2.files.sweepDiskSteps();
    const resumed = await restarted.resumeWaiting(recovered.waiting);
    expect({
      waiting: recovered.waiting.length,
      finished: resumed.finished,
      source: await n1.metadata.get('/p'),
      served: (await served())[0],
    }).to.deep.equal({ waiting: 1, finished: 1, source: null, served: sha256('the p bytes') });
  });

  it("should keep a newer move's moving mark and its unmoved bytes when an older job that had marked its destination ready runs again", async () => {
    const [n1, n2] = [cluster.node('node-1'), cluster.node('node-2')];
    await moveWithoutNode2();
    await n2.files.sweepDiskSteps();
    // The coordinator of /p -> /z marked /z ready and stopped before clearing its job.
    const z = await n1.metadata.get('/z');
    await n1.metadata.replace(z!, { ...z!.inode, state: 'ready' });
    // A newer move of /z, whose disk step on node-2 is pending: /z/f's bytes are still there.
    cluster.disconnect('node-2');
    await n1.files.move(alice, '/z', moveSpec('/q'));
    // The older job runs again (its disk steps are all done) while node-2 is still out of reach.
    await n1.files.sweepWaitingMoves();
    const state = (await n1.metadata.get('/z'))?.inode.state;
    const create = await outcome(writeFile(n2.files, alice, '/z/f', 'the new bytes'));
    cluster.reconnect('node-2');
    await n2.files.sweepDiskSteps();
    await n1.files.sweepWaitingMoves();
    const q = await readFile(n1.files, alice, '/q/f').then(sha256, (e: CallfsError) => e.code);
    expect({ state, create, q, waiting: n1.files.waitingMovesCount() }).to.deep.equal({
      state: 'moving',
      create: '503 STALE_REVISION',
      q: sha256('the p bytes'),
      waiting: 0,
    });
  });
});
