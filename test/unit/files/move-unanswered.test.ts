// A rename on this node whose switch transaction etcd applied but did not answer: etcd names
// the destination, and the bytes must follow while the node runs. Left at the source for a
// restart's recovery, a read of the destination answered 404, and a new file written at the
// source replaced them on the disk: the renamed file was lost. The same when etcd cannot be
// read either right after the lost answer: the move keeps both paths locked until it can.
import { expect } from 'chai';
import type { CallfsError } from '../../../src/files/errors.js';
import type { FilesService } from '../../../src/files/service.js';
import { caller, moveSpec, readFile, writeFile } from '../../support/fakes.js';
import { flakyNode } from '../../support/flaky-metadata.js';

const alice = caller('alice');

const contentsOf = (files: FilesService) => (path: string) =>
  readFile(files, alice, path).then(
    (b) => b.toString(),
    (e: unknown) => (e as CallfsError).code,
  );

describe('rename whose switch went unanswered', () => {
  it('should keep the renamed file when etcd comes back after a new file was sent to the source', async () => {
    const { meta, flaky, files } = await flakyNode(['move']);
    await writeFile(files, alice, '/a.txt', 'acknowledged bytes');
    flaky.loseNextReply = true; // and etcd goes away with the answer
    const moved = await files.move(alice, '/a.txt', moveSpec('/b.txt')).then(
      () => 'answered',
      (e: unknown) => (e as CallfsError).code,
    );
    expect(moved).to.equal('METADATA_UNAVAILABLE');
    expect((await meta.journal('n1')).entries).to.have.length(1);
    // etcd is back: a new file at the source commits only after the move has settled.
    flaky.down = false;
    await writeFile(files, alice, '/a.txt', 'a new file');
    const contents = contentsOf(files);
    expect([await contents('/b.txt'), await contents('/a.txt')]).to.deep.equal([
      'acknowledged bytes',
      'a new file',
    ]);
    expect((await meta.journal('n1')).entries).to.deep.equal([]);
  });

  it('should answer 503 on both paths from shutdown on, and leave the journal entry to recovery', async () => {
    const { meta, flaky, files } = await flakyNode(['move']);
    await writeFile(files, alice, '/a.txt', 'acknowledged bytes');
    flaky.loseNextReply = true;
    await files.move(alice, '/a.txt', moveSpec('/b.txt')).catch(() => undefined);
    files.stopWaitingForEtcd();
    // etcd is back, but the node is going: nothing may replace the bytes etcd names at /b.txt.
    flaky.down = false;
    const code = (p: Promise<unknown>) =>
      p.then(
        () => 'answered',
        (e: unknown) => (e as CallfsError).code,
      );
    expect(await code(writeFile(files, alice, '/a.txt', 'a new file'))).to.equal(
      'NODE_NOT_SERVING',
    );
    expect(await contentsOf(files)('/b.txt')).to.equal('NODE_NOT_SERVING');
    expect(await code(files.move(alice, '/b.txt', moveSpec('/c.txt')))).to.equal(
      'NODE_NOT_SERVING',
    );
    expect((await meta.journal('n1')).entries.map((e) => e.value.type)).to.deep.equal([
      'move-file',
    ]);
  });

  it('should follow an applied rename of a file without a write id (callfs import)', async () => {
    const { meta, flaky, files } = await flakyNode(['move']);
    flaky.downOnLoss = false;
    await writeFile(files, alice, '/a.txt', 'imported bytes');
    const rec = (await meta.get('/a.txt'))!;
    const { write: _write, ...imported } = rec.inode;
    await meta.replace(rec, imported);
    flaky.loseNextReply = true;
    const info = await files.move(alice, '/a.txt', moveSpec('/b.txt'));
    expect(info.path).to.equal('/b.txt');
    await writeFile(files, alice, '/a.txt', 'a new file');
    const contents = contentsOf(files);
    expect([await contents('/b.txt'), await contents('/a.txt')]).to.deep.equal([
      'imported bytes',
      'a new file',
    ]);
  });

  it('should serve the renamed file, and keep it when a new file is written at the source', async () => {
    const { meta, flaky, files } = await flakyNode(['move']);
    // etcd answers the re-read after the lost answer.
    flaky.downOnLoss = false;
    await writeFile(files, alice, '/a.txt', 'acknowledged bytes');
    flaky.loseNextReply = true;
    // etcd answers the re-read: the move applied, and its disk step follows.
    const info = await files.move(alice, '/a.txt', moveSpec('/b.txt'));
    expect(info.path).to.equal('/b.txt');
    expect((await meta.get('/b.txt'))?.inode.type).to.equal('file');
    const contents = contentsOf(files);
    const before = await contents('/b.txt');
    await writeFile(files, alice, '/a.txt', 'a new file');
    expect([before, await contents('/b.txt'), await contents('/a.txt')]).to.deep.equal([
      'acknowledged bytes',
      'acknowledged bytes',
      'a new file',
    ]);
  });

  it('should keep the file at its source when the held switch is fenced out', async () => {
    const { meta, flaky, files } = await flakyNode(['move']);
    await writeFile(files, alice, '/a.txt', 'acknowledged bytes');
    flaky.holdNextCommit = true; // etcd holds the switch; it answers the re-read
    const moved = await files.move(alice, '/a.txt', moveSpec('/b.txt')).then(
      () => 'answered',
      (e: unknown) => (e as CallfsError).code,
    );
    expect(moved).to.equal('METADATA_UNAVAILABLE');
    // etcd gets to the held switch only now: the fence makes its compare fail.
    await flaky.held!().catch(() => undefined);
    const contents = contentsOf(files);
    expect([await contents('/a.txt'), await contents('/b.txt')]).to.deep.equal([
      'acknowledged bytes',
      'FILE_NOT_FOUND',
    ]);
    expect((await meta.journal('n1')).entries).to.deep.equal([]);
  });
});
