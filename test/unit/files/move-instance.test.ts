// Moving a file's bytes to another node (`instance`): staged on the target first, the
// namespace switched in one transaction, then committed there and removed here; the journal
// finishes what a crash interrupted.
import { expect } from 'chai';
import { OwnerUnavailableError } from '../../../src/files/errors.js';
import {
  caller,
  moveSpec,
  fakeClusterEach,
  readFile,
  rejection,
  sha256,
  writeFile,
} from '../../support/fakes.js';

const spec = (destination: string, instance: string) => moveSpec(destination, { instance });

describe('moving a file to another node', () => {
  const alice = caller('alice');
  const cluster = fakeClusterEach(['node-1', 'node-2', 'node-3'], async (c) => {
    await writeFile(c.node('node-1').files, alice, '/i/f.bin', 'the bytes');
  });

  it('should hand the file to the target node when instance names it', async () => {
    const info = await cluster
      .node('node-3')
      .files.move(alice, '/i/f.bin', spec('/i/f.bin', 'node-2'));
    expect(info.instance_id).to.equal('node-2');
    expect(await cluster.node('node-2').storage.has('/i/f.bin')).to.equal(true);
  });
  it('should create the missing parents as directories of the mover when create_parents is set', async () => {
    await cluster
      .node('node-3')
      .files.move(
        alice,
        '/i/f.bin',
        moveSpec('/new/f.bin', { instance: 'node-2', create_parents: true }),
      );
    const made = await cluster.node('node-3').metadata.get('/new');
    expect([made?.inode.type, made?.inode.owner, made?.inode.instance_id]).to.deep.equal([
      'directory',
      'alice',
      'node-1',
    ]);
    expect(await cluster.node('node-2').storage.has('/new/f.bin')).to.equal(true);
  });
  it('should remove the bytes from the old owner when the move is done', async () => {
    await cluster.node('node-1').files.move(alice, '/i/f.bin', spec('/i/g.bin', 'node-2'));
    expect(await cluster.node('node-1').storage.has('/i/f.bin')).to.equal(false);
  });
  it('should serve the same bytes from any node when the file moved to another node', async () => {
    await cluster.node('node-1').files.move(alice, '/i/f.bin', spec('/i/g.bin', 'node-2'));
    expect((await readFile(cluster.node('node-3').files, alice, '/i/g.bin')).toString()).to.equal(
      'the bytes',
    );
  });
  it('should answer OwnerUnavailableError and keep the file when the target is unknown', async () => {
    const err = await rejection(
      cluster.node('node-1').files.move(alice, '/i/f.bin', spec('/i/f.bin', 'node-9')),
    );
    expect(err).to.be.instanceOf(OwnerUnavailableError);
    expect(await cluster.node('node-1').storage.has('/i/f.bin')).to.equal(true);
  });
  it('should keep the file where it was when the target cannot be reached', async () => {
    cluster.disconnect('node-2');
    await rejection(
      cluster.node('node-1').files.move(alice, '/i/f.bin', spec('/i/f.bin', 'node-2')),
    );
    cluster.reconnect('node-2');
    const rec = await cluster.node('node-1').metadata.get('/i/f.bin');
    expect(rec?.inode.instance_id).to.equal('node-1');
  });
  it('should roll the staged file forward at start-up when the target stopped before it heard commit', async () => {
    const n2 = cluster.node('node-2');
    // Temp ids of the fake disks count up per node: this one's next id is not the source's.
    await writeFile(n2.files, alice, '/i/other.bin', 'other');
    // The commit never arrives (the target stops right after the switch, before the call).
    n2.files.finishStaged = async () => {
      throw new OwnerUnavailableError('node-2');
    };
    await cluster.node('node-1').files.move(alice, '/i/f.bin', spec('/i/g.bin', 'node-2'));
    await n2.storage.recover((p, gen, write) => n2.files.isCurrent(p, gen, write));
    const got = await readFile(cluster.node('node-3').files, alice, '/i/g.bin');
    expect(sha256(got)).to.equal(sha256(Buffer.from('the bytes')));
  });
  for (const to of ['/i/f.bin', '/i/g.bin']) {
    it(`should serve the bytes when a read of ${to} comes between the switch and the target's commit`, async () => {
      const n2 = cluster.node('node-2');
      const finish = n2.files.finishStaged.bind(n2.files);
      let during: Buffer | Error | undefined;
      let finished: unknown = 'not called';
      // The sender has switched the namespace to node-2; its commit has not arrived yet.
      n2.files.finishStaged = async (stageId, commit) => {
        during = await readFile(cluster.node('node-3').files, alice, to).catch((e: Error) => e);
        finished = await finish(stageId, commit).catch((e: unknown) => e);
      };
      await cluster.node('node-1').files.move(alice, '/i/f.bin', spec(to, 'node-2'));
      expect(during).to.be.instanceOf(Buffer);
      expect(sha256(during as Buffer)).to.equal(sha256(Buffer.from('the bytes')));
      // The sender's commit, arriving after the reader had the bytes placed, still succeeds.
      expect(finished).to.equal(undefined);
      expect(await n2.storage.has(to)).to.equal(true);
      expect(await cluster.node('node-1').storage.has('/i/f.bin')).to.equal(false);
    });
  }
  it('should serve the bytes when a read on the old owner started before the switch of a move to another node', async () => {
    const [n1, n2] = [cluster.node('node-1'), cluster.node('node-2')];
    const stage = n2.files.stageFile.bind(n2.files);
    let reading: Promise<Buffer | Error> | undefined;
    // The read has found the file on node-1 and waits for the move holding its path there.
    n2.files.stageFile = async (s, body) => {
      reading = readFile(n1.files, alice, '/i/f.bin').catch((e: Error) => e);
      return stage(s, body);
    };
    await n1.files.move(alice, '/i/f.bin', spec('/i/f.bin', 'node-2'));
    const got = await reading;
    expect(got).to.be.instanceOf(Buffer);
    expect(sha256(got as Buffer)).to.equal(sha256(Buffer.from('the bytes')));
  });
  it('should delete the file on its new owner when a delete on the old owner started before the switch of a move to another node', async () => {
    const [n1, n2] = [cluster.node('node-1'), cluster.node('node-2')];
    const stage = n2.files.stageFile.bind(n2.files);
    let removing: Promise<unknown> | undefined;
    // The delete has found the file on node-1 and waits for the move holding its path there.
    n2.files.stageFile = async (s, body) => {
      removing = n1.files.remove(alice, '/i/f.bin').catch((e: unknown) => e);
      return stage(s, body);
    };
    await n1.files.move(alice, '/i/f.bin', spec('/i/f.bin', 'node-2'));
    expect([await removing, await n1.metadata.get('/i/f.bin')]).to.deep.equal([undefined, null]);
  });
  const deletes: Array<[string, (c: typeof cluster) => Promise<void>]> = [
    [
      'a delete of the file and its directory through a third node',
      async (c) => {
        await c.node('node-3').files.remove(alice, '/p/f');
        await c.node('node-3').files.remove(alice, '/p');
      },
    ],
    [
      'a recursive delete of its directory on the target',
      (c) => c.node('node-2').files.remove(alice, '/p', { recursive: true }),
    ],
  ];
  for (const [how, remove] of deletes) {
    it(`should serve a directory's file moved to the path when ${how} came between the switch and the target's commit`, async () => {
      const [n1, n2, n3] = [cluster.node('node-1'), cluster.node('node-2'), cluster.node('node-3')];
      await writeFile(n2.files, alice, '/c/f', 'the new bytes');
      const finish = n2.files.finishStaged.bind(n2.files);
      // The sender has switched the namespace to node-2; the file goes before its commit.
      n2.files.finishStaged = async (stageId, commit) => {
        await remove(cluster);
        return finish(stageId, commit);
      };
      await n1.files.move(
        alice,
        '/i/f.bin',
        moveSpec('/p/f', { instance: 'node-2', create_parents: true }),
      );
      await n3.files.move(alice, '/c', moveSpec('/p'));
      const got = await readFile(n3.files, alice, '/p/f');
      expect(sha256(got)).to.equal(sha256(Buffer.from('the new bytes')));
      expect([...n2.storage.lostAndFound.keys()]).to.deep.equal([]);
    });
  }
  it('should drop the old copy at start-up when a crash came after the switch', async () => {
    const n1 = cluster.node('node-1');
    const rec = (await n1.metadata.get('/i/f.bin'))!;
    await n1.metadata.putJournal({
      id: 'out',
      value: { type: 'move-file-out', node: 'node-1', from: '/i/f.bin' },
    });
    await n1.metadata.replace(rec, { ...rec.inode, instance_id: 'node-2', gen: rec.inode.gen + 1 });
    await n1.files.recoverJournal();
    expect(await n1.storage.has('/i/f.bin')).to.equal(false);
  });
});
