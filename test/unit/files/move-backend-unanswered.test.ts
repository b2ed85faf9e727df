// A move of a file to another backend (PATCH with `backend`) whose switch transaction etcd did
// not answer: applied with its answer lost, the copy it names must not be dropped (etcd would
// name bytes no node has); held and applied later, it must fail its compare once the copy is
// gone; with etcd away, the copy waits for the reconciler.
import { expect } from 'chai';
import type { CallfsError } from '../../../src/files/errors.js';
import { createMemoryStorage } from '../../../src/storage/memory.js';
import { caller, moveSpec, readFile, rejection, writeFile } from '../../support/fakes.js';
import { flakyNode } from '../../support/flaky-metadata.js';

const alice = caller('alice');
const STORE = 's3:000000000000';

async function oneNode() {
  const bucket = createMemoryStorage({ backendType: 's3' });
  Object.defineProperty(bucket, 'location', { value: STORE });
  const { meta, flaky, files } = await flakyNode(
    ['replace', 'move'],
    { shared: bucket },
    { backends: ['localfs', 's3'], stores: [STORE] },
  );
  await writeFile(files, alice, '/m.txt', 'acknowledged bytes');
  const contents = () =>
    readFile(files, alice, '/m.txt').then(
      (b) => b.toString(),
      (e: unknown) => (e as CallfsError).code,
    );
  return { meta, flaky, bucket, files, contents };
}

describe('move to another backend whose switch went unanswered', () => {
  it('should keep the copy etcd names when the switch applied but its answer was lost', async () => {
    const { meta, flaky, files, contents } = await oneNode();
    flaky.loseNextReply = true;
    flaky.downOnLoss = false;
    // etcd answers the re-read: the switch applied, so the move did.
    const info = await files.move(alice, '/m.txt', moveSpec('/m.txt', { backend: 's3' })).then(
      (i) => i.backend_type,
      (e: unknown) => (e as CallfsError).code,
    );
    expect((await meta.get('/m.txt'))?.inode.backend_type).to.equal('s3');
    expect(info).to.equal('s3');
    expect(await contents()).to.equal('acknowledged bytes');
  });

  it('should leave the copy to the reconciler while etcd cannot be asked', async () => {
    const { meta, flaky, files, contents } = await oneNode();
    flaky.loseNextReply = true;
    const err = await rejection(files.move(alice, '/m.txt', moveSpec('/m.txt', { backend: 's3' })));
    expect((err as CallfsError).code).to.equal('METADATA_UNAVAILABLE');
    expect(await files.reconciler.runOnce()).to.equal(1);
    flaky.down = false;
    expect(await files.reconciler.runOnce()).to.equal(0);
    expect((await meta.get('/m.txt'))?.inode.backend_type).to.equal('s3');
    expect(await contents()).to.equal('acknowledged bytes');
  });

  it('should fence a held switch so it never names the dropped copy', async () => {
    const { meta, flaky, files, contents } = await oneNode();
    flaky.holdNextCommit = true;
    const err = await rejection(files.move(alice, '/m.txt', moveSpec('/m.txt', { backend: 's3' })));
    expect((err as CallfsError).code).to.equal('METADATA_UNAVAILABLE');
    // etcd applies the held switch only now: the source was written over, so it fails.
    expect((await rejection(flaky.held!()))?.constructor.name).to.equal('StaleRevisionError');
    expect((await meta.get('/m.txt'))?.inode.backend_type).to.equal('localfs');
    expect(await contents()).to.equal('acknowledged bytes');
  });
});
