// Adoption on fakes: the directory move of a node gone for good is taken over by a live node
// after the grace period and finished; a second adopter, a node still alive, and the old node
// coming back under its instance id never run it as well.
import { expect } from 'chai';
import { JournalAdoption } from '../../../src/files/journal-adoption.js';
import type { InodeRecord, JournalEntry } from '../../../src/files/ports.js';
import { NodeNotServingError } from '../../../src/files/errors.js';
import {
  caller,
  fakeCluster,
  moveSpec,
  readFile,
  rejection,
  writeFile,
  type FakeCluster,
} from '../../support/fakes.js';

const GRACE = 60_000;
const JOB: JournalEntry = {
  id: 'job',
  value: { type: 'move-dir', node: 'node-3', from: '/d', to: '/e', user: 'alice' },
};

describe('journal adoption', () => {
  let cluster: FakeCluster;
  const alice = caller('alice');
  let clock: number;
  let runs: Record<string, number>;

  /** The adoption of one fake node, its clock and its runs counted by the test. */
  function adopter(id: string, run?: (entry: JournalEntry) => Promise<boolean>): JournalAdoption {
    const node = cluster.node(id);
    return new JournalAdoption({
      instanceId: id,
      metadata: node.metadata,
      membership: node.metadata,
      graceMs: GRACE,
      now: () => clock,
      run: async (entry) => {
        runs[id] = (runs[id] ?? 0) + 1;
        if (run) return run(entry);
        return (await node.files.recoverJournal([entry])).waiting.length === 0;
      },
    });
  }

  async function movingDirectories(): Promise<string[]> {
    const page = await cluster.node('node-1').metadata.scanSubtree('/', { limit: 1000 });
    return page.records.filter((r: InodeRecord) => r.inode.state === 'moving').map((r) => r.path);
  }

  beforeEach(async () => {
    cluster = await fakeCluster(['node-1', 'node-2', 'node-3']);
    clock = 1_000_000;
    runs = {};
    const [n1, n2, n3] = ['node-1', 'node-2', 'node-3'].map((id) => cluster.node(id));
    await writeFile(n1!.files, alice, '/d/a.txt', 'a on 1');
    await writeFile(n2!.files, alice, '/d/sub/b.txt', 'b on 2');
    // node-3 journaled a move of /d and marked it, then its machine went away for good.
    await n3!.metadata.putJournal(JOB);
    const d = (await n3!.metadata.get('/d'))!;
    await n3!.metadata.replace(d, { ...d.inode, state: 'moving' });
    await n3!.metadata.deregister();
  });
  afterEach(async () => {
    await cluster.close();
  });

  it('should finish the move of a gone node when the lowest live node adopts it after the grace period', async () => {
    const a = adopter('node-1');
    await a.sweep();
    clock += GRACE;
    await a.sweep();
    const n2 = cluster.node('node-2');
    expect(await movingDirectories()).to.deep.equal([]);
    expect((await readFile(n2.files, alice, '/e/a.txt')).toString()).to.equal('a on 1');
    expect((await readFile(n2.files, alice, '/e/sub/b.txt')).toString()).to.equal('b on 2');
  });

  it('should finish an adopted move at a later pass when an owner it could not reach has run its disk step', async () => {
    const [n1, n2] = [cluster.node('node-1'), cluster.node('node-2')];
    const a = adopter('node-1');
    await a.sweep();
    clock += GRACE;
    cluster.disconnect('node-2');
    await a.sweep();
    const waiting = await movingDirectories();
    cluster.reconnect('node-2');
    await n2.files.sweepDiskSteps();
    await a.sweep();
    expect({
      waiting,
      moving: await movingDirectories(),
      journal: (await n1.metadata.journal('node-1')).entries.map((e) => e.value.type),
      b: (await readFile(n1.files, alice, '/e/sub/b.txt')).toString(),
    }).to.deep.equal({ waiting: ['/d', '/e'], moving: [], journal: [], b: 'b on 2' });
  });

  it('should leave the job alone when the grace period has not passed', async () => {
    const a = adopter('node-1');
    await a.sweep();
    clock += GRACE - 1;
    await a.sweep();
    expect([
      runs['node-1'],
      (await cluster.node('node-1').metadata.journal('node-3')).entries,
    ]).to.deep.equal([undefined, [JOB]]);
  });

  it('should let the next live node wait one more grace period when the lowest could adopt', async () => {
    const b = adopter('node-2');
    await b.sweep();
    clock += GRACE;
    await b.sweep();
    expect(runs['node-2']).to.equal(undefined);
  });

  it('should do nothing when a second adopter read the job before the first took it', async () => {
    const [a, b] = [adopter('node-1'), adopter('node-2')];
    const n2 = cluster.node('node-2');
    const stale = await n2.metadata.orphanedJournal();
    await Promise.all([a.sweep(), b.sweep()]);
    clock += 2 * GRACE;
    await a.sweep();
    // node-2 acts on what it read before node-1 adopted and finished the job.
    n2.metadata.orphanedJournal = async () => stale;
    await b.sweep();
    expect([runs['node-1'], runs['node-2'], await movingDirectories()]).to.deep.equal([
      1,
      undefined,
      [],
    ]);
  });

  it('should never adopt the job of a node that is still a member', async () => {
    const n2 = cluster.node('node-2');
    await n2.metadata.putJournal({ id: 'live-job', value: { ...JOB.value, node: 'node-2' } });
    const a = adopter('node-1');
    await a.sweep();
    clock += 10 * GRACE;
    await a.sweep();
    const left = (await n2.metadata.journal('node-2')).entries.map((e) => e.id);
    expect(left).to.deep.equal(['live-job']);
  });

  it('should not run the job when the old node comes back after it was adopted', async () => {
    const n3 = cluster.node('node-3');
    // Start-up of node-3 under its old id reads its journal before it registers...
    const { waiting } = await n3.files.recoverJournal();
    // ...node-1 adopts the job meanwhile (and has not run it to its end yet)...
    const a = adopter('node-1', async () => false);
    await a.sweep();
    clock += GRACE;
    await a.sweep();
    // ...and node-3 registers and resumes what it had left waiting.
    await n3.metadata.register(n3.record);
    const resumed = await n3.files.resumeWaiting(waiting);
    expect([waiting.length, resumed.finished, await movingDirectories()]).to.deep.equal([
      1,
      0,
      ['/d'],
    ]);
  });

  it('should stop a job whose entry was adopted while its node ran the disk steps', async () => {
    const [n1, n2] = [cluster.node('node-1'), cluster.node('node-2')];
    await writeFile(n2.files, alice, '/x/f.txt', 'f on 2');
    const apply = n2.files.applyMove.bind(n2.files);
    // node-1's lease lapsed for longer than the grace period during this step and node-2
    // adopted the job; node-1 came back and carries on.
    n2.files.applyMove = async (journalId, from, to) => {
      const [job] = (await n1.metadata.journal('node-1')).entries;
      await n1.metadata.putJournal({ id: job!.id, value: { ...job!.value, node: 'node-2' } });
      return apply(journalId, from, to);
    };
    const err = await rejection(n1.files.move(alice, '/x', moveSpec('/y')));
    const left = (await n2.metadata.journal('node-2')).entries.filter(
      (e) => e.value.type === 'move-dir',
    );
    expect([err instanceof NodeNotServingError, left.length]).to.deep.equal([true, 1]);
  });

  it('should leave the adopter’s entry when the old node stalled past the grace period after its last ownership check', async () => {
    const [n1, n2] = [cluster.node('node-1'), cluster.node('node-2')];
    await writeFile(n2.files, alice, '/x/f.txt', 'f on 2');
    const read = n1.metadata.journalEntry.bind(n1.metadata);
    // node-1 checks the job is still its own, then stalls; node-2 adopts the job meanwhile.
    n1.metadata.journalEntry = async (id) => {
      const entry = await read(id);
      if (entry?.value.node === 'node-1') {
        await n2.metadata.putJournal({ id, value: { ...entry.value, node: 'node-2' } });
      }
      return entry;
    };
    await n1.files.move(alice, '/x', moveSpec('/y'));
    const left = (await n2.metadata.journal('node-2')).entries.filter(
      (e) => e.value.type === 'move-dir',
    );
    expect(left.map((e) => e.value.from)).to.deep.equal(['/x']);
  });

  it('should not take back an adopted entry when its old node sets aside what it read before', async () => {
    const [n1, n2] = [cluster.node('node-1'), cluster.node('node-2')];
    const entry: JournalEntry = {
      id: 'bad',
      value: { type: 'move-dir', node: 'node-1', from: '/p', to: '/q' },
    };
    await n1.metadata.putJournal(entry);
    const read = (await n1.metadata.journal('node-1')).entries;
    await n2.metadata.putJournal({ id: 'bad', value: { ...entry.value, node: 'node-2' } });
    await n1.files.recoverJournal(read);
    expect((await n2.metadata.journalEntry('bad'))?.value).to.deep.equal({
      ...entry.value,
      node: 'node-2',
    });
  });

  it('should report once each entry a gone node left that no node takes over when the grace period passed', async () => {
    const left: JournalEntry = {
      id: 'rename',
      value: { type: 'move-file', node: 'node-3', from: '/d/x', to: '/d/y' },
    };
    await cluster.node('node-1').metadata.putJournal(left);
    const heard: string[] = [];
    const node = cluster.node('node-1');
    const a = new JournalAdoption({
      instanceId: 'node-1',
      metadata: node.metadata,
      membership: node.metadata,
      graceMs: GRACE,
      now: () => clock,
      run: async (entry) => (await node.files.recoverJournal([entry])).waiting.length === 0,
      onLeftBehind: (entry) => heard.push(entry.id),
    });
    await a.sweep();
    const before = [...heard];
    clock += GRACE;
    await a.sweep();
    await a.sweep();
    expect([before, heard, a.leftBehindEntries()]).to.deep.equal([[], ['rename'], [left]]);
  });

  it('should run the adopted job again at the next sweep when its first run could not finish', async () => {
    let first = true;
    const a = adopter('node-1', async (entry) => {
      if (first) {
        first = false;
        return false;
      }
      return (await cluster.node('node-1').files.recoverJournal([entry])).waiting.length === 0;
    });
    await a.sweep();
    clock += GRACE;
    await a.sweep();
    await a.sweep();
    expect([runs['node-1'], await movingDirectories()]).to.deep.equal([2, []]);
  });
});
