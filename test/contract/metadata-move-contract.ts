// The move and journal behaviour every Metadata implementation must show (etcd and the fake).
import { expect } from 'chai';
import {
  AlreadyExistsError,
  NotFoundError,
  ParentNotADirectoryError,
  StaleRevisionError,
} from '../../src/files/errors.js';
import {
  dirInode,
  registered,
  fileInode,
  parentsOf,
  type MetadataSubject,
  type MetadataUnderTest,
} from './metadata-contract.js';

async function failure(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a failure');
}

export function metadataMoveContract(name: string, make: () => Promise<MetadataSubject>): void {
  describe(`${name}: move and journal`, function () {
    this.timeout(20_000);
    let subject: MetadataSubject;
    let m: MetadataUnderTest;
    let id: string;

    beforeEach(async () => {
      ({ subject, m, id } = await registered(make));
    });
    afterEach(() => subject.cleanup());

    it('should move the inode when the destination is free', async () => {
      const src = await m.create('/a/f.txt', fileInode(id), parentsOf(id));
      await m.move(src, '/a/g.txt', fileInode(id), {});
      expect(await m.get('/a/f.txt')).to.equal(null);
      expect((await m.get('/a/g.txt'))?.inode.type).to.equal('file');
    });
    it('should refuse with AlreadyExistsError when the destination exists without overwrite', async () => {
      const src = await m.create('/b/f.txt', fileInode(id), parentsOf(id));
      await m.create('/b/g.txt', fileInode(id), parentsOf(id));
      expect(await failure(m.move(src, '/b/g.txt', fileInode(id), {}))).to.be.instanceOf(
        AlreadyExistsError,
      );
    });
    it('should replace the destination when overwrite names it as read', async () => {
      const src = await m.create('/c/f.txt', fileInode(id, { size: 1 }), parentsOf(id));
      const dst = await m.create('/c/g.txt', fileInode(id, { size: 2 }), parentsOf(id));
      await m.move(src, '/c/g.txt', fileInode(id, { size: 1 }), { overwrite: dst });
      expect((await m.get('/c/g.txt'))?.inode.size).to.equal(1);
    });
    it('should refuse with StaleRevisionError when the source changed since read', async () => {
      const src = await m.create('/d/f.txt', fileInode(id), parentsOf(id));
      await m.replace(src, fileInode(id, { size: 9 }));
      expect(await failure(m.move(src, '/d/g.txt', fileInode(id), {}))).to.be.instanceOf(
        StaleRevisionError,
      );
    });
    it('should refuse with NotFoundError when the parent is missing and parents are not given', async () => {
      const src = await m.create('/e/f.txt', fileInode(id), parentsOf(id));
      expect(await failure(m.move(src, '/nope/g.txt', fileInode(id), {}))).to.be.instanceOf(
        NotFoundError,
      );
    });
    it('should create missing parents when parents are given', async () => {
      const src = await m.create('/f/f.txt', fileInode(id), parentsOf(id));
      await m.move(src, '/new/deep/g.txt', fileInode(id), parentsOf(id));
      expect((await m.get('/new/deep'))?.inode.type).to.equal('directory');
    });
    it('should refuse with ParentNotADirectoryError when the parent is a file', async () => {
      const src = await m.create('/g/f.txt', fileInode(id), parentsOf(id));
      await m.create('/g/file', fileInode(id), parentsOf(id));
      expect(await failure(m.move(src, '/g/file/x', fileInode(id), {}))).to.be.instanceOf(
        ParentNotADirectoryError,
      );
    });
    it('should record and clear a journal entry when one is given', async () => {
      const src = await m.create('/h/f.txt', fileInode(id), parentsOf(id));
      const value = { type: 'move-file', node: id, from: '/h/f.txt', to: '/h/g.txt' };
      await m.move(src, '/h/g.txt', fileInode(id), { journal: { id: 'j1', value } });
      const before = (await m.journal(id)).entries;
      await m.clearJournal('j1');
      expect(before).to.deep.equal([{ id: 'j1', value }]);
      expect((await m.journal(id)).entries).to.deep.equal([]);
    });
    it('should record no journal entry when the move fails its compare', async () => {
      // An unanswered rename tells whether it applied by its journal entry (move-unanswered.ts).
      const src = await m.create('/hj/f.txt', fileInode(id), parentsOf(id));
      await m.replace(src, fileInode(id, { size: 9 }));
      const value = { type: 'move-file', node: id, from: '/hj/f.txt', to: '/hj/g.txt' };
      const moved = m.move(src, '/hj/g.txt', fileInode(id), { journal: { id: 'j3', value } });
      expect(await failure(moved)).to.be.instanceOf(StaleRevisionError);
      expect(await m.journalEntry('j3')).to.equal(null);
    });
    it('should list only the journal entries of the given node', async () => {
      const src = await m.create('/i/f.txt', fileInode(id), parentsOf(id));
      const value = { type: 'move-file', node: 'someone-else', from: '/i/f.txt', to: '/i/g' };
      await m.move(src, '/i/g', fileInode(id), { journal: { id: 'j2', value } });
      expect((await m.journal(id)).entries).to.deep.equal([]);
      await m.clearJournal('j2');
    });
    it('should re-key records under a new path when rekey is called', async () => {
      await m.create('/rk/a/f.txt', fileInode(id), parentsOf(id));
      const recs = [(await m.get('/rk/a'))!, (await m.get('/rk/a/f.txt'))!];
      const left = await m.rekey(recs, '/rk', '/rk2');
      expect(left).to.deep.equal({ stale: [], taken: [] });
      expect((await m.get('/rk2/a/f.txt'))?.inode.type).to.equal('file');
    });
    it('should leave out records that changed since read when re-keying', async () => {
      const rec = await m.create('/rs/f.txt', fileInode(id), parentsOf(id));
      await m.replace(rec, fileInode(id, { size: 7 }));
      const left = await m.rekey([rec], '/rs', '/rs2');
      expect(left.stale.map((r) => r.path)).to.deep.equal(['/rs/f.txt']);
      expect(await m.get('/rs2/f.txt')).to.equal(null);
    });
    it('should leave a record at its source when its destination key exists', async () => {
      const rec = await m.create('/rt/f.txt', fileInode(id, { size: 1 }), parentsOf(id));
      await m.create('/rt2/f.txt', fileInode(id, { size: 2 }), parentsOf(id));
      const left = await m.rekey([rec], '/rt', '/rt2');
      const after = [
        (await m.get('/rt/f.txt'))?.inode.size,
        (await m.get('/rt2/f.txt'))?.inode.size,
      ];
      expect(left.taken.map((r) => r.path)).to.deep.equal(['/rt/f.txt']);
      expect(after).to.deep.equal([1, 2]);
    });
    it('should move the free records of a batch when another record of it is taken', async () => {
      const a = await m.create('/ru/a', fileInode(id), parentsOf(id));
      const b = await m.create('/ru/b', fileInode(id), parentsOf(id));
      await m.create('/ru2/a', fileInode(id, { size: 5 }), parentsOf(id));
      const left = await m.rekey([a, b], '/ru', '/ru2');
      expect([left.taken.length, (await m.get('/ru2/b'))?.inode.type]).to.deep.equal([1, 'file']);
    });
    it('should refuse a create with StaleRevisionError when an ancestor directory is moving', async () => {
      const dir = await m.create('/mv', dirInode(id), parentsOf(id));
      await m.replace(dir, { ...dir.inode, state: 'moving' });
      expect(
        await failure(m.create('/mv/sub/f.txt', fileInode(id), parentsOf(id))),
      ).to.be.instanceOf(StaleRevisionError);
    });
    it('should refuse with NotFoundError a create without parents when the parent is missing', async () => {
      expect(await failure(m.create('/np/f.txt', fileInode(id), {}))).to.be.instanceOf(
        NotFoundError,
      );
    });
    it('should keep directories out of the way when moving next to one', async () => {
      await m.create('/k/dir', dirInode(id), parentsOf(id));
      const src = await m.create('/k/f.txt', fileInode(id), parentsOf(id));
      expect(await failure(m.move(src, '/k/dir', fileInode(id), {}))).to.be.instanceOf(
        AlreadyExistsError,
      );
    });
  });
}
