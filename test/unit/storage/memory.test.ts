// Runs the shared storage contract on the in-memory fake, so unit tests of the files service
// built on it exercise the same semantics as the real backends.
import { expect } from 'chai';
import { InternalError } from '../../../src/files/errors.js';
import { createMemoryStorage } from '../../../src/storage/memory.js';
import { chunksOf, putFile, storageContract } from '../../contract/storage-contract.js';
import { rejection } from '../../support/checks.js';

storageContract('memory', async () => ({
  // A limit below the API's, so the contract's path-length cases run on the fake too.
  storage: createMemoryStorage({ maxPathBytes: 1024 }),
  cleanup: async () => {},
}));

describe('MemoryStorage', function () {
  it('should expose committed bytes when a test reads them directly', async function () {
    const storage = createMemoryStorage();
    await putFile(storage, '/a/b.txt', Buffer.from('hello'));
    expect(storage.read('/a/b.txt')?.toString()).to.equal('hello');
    expect(storage.paths()).to.deep.equal(['/a/b.txt']);
  });

  it('should fail checkWritable when marked not writable', async function () {
    const storage = createMemoryStorage();
    storage.writable = false;
    expect(await rejection(storage.checkWritable())).to.be.instanceOf(InternalError);
  });

  it('should set a staged write aside when its path became unusable before recovery', async function () {
    const storage = createMemoryStorage();
    const temp = await storage.createTemp('/odd.txt');
    await temp.write(chunksOf(Buffer.from('x')), { maxBytes: 10 });
    await temp.prepare(1);
    storage.foreign.add('/odd.txt');
    const report = await storage.recover(async () => true);
    expect(report.quarantined.map((q) => q.path)).to.deep.equal(['/odd.txt']);
    expect((await storage.quarantinedEntries()).length).to.equal(1);
  });

  it('should report its configured backend type when one is given', function () {
    expect(createMemoryStorage({ backendType: 'localfs' }).backendType).to.equal('localfs');
  });
});
