// `callfs fsck` against a real etcd and a real storage root, as an operator runs it.
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile, mkdir, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { callfsArgv } from '../../devkit/node-process.js';
import { startEtcd, type EtcdHandle } from '../support/etcd.js';
import { call } from '../support/http.js';
import {
  CHILD_RUNTIME,
  rawConfig,
  startChildNode,
  uniquePrefix,
  type ChildNode,
} from '../support/node.js';

function fsckCli(configFile: string, ...args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const [node, ...argv] = callfsArgv(CHILD_RUNTIME, ['fsck', '--config', configFile, ...args]);
    execFile(node!, argv, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: number }).code ?? 1) : 0;
      resolve({ code: typeof code === 'number' ? code : 1, out: stdout + stderr });
    });
  });
}

describe('callfs fsck', function () {
  this.timeout(60_000);
  let etcd: EtcdHandle;
  let node: ChildNode;
  let dir: string;
  let configFile: string;
  const prefix = uniquePrefix();

  before(async () => {
    etcd = await startEtcd();
    dir = await mkdtemp(join(tmpdir(), 'callfs-fsck-'));
    const root = join(dir, 'root');
    node = await startChildNode({
      etcdEndpoint: etcd.endpoint,
      prefix,
      instanceId: 'node-1',
      root,
    });
    await call(node.url, 'POST', '/v1/files/docs/a.txt', { body: 'kept' });
    configFile = join(dir, 'callfs.json');
    await writeFile(
      configFile,
      JSON.stringify(
        rawConfig({ etcdEndpoint: etcd.endpoint, prefix, instanceId: 'node-1', root }),
      ),
    );
    await mkdir(join(root, 'junk'), { recursive: true });
    await writeFile(join(root, 'junk', 'orphan.bin'), 'nobody knows me');
  });
  after(async () => {
    await node?.stop();
    await etcd?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('should refuse to repair when the node is running', async () => {
    const res = await fsckCli(configFile, '--repair');
    expect(res.code).to.equal(2);
  });
  it('should report the orphan file and exit 1 when only checking', async () => {
    const res = await fsckCli(configFile);
    expect(res.code).to.equal(1);
    expect(res.out).to.match(/orphan-file\s+\/junk\/orphan\.bin/);
  });
  it('should quarantine the orphan and exit 0 when repairing a stopped node', async () => {
    await node.kill('SIGTERM');
    const res = await fsckCli(configFile, '--repair');
    const lost = await readdir(join(dir, 'root', '.callfs', 'lost+found'));
    expect(res.code).to.equal(0);
    expect(lost).to.have.length(1);
  });
  it('should find nothing when checked again after the repair', async () => {
    const res = await fsckCli(configFile);
    expect(res.code).to.equal(0);
  });
});
