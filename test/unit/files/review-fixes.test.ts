// Regressions found in review: a replace re-checks permission against the file it commits
// over; a staged file is committed only while etcd names its generation.
import { expect } from 'chai';
import { PermissionDeniedError } from '../../../src/files/errors.js';
import { PathLocks } from '../../../src/files/path-lock.js';
import { Staging } from '../../../src/files/staging.js';
import { createMemoryStorage } from '../../../src/storage/memory.js';
import { bodyOf, caller, fakeCluster, rejection, writeFile } from '../../support/fakes.js';

describe('review fixes', () => {
  it('should refuse a replace when the file was re-created by another user meanwhile', async () => {
    const cluster = await fakeCluster(['node-1']);
    const files = cluster.node('node-1').files;
    await writeFile(files, caller('alice'), '/p.txt', 'alice');
    const session = await files.openWrite(caller('alice'), {
      path: '/p.txt',
      write_mode: 'WRITE_MODE_CREATE_OR_REPLACE',
      expected_size: -1,
    });
    await files.remove(caller('alice'), '/p.txt');
    await writeFile(files, caller('bob'), '/p.txt', 'bob');
    const err = await rejection(session.write(bodyOf('alice again')));
    await cluster.close();
    expect(err).to.be.instanceOf(PermissionDeniedError);
  });

  it('should discard a staged file when etcd no longer names its generation', async () => {
    const storage = createMemoryStorage();
    const staging = new Staging({
      storage,
      locks: new PathLocks(),
      isCurrent: async () => false,
      isNamed: async () => true,
    });
    await staging.stage({ stageId: 's', path: '/st.bin', gen: 3, size: 2 }, bodyOf('hi'));
    await staging.finish('s', true);
    expect(await storage.has('/st.bin')).to.equal(false);
  });

  it('should commit a staged file when etcd names its generation', async () => {
    const storage = createMemoryStorage();
    const staging = new Staging({
      storage,
      locks: new PathLocks(),
      isCurrent: async () => true,
      isNamed: async () => true,
    });
    await staging.stage({ stageId: 's', path: '/st.bin', gen: 3, size: 2 }, bodyOf('hi'));
    await staging.finish('s', true);
    expect(await storage.has('/st.bin')).to.equal(true);
  });
});
