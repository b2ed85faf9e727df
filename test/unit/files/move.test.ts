// File moves in the files service on fakes: routed to the owner, journaled, and finished at
// start-up when a crash came between the metadata switch and the disk rename.
import { expect } from 'chai';
import { NotFoundError } from '../../../src/files/errors.js';
import {
  caller,
  moveSpec,
  fakeClusterEach,
  readFile,
  rejection,
  writeFile,
} from '../../support/fakes.js';

const spec = moveSpec;

describe('FilesService.move', () => {
  const alice = caller('alice');
  const cluster = fakeClusterEach(['node-1', 'node-2']);

  it('should run on the owner when asked on another node', async () => {
    const [n1, n2] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0]];
    await writeFile(n1.files, alice, '/m/a.txt', 'bytes');
    await n2.files.move(alice, '/m/a.txt', spec('/m/b.txt'));
    expect(await n1.storage.has('/m/b.txt')).to.equal(true);
    expect(await n2.storage.has('/m/b.txt')).to.equal(false);
  });
  it('should create the missing parents as directories of the mover on the owner when create_parents is set', async () => {
    const [n1, n2] = [cluster.node('node-1'), cluster.node('node-2')];
    await writeFile(n1.files, alice, '/m/p.txt', 'p');
    await n2.files.move(alice, '/m/p.txt', spec('/new/deep/p.txt', { create_parents: true }));
    const made = await Promise.all(['/new', '/new/deep'].map((p) => n2.metadata.get(p)));
    const seen = made.map((r) => [r?.inode.type, r?.inode.owner, r?.inode.instance_id]);
    expect(seen).to.deep.equal([
      ['directory', 'alice', 'node-1'],
      ['directory', 'alice', 'node-1'],
    ]);
    expect((await readFile(n2.files, alice, '/new/deep/p.txt')).toString()).to.equal('p');
  });
  it('should leave no journal entry when a move completes', async () => {
    const n1 = cluster.node('node-1');
    await writeFile(n1.files, alice, '/m/c.txt', 'c');
    await n1.files.move(alice, '/m/c.txt', spec('/m/d.txt'));
    expect((await n1.metadata.journal('node-1')).entries).to.deep.equal([]);
  });
  it('should finish the disk rename at start-up when a crash interrupted it', async () => {
    const n1 = cluster.node('node-1');
    await writeFile(n1.files, alice, '/m/e.txt', 'moved bytes');
    const rec = (await n1.metadata.get('/m/e.txt'))!;
    // The metadata switch and its journal entry, without the disk rename that follows.
    await n1.metadata.move(rec, '/m/f.txt', rec.inode, {
      journal: {
        id: 'j',
        value: { type: 'move-file', node: 'node-1', from: '/m/e.txt', to: '/m/f.txt' },
      },
    });
    const { finished } = await n1.files.recoverJournal();
    expect(finished).to.equal(1);
    expect((await readFile(n1.files, alice, '/m/f.txt')).toString()).to.equal('moved bytes');
  });
  it('should not move bytes of a new file at the old path when recovering', async () => {
    const n1 = cluster.node('node-1');
    await writeFile(n1.files, alice, '/m/g.txt', 'old');
    const rec = (await n1.metadata.get('/m/g.txt'))!;
    await n1.metadata.move(rec, '/m/h.txt', rec.inode, {
      journal: {
        id: 'k',
        value: { type: 'move-file', node: 'node-1', from: '/m/g.txt', to: '/m/h.txt' },
      },
    });
    await writeFile(n1.files, alice, '/m/g.txt', 'new file at the old path');
    await n1.files.recoverJournal();
    expect((await readFile(n1.files, alice, '/m/g.txt')).toString()).to.equal(
      'new file at the old path',
    );
  });
  it('should answer NotFoundError when the source is missing', async () => {
    const err = await rejection(cluster.node('node-2').files.move(alice, '/none', spec('/x')));
    expect(err).to.be.instanceOf(NotFoundError);
  });
});
