// Two directory jobs at once where one tree holds the other's source or destination: node-2
// moves /x to /d/x while node-1 moves /d to /e. A `moving` directory belongs to its own job;
// carried away by the other one it would stay `moving` for ever at its new path (no job
// clears it there), and every create under it would answer 503. Node-2's job is forced
// half-way: its intent journaled and its destination created `moving`, not re-keyed yet.
import { expect } from 'chai';
import { StaleRevisionError } from '../../../src/files/errors.js';
import { subtreeRecords } from '../../../src/files/subtree-records.js';
import {
  caller,
  moveSpec,
  fakeClusterEach,
  readFile,
  rejection,
  writeFile,
} from '../../support/fakes.js';

describe('a directory move over a directory another job is moving', () => {
  const alice = caller('alice');
  const cluster = fakeClusterEach(['node-1', 'node-2'], async (c) => {
    await writeFile(c.node('node-2').files, alice, '/x/f.txt', 'f on 2');
    await writeFile(c.node('node-1').files, alice, '/d/g.txt', 'g on 1');
  });

  /** Node-2's job /x → /d/x, started: journaled, its destination created `moving`. */
  async function startNestedJob(): Promise<void> {
    const n2 = cluster.node('node-2');
    const x = (await n2.metadata.get('/x'))!;
    await n2.metadata.putJournal({
      id: 'nested-job',
      value: { type: 'move-dir', node: 'node-2', from: '/x', to: '/d/x', user: 'alice' },
    });
    await n2.metadata.create('/d/x', { ...x.inode, state: 'moving' }, {});
  }

  /** Every path still marked `moving` once both jobs are over. */
  async function leftMoving(): Promise<string[]> {
    const out: string[] = [];
    for await (const r of subtreeRecords(cluster.node('node-1').metadata, '/', 100)) {
      if (r.inode.state === 'moving') out.push(r.path);
    }
    return out;
  }

  it('should refuse with StaleRevisionError when a directory inside is being moved', async () => {
    await startNestedJob();
    const err = await rejection(cluster.node('node-1').files.move(alice, '/d', moveSpec('/e')));
    await cluster.node('node-2').files.recoverJournal();
    expect(err).to.be.instanceOf(StaleRevisionError);
    expect(await leftMoving()).to.deep.equal([]);
  });

  it('should leave no directory marked moving when the other job started after the checks', async () => {
    const n1 = cluster.node('node-1');
    const journal = n1.metadata.putJournal.bind(n1.metadata);
    // Node-1 journals its intent once its checks passed: node-2's job starts right then.
    n1.metadata.putJournal = async (entry) => {
      n1.metadata.putJournal = journal;
      await journal(entry);
      await startNestedJob();
    };
    await n1.files.move(alice, '/d', moveSpec('/e'));
    await cluster.node('node-2').files.recoverJournal();
    const moved = await readFile(n1.files, alice, '/e/g.txt');
    expect([await leftMoving(), moved.toString()]).to.deep.equal([[], 'g on 1']);
  });
});
