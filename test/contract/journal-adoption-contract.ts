// The adoption of a gone node's journal entries that every Metadata implementation must show
// (etcd and the fake): only entries of nodes without a membership record are offered, and an
// entry changes hands once, only while it is unchanged and its node is still gone.
import { expect } from 'chai';
import { NodeNotServingError } from '../../src/files/errors.js';
import type { JournalEntry } from '../../src/files/ports.js';
import { rejection } from '../support/checks.js';
import {
  nodeRecord,
  registered,
  type MetadataSubject,
  type MetadataUnderTest,
} from './metadata-contract.js';

export function journalAdoptionContract(name: string, make: () => Promise<MetadataSubject>): void {
  describe(`${name}: journal adoption`, function () {
    this.timeout(20_000);
    let subject: MetadataSubject;
    let m: MetadataUnderTest;
    let id: string;
    const job = (node: string, n = 1): JournalEntry => ({
      id: `job-${node}-${n}`,
      value: { type: 'move-dir', node, from: `/a${n}`, to: `/b${n}`, user: 'alice' },
    });

    beforeEach(async () => {
      ({ subject, m, id } = await registered(make));
    });
    afterEach(() => subject.cleanup());

    it('should offer only the entries of nodes without a membership record when read', async () => {
      await m.putJournal(job('gone', 1));
      await m.putJournal(job(id, 2));
      await m.putJournal(job('gone', 3));
      const orphans = await m.orphanedJournal();
      expect(orphans).to.deep.equal([job('gone', 1), job('gone', 3)]);
    });

    it('should read one entry by id whichever node it names, null once cleared', async () => {
      await m.putJournal(job('gone'));
      const read = await m.journalEntry('job-gone-1');
      await m.clearJournal('job-gone-1');
      expect([read, await m.journalEntry('job-gone-1')]).to.deep.equal([job('gone'), null]);
    });

    it('should make the entry this node’s when it is adopted', async () => {
      await m.putJournal(job('gone'));
      const [orphan] = await m.orphanedJournal();
      const adopted = await m.adoptJournal(orphan!);
      expect(adopted?.value).to.include({ node: id, adopted_from: 'gone', from: '/a1' });
      expect((await m.journal(id)).entries).to.deep.equal([adopted]);
    });

    it('should hide the entry from its old node when that node registers again after adoption', async () => {
      await m.putJournal(job('gone'));
      await m.adoptJournal((await m.orphanedJournal())[0]!);
      const back = await subject.peer('gone');
      await back.register(nodeRecord('gone'));
      expect((await back.journal('gone')).entries).to.deep.equal([]);
    });

    it('should let exactly one adopt when two nodes adopt the same entry at once', async () => {
      const other = await subject.peer('node-b');
      await other.register(nodeRecord('node-b'));
      await m.putJournal(job('gone'));
      const [orphan] = await m.orphanedJournal();
      const results = await Promise.all([m.adoptJournal(orphan!), other.adoptJournal(orphan!)]);
      expect(results.filter((r) => r !== null)).to.have.length(1);
    });

    it('should not adopt when the entry’s node registered again since it was read', async () => {
      await m.putJournal(job('gone'));
      const [orphan] = await m.orphanedJournal();
      const back = await subject.peer('gone');
      await back.register(nodeRecord('gone'));
      expect(await m.adoptJournal(orphan!)).to.equal(null);
      expect((await back.journal('gone')).entries).to.deep.equal([job('gone')]);
    });

    it('should not adopt when the entry changed since it was read', async () => {
      await m.putJournal(job('gone'));
      const [orphan] = await m.orphanedJournal();
      await m.putJournal({ id: orphan!.id, value: { ...orphan!.value, set_aside: 'why' } });
      expect(await m.adoptJournal(orphan!)).to.equal(null);
    });

    it('should not adopt when the entry was cleared since it was read', async () => {
      await m.putJournal(job('gone'));
      const [orphan] = await m.orphanedJournal();
      await m.clearJournal(orphan!.id);
      expect(await m.adoptJournal(orphan!)).to.equal(null);
    });

    it('should clear the entry when it is unchanged since it was read', async () => {
      await m.putJournal(job(id));
      const [mine] = (await m.journal(id)).entries;
      const cleared = await m.clearJournalIfUnchanged(mine!);
      expect([cleared, await m.journalEntry(mine!.id)]).to.deep.equal([true, null]);
    });

    it('should leave the entry when it was adopted since its old node read it', async () => {
      const other = await subject.peer('node-b');
      await other.register(nodeRecord('node-b'));
      await m.putJournal(job('gone'));
      const [read] = await m.orphanedJournal();
      const adopted = await other.adoptJournal(read!);
      const cleared = await m.clearJournalIfUnchanged(read!);
      expect([cleared, await m.journalEntry(read!.id)]).to.deep.equal([false, adopted]);
    });

    it('should answer false when the entry to clear is gone', async () => {
      expect(await m.clearJournalIfUnchanged(job(id))).to.equal(false);
    });

    it('should overwrite the entry only while it is unchanged since it was read', async () => {
      await m.putJournal(job(id));
      const read = job(id);
      const first = await m.replaceJournal(read, { ...read.value, set_aside: 'why' });
      const second = await m.replaceJournal(read, { ...read.value, set_aside: 'other' });
      expect([first, second, (await m.journalEntry(read.id))?.value.set_aside]).to.deep.equal([
        true,
        false,
        'why',
      ]);
    });

    it('should reject with NodeNotServingError when the adopter holds no membership', async () => {
      await m.putJournal(job('gone'));
      const [orphan] = await m.orphanedJournal();
      await m.deregister();
      expect(await rejection(m.adoptJournal(orphan!))).to.be.instanceOf(NodeNotServingError);
    });
  });
}
