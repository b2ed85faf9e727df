// A rename on this node whose switch transaction etcd applied but did not answer: etcd names
// the destination, and the bytes must follow while the node runs. Left at the source for a
// restart's recovery, a read of the destination answered 404, and a new file written at the
// source replaced them on the disk: the renamed file was lost.
import { expect } from 'chai';
import type { CallfsError } from '../../../src/files/errors.js';
import { InProcessOwnerClient } from '../../../src/files/in-process-owner-client.js';
import { FilesService } from '../../../src/files/service.js';
import { MemoryMetadata, MemoryStore } from '../../../src/metadata/memory-metadata.js';
import { createMemoryStorage } from '../../../src/storage/memory.js';
import { caller, FAKE_CURSOR_KEY, moveSpec, readFile, writeFile } from '../../support/fakes.js';
import { FlakyMetadata } from '../../support/flaky-metadata.js';

const alice = caller('alice');

describe('rename whose switch went unanswered', () => {
  it('should serve the renamed file, and keep it when a new file is written at the source', async () => {
    const meta = new MemoryMetadata({ instanceId: 'n1', store: new MemoryStore() });
    const flaky = new FlakyMetadata(meta, ['move']);
    // etcd answers the re-read after the lost answer.
    flaky.downOnLoss = false;
    const metadata = flaky.wrap();
    const files = new FilesService({
      cursorKey: FAKE_CURSOR_KEY,
      instanceId: 'n1',
      metadata,
      membership: meta,
      storage: createMemoryStorage({ backendType: 'localfs' }),
      owners: new InProcessOwnerClient(() => undefined),
      maxBodyBytes: 1 << 20,
    });
    await meta.register({
      instance_id: 'n1',
      http_url: 'http://n1',
      grpc_addr: 'n1:1',
      backends: ['localfs'],
      started: Date.now(),
    });
    await writeFile(files, alice, '/a.txt', 'acknowledged bytes');
    flaky.loseNextReply = true;
    // etcd answers the re-read: the move applied, and its disk step follows.
    const info = await files.move(alice, '/a.txt', moveSpec('/b.txt'));
    expect(info.path).to.equal('/b.txt');
    expect((await meta.get('/b.txt'))?.inode.type).to.equal('file');
    const contents = (path: string) =>
      readFile(files, alice, path).then(
        (b) => b.toString(),
        (e: unknown) => (e as CallfsError).code,
      );
    const before = await contents('/b.txt');
    await writeFile(files, alice, '/a.txt', 'a new file');
    expect([before, await contents('/b.txt'), await contents('/a.txt')]).to.deep.equal([
      'acknowledged bytes',
      'acknowledged bytes',
      'a new file',
    ]);
  });
});
