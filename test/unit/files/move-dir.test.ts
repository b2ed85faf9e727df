// Directory moves on fakes: the subtree re-keyed in the namespace, each owner's bytes renamed
// on its own disk, and the journal finishing what a crash or a down node left.
import { expect } from 'chai';
import {
  AlreadyExistsError,
  BadRequestError,
  OwnerUnavailableError,
  PermissionDeniedError,
  StaleRevisionError,
} from '../../../src/files/errors.js';
import {
  caller,
  moveSpec,
  fakeCluster,
  fakeClusterEach,
  readFile,
  rejection,
  restartedFiles,
  writeFile,
} from '../../support/fakes.js';
import type { QuarantinedEntry } from '../../../src/files/ports.js';

const spec = moveSpec;

describe('directory moves', () => {
  const alice = caller('alice');
  const cluster = fakeClusterEach(['node-1', 'node-2'], async (c) => {
    const [n1, n2] = [c.node('node-1'), c.node('node-2')];
    await writeFile(n1.files, alice, '/d/a.txt', 'a on 1');
    await writeFile(n2.files, alice, '/d/sub/b.txt', 'b on 2');
    await n1.files.mkdir(alice, '/d/empty');
  });

  it('should serve every file under the new path when a directory is moved', async () => {
    const n2 = cluster.node('node-2');
    await n2.files.move(alice, '/d', spec('/e'));
    const got = [
      (await readFile(n2.files, alice, '/e/a.txt')).toString(),
      (await readFile(n2.files, alice, '/e/sub/b.txt')).toString(),
    ];
    expect(got).to.deep.equal(['a on 1', 'b on 2']);
  });
  it('should rename the bytes on each owner disk when a directory is moved', async () => {
    await cluster.node('node-1').files.move(alice, '/d', spec('/e'));
    expect(await cluster.node('node-1').storage.has('/e/a.txt')).to.equal(true);
    expect(await cluster.node('node-2').storage.has('/e/sub/b.txt')).to.equal(true);
  });
  it('should remove the source directory and keep empty subdirectories when moved', async () => {
    const n1 = cluster.node('node-1');
    await n1.files.move(alice, '/d', spec('/e'));
    expect(await n1.metadata.get('/d')).to.equal(null);
    expect((await n1.metadata.get('/e/empty'))?.inode.type).to.equal('directory');
  });
  it('should refuse with AlreadyExistsError when the destination exists', async () => {
    const n1 = cluster.node('node-1');
    await n1.files.mkdir(alice, '/taken');
    expect(await rejection(n1.files.move(alice, '/d', spec('/taken')))).to.be.instanceOf(
      AlreadyExistsError,
    );
  });
  it('should refuse with BadRequestError when moving a directory into itself', async () => {
    const err = await rejection(cluster.node('node-1').files.move(alice, '/d', spec('/d/inner')));
    expect(err).to.be.instanceOf(BadRequestError);
  });
  it('should let a node that was down rename its disk at start-up from its journal entry', async () => {
    cluster.disconnect('node-2');
    await cluster.node('node-1').files.move(alice, '/d', spec('/e'));
    const before = await cluster.node('node-2').storage.has('/e/sub/b.txt');
    cluster.reconnect('node-2');
    await cluster.node('node-2').files.recoverJournal();
    expect(before).to.equal(false);
    expect(await cluster.node('node-2').storage.has('/e/sub/b.txt')).to.equal(true);
  });
  it('should have a live owner rename its disk before the move answers when its first ApplyMove call failed', async () => {
    const n2 = cluster.node('node-2');
    const apply = n2.files.applyMove.bind(n2.files);
    // The call never reached node-2 (a reset connection): node-2 runs on, and has no restart
    // coming that would run its journal entry.
    n2.files.applyMove = async () => {
      n2.files.applyMove = apply;
      throw new OwnerUnavailableError('node-2');
    };
    await cluster.node('node-1').files.move(alice, '/d', spec('/e'));
    expect((await readFile(n2.files, alice, '/e/sub/b.txt')).toString()).to.equal('b on 2');
  });
  it('should have a live owner rename its disk in its sweep when no ApplyMove call reached it', async () => {
    const n2 = cluster.node('node-2');
    cluster.disconnect('node-2');
    await cluster.node('node-1').files.move(alice, '/d', spec('/e'));
    cluster.reconnect('node-2');
    await n2.files.sweepDiskSteps();
    expect((await readFile(n2.files, alice, '/e/sub/b.txt')).toString()).to.equal('b on 2');
  });
  it('should try a disk step that fails for good once per process when the sweep runs again', async () => {
    const n2 = cluster.node('node-2');
    cluster.disconnect('node-2');
    await cluster.node('node-1').files.move(alice, '/d', spec('/e'));
    cluster.reconnect('node-2');
    let renames = 0;
    n2.storage.rename = async () => {
      renames += 1;
      throw new Error('EACCES: the disk refuses');
    };
    await n2.files.sweepDiskSteps();
    await n2.files.sweepDiskSteps();
    expect(renames).to.equal(1);
  });
  it('should move the file at a later sweep when a sweep saw its rename fail with EMFILE', async () => {
    const n2 = cluster.node('node-2');
    cluster.disconnect('node-2');
    await cluster.node('node-1').files.move(alice, '/d', spec('/e'));
    cluster.reconnect('node-2');
    const rename = n2.storage.rename.bind(n2.storage);
    let failures = 0;
    n2.storage.rename = async (from, to) => {
      if (failures++ === 0) throw Object.assign(new Error('EMFILE: try again'), { code: 'EMFILE' });
      return rename(from, to);
    };
    await n2.files.sweepDiskSteps();
    await n2.files.sweepDiskSteps();
    expect((await readFile(n2.files, alice, '/e/sub/b.txt')).toString()).to.equal('b on 2');
  });
  it('should move the file at a sweep after start-up when start-up saw its rename fail with EIO', async () => {
    const n2 = cluster.node('node-2');
    cluster.disconnect('node-2');
    await cluster.node('node-1').files.move(alice, '/d', spec('/e'));
    cluster.reconnect('node-2');
    const rename = n2.storage.rename.bind(n2.storage);
    let failures = 0;
    n2.storage.rename = async (from, to) => {
      if (failures++ === 0) throw Object.assign(new Error('EIO: try again'), { code: 'EIO' });
      return rename(from, to);
    };
    const restarted = restartedFiles(n2);
    await restarted.recoverJournal();
    await restarted.sweepDiskSteps();
    expect((await readFile(restarted, alice, '/e/sub/b.txt')).toString()).to.equal('b on 2');
  });
  it('should answer a repeated ApplyMove call with the running step when the first one still runs', async () => {
    const n2 = cluster.node('node-2');
    cluster.disconnect('node-2');
    await cluster.node('node-1').files.move(alice, '/d', spec('/e'));
    cluster.reconnect('node-2');
    const [entry] = (await n2.metadata.journal('node-2')).entries;
    // A coordinator asks again when its first call was cut, which the owner may still run.
    const renamed = await Promise.all([
      n2.files.applyMove(entry!.id, '/d', '/e'),
      n2.files.applyMove(entry!.id, '/d', '/e'),
    ]);
    expect(renamed).to.deep.equal([1, 1]);
  });
  it('should finish a move at start-up when the coordinator stopped after journaling it', async () => {
    const n1 = cluster.node('node-1');
    await n1.metadata.putJournal({
      id: 'job',
      value: { type: 'move-dir', node: 'node-1', from: '/d', to: '/f', user: 'alice' },
    });
    await n1.files.recoverJournal();
    expect((await readFile(n1.files, alice, '/f/sub/b.txt')).toString()).to.equal('b on 2');
  });
  it('should leave a directory move waiting and finish it from that list when the node serves later', async () => {
    const n1 = cluster.node('node-1');
    await n1.metadata.putJournal({
      id: 'job',
      value: { type: 'move-dir', node: 'node-1', from: '/d', to: '/f', user: 'alice' },
    });
    n1.metadata.setServing(false);
    const first = await n1.files.recoverJournal();
    n1.metadata.setServing(true);
    const second = await n1.files.recoverJournal(first.waiting);
    expect(first.waiting.map((e) => e.id)).to.deep.equal(['job']);
    expect(second.finished).to.equal(1);
    expect((await readFile(n1.files, alice, '/f/sub/b.txt')).toString()).to.equal('b on 2');
  });
  it('should read the journal once when start-up recovery finishes a file move and a directory move', async () => {
    const n1 = cluster.node('node-1');
    const rec = (await n1.metadata.get('/d/a.txt'))!;
    // A file move switched in the namespace whose disk rename a crash interrupted.
    await n1.metadata.move(rec, '/d/moved.txt', rec.inode, {
      journal: {
        id: 'file-job',
        value: { type: 'move-file', node: 'node-1', from: '/d/a.txt', to: '/d/moved.txt' },
      },
    });
    await n1.metadata.putJournal({
      id: 'dir-job',
      value: { type: 'move-dir', node: 'node-1', from: '/d', to: '/f', user: 'alice' },
    });
    let reads = 0;
    const read = n1.metadata.journal.bind(n1.metadata);
    n1.metadata.journal = (node) => {
      reads += 1;
      return read(node);
    };
    const { finished } = await n1.files.recoverJournal();
    expect([finished, reads]).to.deep.equal([2, 1]);
  });

  it('should move the other files and set the failing one aside when one rename of the disk step fails', async () => {
    const setAside: QuarantinedEntry[] = [];
    const c = await fakeCluster(['node-1'], { onSetAside: (_node, e) => setAside.push(e) });
    try {
      const n1 = c.node('node-1');
      await writeFile(n1.files, alice, '/s/a.txt', 'refused');
      // More than one page of the step (500), so files remain unread when the first one fails.
      const names = Array.from({ length: 520 }, (_, i) => `/f${String(i).padStart(3, '0')}`);
      for (const name of names) await writeFile(n1.files, alice, `/s${name}`, name);
      const rename = n1.storage.rename.bind(n1.storage);
      n1.storage.rename = async (from, to) => {
        if (from === '/s/a.txt') {
          throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
        }
        return rename(from, to);
      };
      await n1.files.move(alice, '/s', spec('/t'));
      for (const name of names) expect(await n1.storage.has(`/t${name}`), name).to.equal(true);
      // Kept for an operator, out of the way of a new file at the released source path.
      expect(await n1.storage.has('/s/a.txt')).to.equal(false);
      expect([...n1.storage.lostAndFound.keys()]).to.deep.equal(['lost+found/s/a.txt']);
      expect(setAside.map((e) => [e.kind, e.path])).to.deep.equal([['move-dir-file', '/t/a.txt']]);
      expect(setAside[0]!.reason).to.contain('EACCES');
      expect((await n1.metadata.journal('node-1')).entries).to.deep.equal([]);
    } finally {
      await c.close();
    }
  });
  for (const code of ['EMFILE', 'ENOSPC', 'EIO', 'EBUSY']) {
    it(`should keep the file and move it at the next sweep when its rename fails with ${code}`, async () => {
      const setAside: QuarantinedEntry[] = [];
      const c = await fakeCluster(['node-1'], { onSetAside: (_node, e) => setAside.push(e) });
      try {
        const n1 = c.node('node-1');
        await writeFile(n1.files, alice, '/s/a.txt', 'kept');
        await writeFile(n1.files, alice, '/s/b.txt', 'other');
        const rename = n1.storage.rename.bind(n1.storage);
        let failures = 0;
        n1.storage.rename = async (from, to) => {
          // The disk away for a moment, not refusing this file for good.
          if (from === '/s/a.txt' && failures++ === 0) {
            throw Object.assign(new Error(`${code}: try again`), { code });
          }
          return rename(from, to);
        };
        await n1.files.move(alice, '/s', spec('/t'));
        await n1.files.sweepDiskSteps();
        expect([
          (await readFile(n1.files, alice, '/t/a.txt')).toString(),
          [...n1.storage.lostAndFound.keys()],
          setAside,
        ]).to.deep.equal(['kept', [], []]);
      } finally {
        await c.close();
      }
    });
  }
  it('should refuse with PermissionDeniedError and move nothing when the tree holds another user file', async () => {
    const n1 = cluster.node('node-1');
    await writeFile(n1.files, caller('bob'), '/d/bob.txt', 'bob');
    const err = await rejection(n1.files.move(alice, '/d', spec('/e')));
    expect([err instanceof PermissionDeniedError, await n1.metadata.get('/e')]).to.deep.equal([
      true,
      null,
    ]);
  });
  it('should let an admin move a tree holding files of several users', async () => {
    const n1 = cluster.node('node-1');
    await writeFile(n1.files, caller('bob'), '/d/bob.txt', 'bob');
    await n1.files.move(caller('root'), '/d', spec('/e'));
    expect((await readFile(n1.files, alice, '/e/bob.txt')).toString()).to.equal('bob');
  });
  it('should refuse a create with StaleRevisionError when its directory is being moved', async () => {
    const n1 = cluster.node('node-1');
    const dir = (await n1.metadata.get('/d'))!;
    await n1.metadata.replace(dir, { ...dir.inode, state: 'moving' });
    const err = await rejection(writeFile(n1.files, alice, '/d/sub/new.txt', 'new'));
    expect(err).to.be.instanceOf(StaleRevisionError);
  });
  it('should fail a replace with StaleRevisionError and not re-create the old path when its directory moved meanwhile', async () => {
    const n1 = cluster.node('node-1');
    const session = await n1.files.openWrite(alice, {
      path: '/d/a.txt',
      write_mode: 'WRITE_MODE_UNSPECIFIED',
      expected_size: 3,
    } as never);
    await n1.files.move(alice, '/d', spec('/e'));
    const err = await rejection(
      session.write(
        (async function* () {
          yield Buffer.from('new');
        })(),
      ),
    );
    expect([err instanceof StaleRevisionError, await n1.metadata.get('/d')]).to.deep.equal([
      true,
      null,
    ]);
  });
});
