// Start-up never depends on every journal entry being valid: with a real etcd and a real node
// process, bad entries of each local journal kind (an unreadable `.commit`, a current write
// whose path has a symlink in the way) and of each etcd `ops/` kind (malformed move-file,
// move-file-out and move-dir entries, an unknown type, an unparsable value) are planted while
// the node is stopped, with a move-dir-disk entry whose one file's rename fails. It starts,
// serves its other files, counts each set-aside entry in callfs_journal_quarantined_total{kind}
// (the file the disk step could not move under `move-dir-file`, its bytes quarantined and the
// step finished), and `callfs fsck` reports them, naming where the set-aside file's bytes are.
import { execFile } from 'node:child_process';
import { mkdir, readFile, readdir, rename, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { Etcd3 } from 'etcd3';
import { startEtcd, type EtcdHandle } from '../support/etcd.js';
import { call } from '../support/http.js';
import { rawConfig, startChildNode, uniquePrefix, type ChildNode } from '../support/node.js';
import { inodeKey } from '../../src/metadata/keys.js';

const BIN = new URL('../../bin/callfs', import.meta.url).pathname;

function fsckCli(configFile: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, 'fsck', '--config', configFile], (err, stdout, stderr) => {
      const code = err ? (err as { code?: number }).code : 0;
      resolve({ code: typeof code === 'number' ? code : 1, out: stdout + stderr });
    });
  });
}

describe('start-up with journal entries recovery cannot finish', function () {
  this.timeout(90_000);
  let etcd: EtcdHandle;
  let node: ChildNode;
  let metrics = '';
  const prefix = uniquePrefix();

  before(async () => {
    etcd = await startEtcd();
    node = await startChildNode({ etcdEndpoint: etcd.endpoint, prefix, instanceId: 'node-1' });
    for (const path of ['/kept.txt', '/q/blocked.txt', '/md/f.txt']) {
      await call(node.url, 'PUT', `/v1/files${path}`, { body: `bytes of ${path}` });
    }
    await node.kill('SIGTERM');

    // Local journal: an unreadable entry, and a write etcd names as current (gen 1) whose
    // directory on disk was replaced by a symlink.
    const tmp = join(node.root, '.callfs', 'tmp');
    await writeFile(join(tmp, 'torn.commit'), '{"path": "/x", "ge');
    await writeFile(join(tmp, 'torn.part'), 'half');
    await writeFile(join(tmp, 'cur.commit'), JSON.stringify({ path: '/q/blocked.txt', gen: 1 }));
    await writeFile(join(tmp, 'cur.part'), 'new bytes');
    await rename(join(node.root, 'q'), join(node.root, 'q-real'));
    await symlink(join(node.root, 'q-real'), join(node.root, 'q'));
    // The destination of a directory move on disk has a symlinked directory on the way.
    await mkdir(join(node.root, 'elsewhere'));
    await symlink(join(node.root, 'elsewhere'), join(node.root, 'mdl'));

    const client = new Etcd3({ hosts: etcd.endpoint });
    const ops: Record<string, unknown> = {
      'bad-move-file': { type: 'move-file', node: 'node-1', from: '/kept.txt' },
      'bad-move-out': { type: 'move-file-out', node: 'node-1', from: 'no/slash' },
      'bad-move-dir': { type: 'move-dir', node: 'node-1', to: '/nowhere', user: 'u' },
      'bad-disk-step': { type: 'move-dir-disk', node: 'node-1', from: '/md', to: '/mdl/x' },
      'bad-unknown': { type: 'teleport', node: 'node-1', from: '/kept.txt' },
    };
    // The disk step is driven by etcd: it moves what etcd names under the destination, so etcd
    // names the file there, and its rename meets the symlinked /mdl.
    const moved = await client.get(inodeKey(prefix, '/md/f.txt'));
    await client.put(inodeKey(prefix, '/mdl/x/f.txt')).value(moved ?? '');
    await client.delete().key(inodeKey(prefix, '/md/f.txt'));
    for (const [id, value] of Object.entries(ops)) {
      await client.put(`${prefix}ops/${id}`).value(JSON.stringify(value));
    }
    await client.put(`${prefix}ops/bad-unparsable`).value('{"type": "move-fi');
    client.close();

    await node.restart();
    const res = await call(node.url, 'GET', '/metrics');
    metrics = await res.text();
  });
  after(async () => {
    await node?.stop();
    await etcd?.stop();
  });

  const counted = (kind: string) =>
    Number(
      new RegExp(`^callfs_journal_quarantined_total\\{kind="${kind}"\\} (\\d+)$`, 'm').exec(
        metrics,
      )?.[1] ?? 0,
    );

  it('should start and serve its other files when bad journal entries are planted', async () => {
    const res = await call(node.url, 'GET', '/v1/files/kept.txt');
    expect([res.status, await res.text()]).to.deep.equal([200, 'bytes of /kept.txt']);
  });

  it('should accept new writes when bad journal entries were set aside', async () => {
    const res = await call(node.url, 'PUT', '/v1/files/after.txt', { body: 'after' });
    expect(res.status).to.equal(201);
  });

  it('should count each local journal kind when its entries are set aside', () => {
    expect([counted('local-unreadable'), counted('local-commit')]).to.deep.equal([1, 1]);
  });

  it('should count each etcd journal kind when its entries are set aside', () => {
    const kinds = ['move-file', 'move-file-out', 'move-dir', 'unknown', 'unreadable'];
    expect(kinds.map((k) => counted(`ops-${k}`))).to.deep.equal([1, 1, 1, 1, 1]);
  });

  it('should quarantine the file and finish the disk step when one rename of the step fails', async () => {
    const lost = join(node.root, '.callfs', 'lost+found');
    const kept = (await readdir(lost, { recursive: true, withFileTypes: true }))
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath, e.name));
    expect([counted('move-dir-file'), counted('ops-move-dir-disk'), kept.length]).to.deep.equal([
      1, 0, 1,
    ]);
    expect(await readFile(kept[0]!, 'utf8')).to.equal('bytes of /md/f.txt');
  });

  it('should keep the set-aside etcd entries for an operator', async () => {
    const client = new Etcd3({ hosts: etcd.endpoint });
    const keys = await client.getAll().prefix(`${prefix}ops/`).keys();
    client.close();
    expect(keys.map((k) => k.slice(`${prefix}ops/`.length)).sort()).to.deep.equal([
      'bad-move-dir',
      'bad-move-file',
      'bad-move-out',
      'bad-unknown',
      'bad-unparsable',
    ]);
  });

  it('should report every set-aside entry when fsck runs', async () => {
    const configFile = join(node.root, '..', `fsck-${process.pid}.json`);
    await writeFile(
      configFile,
      JSON.stringify(
        rawConfig({ etcdEndpoint: etcd.endpoint, prefix, instanceId: 'node-1', root: node.root }),
      ),
    );
    const { code, out } = await fsckCli(configFile);
    expect(code).to.equal(1);
    const bad = out.split('\n').filter((l) => /^\s+bad-journal /.test(l));
    const local = out.split('\n').filter((l) => /^\s+set-aside-journal /.test(l));
    const missing = out.split('\n').filter((l) => /^\s+missing-file \s*\/mdl\//.test(l));
    // Two local journal entries, and the note kept with the bytes the disk step set aside.
    expect([bad.length, local.length, missing.length]).to.deep.equal([5, 3, 1]);
    expect(bad.join('\n')).to.include(`${prefix}ops/bad-unparsable`);
    expect(missing[0])
      .to.include('/mdl/x/f.txt')
      .and.include('set aside at')
      .and.include('lost+found');
  });
});
