// The consistency check on fakes: each kind of disagreement between the namespace and a node's
// storage is found, and --repair fixes it.
import { expect } from 'chai';
import { fsck } from '../../../src/files/fsck.js';
import {
  caller,
  fakeCluster,
  writeFile,
  type FakeCluster,
  type FakeNode,
} from '../../support/fakes.js';

async function stray(node: FakeNode, path: string, data: string): Promise<void> {
  const temp = await node.storage.createTemp(path);
  await temp.write(
    (async function* () {
      yield Buffer.from(data);
    })(),
    { maxBytes: 1024 },
  );
  await temp.prepare(1);
  await temp.commit();
}

describe('fsck', () => {
  let cluster: FakeCluster;
  let node: FakeNode;
  const alice = caller('alice');

  beforeEach(async () => {
    cluster = await fakeCluster(['node-1', 'node-2']);
    node = cluster.node('node-1');
    await writeFile(node.files, alice, '/ok/a.txt', 'fine');
  });
  afterEach(async () => {
    await cluster.close();
  });

  const run = (repair = false) =>
    fsck({
      instanceId: 'node-1',
      metadata: node.metadata,
      storage: node.storage,
      repair,
      pageSize: 2,
    });

  it('should report nothing when etcd and the disk agree', async () => {
    expect((await run()).issues).to.deep.equal([]);
  });
  it('should report an orphan file when the disk holds bytes no inode names', async () => {
    await stray(node, '/stray.bin', 'x');
    expect((await run()).issues.map((i) => [i.kind, i.path])).to.deep.equal([
      ['orphan-file', '/stray.bin'],
    ]);
  });
  it('should quarantine the orphan when repairing', async () => {
    await stray(node, '/stray2.bin', 'x');
    await run(true);
    expect(await node.storage.has('/stray2.bin')).to.equal(false);
  });
  it('should report a missing file when an inode has no bytes', async () => {
    await node.storage.remove({ path: '/ok/a.txt' });
    expect((await run()).issues.map((i) => i.kind)).to.deep.equal(['missing-file']);
  });
  it('should remove the inode of a missing file when repairing', async () => {
    await node.storage.remove({ path: '/ok/a.txt' });
    await run(true);
    expect(await node.metadata.get('/ok/a.txt')).to.equal(null);
  });
  it('should keep the inode and say where its bytes are when a disk step set them aside', async () => {
    const keptAt = await node.storage.quarantine('/ok/a.txt', {
      kind: 'move-dir-file',
      path: '/ok/a.txt',
      reason: 'moving its bytes failed: EACCES',
    });
    const [missing, note] = (await run(true)).issues;
    expect([missing?.kind, missing?.repaired, note?.kind, note?.path]).to.deep.equal([
      'missing-file',
      'not repaired: its bytes are kept in lost+found',
      'set-aside-journal',
      '/ok/a.txt',
    ]);
    expect(missing?.detail).to.include(keptAt);
    expect((await node.metadata.get('/ok/a.txt'))?.inode.size).to.equal(4);
  });
  it('should report a size mismatch when the disk and etcd disagree on size', async () => {
    await stray(node, '/ok/a.txt', 'longer than before');
    expect((await run()).issues.map((i) => i.kind)).to.deep.equal(['size-mismatch']);
  });
  it('should leave a size mismatch unrepaired and say how to resolve it when repairing', async () => {
    await stray(node, '/ok/a.txt', 'longer than before');
    const [issue] = (await run(true)).issues;
    expect([issue?.kind, issue?.repaired]).to.deep.equal([
      'size-mismatch',
      'not repaired: fsck cannot tell which side is right',
    ]);
    expect(issue?.detail).to.include('cannot repair').and.include('PUT').and.include('DELETE');
    expect(await node.storage.has('/ok/a.txt')).to.equal(true);
  });
  it('should report and remove a stale claim when a create never committed', async () => {
    await node.files.openWrite(alice, {
      path: '/claimed.bin',
      write_mode: 'WRITE_MODE_CREATE_ONLY',
      expected_size: -1,
    });
    const report = await run(true);
    expect(report.issues.map((i) => i.kind)).to.deep.equal(['stale-claim']);
    expect(await node.metadata.get('/claimed.bin')).to.equal(null);
  });
  it('should keep a recursive delete cut short, and say how to finish it, when repairing', async () => {
    await node.metadata.putJournal({
      id: 'delete-0123456789abcdef0123456789abcdef',
      value: { type: 'delete', node: 'node-1', path: '/ok', state: 'files', created: 1 },
    });
    const first = await run(true);
    const again = await run(true);
    const line = (r: typeof first) => r.issues.map((i) => [i.kind, i.path, i.repaired]);
    const expected = [
      [
        'pending-delete',
        '/ok',
        'not repaired: a recursive delete cut short; DELETE /ok?recursive=true on any node finishes it',
      ],
    ];
    expect([line(first), line(again)]).to.deep.equal([expected, expected]);
  });
  it('should ignore files of other nodes when checking one node', async () => {
    await writeFile(cluster.node('node-2').files, alice, '/theirs.txt', 'theirs');
    expect((await run()).inodesChecked).to.equal(1);
  });
});
