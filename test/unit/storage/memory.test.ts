// Runs the shared storage contract on the in-memory fake, so unit tests of the files service
// built on it exercise the same semantics as the real backends.
import { expect } from 'chai';
import { InternalError } from '../../../src/files/errors.js';
import { createMemoryStorage } from '../../../src/storage/memory.js';
import { putFile, rejection, storageContract } from '../../contract/storage-contract.js';

storageContract('memory', async () => ({
  storage: createMemoryStorage(),
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

  it('should report its configured backend type when one is given', function () {
    expect(createMemoryStorage({ backendType: 'localfs' }).backendType).to.equal('localfs');
  });
});
