// `callfs import` on a 3-node cluster: a tree on node-1's disk becomes part of the namespace
// without copying (hard links, or in place under the root), readable from every node; a re-run
// skips what is done; paths owned elsewhere are reported and left alone; symlinks and invalid
// names are skipped and reported.
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { link, mkdir, mkdtemp, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster, type TestCluster } from '../support/cluster.js';
import { call, jsonOf, sha256 } from '../support/http.js';
import { onTerminal } from '../support/pty.js';
import { CHILD_RUNTIME, rawConfig } from '../support/node.js';
import { callfsArgv } from '../../devkit/node-process.js';

// The build when it is fresh, else the sources through tsx (as the nodes: CHILD_RUNTIME).
const CALLFS = callfsArgv(CHILD_RUNTIME, []).slice(1);

interface Report {
  mode: string;
  registered: number;
  already: number;
  conflicts: Array<{ path: string; instance_id: string }>;
  skipped: Array<{ path: string; reason: string }>;
}

describe('cluster: callfs import', function () {
  this.timeout(180_000);
  let cluster: TestCluster;
  let work: string;
  let configFile: string;
  const big = randomBytes(1024 * 1024 + 5);

  const importArgs = (path: string, as: string, config = configFile) => [
    ...CALLFS,
    'import',
    '--config',
    config,
    '--path',
    path,
    '--as',
    as,
    '--owner',
    'api-user-0',
  ];

  function runImport(
    path: string,
    as: string,
    config = configFile,
    extra: string[] = [],
  ): Promise<{ code: number; report: Report }> {
    return new Promise((resolve, reject) => {
      execFile(
        process.execPath,
        [...importArgs(path, as, config), '--json', ...extra],
        (err, stdout, stderr) => {
          const code = err ? Number((err as { code?: number }).code ?? 1) : 0;
          try {
            resolve({ code, report: JSON.parse(stdout) as Report });
          } catch {
            reject(new Error(`import exited ${code}: ${stderr}`));
          }
        },
      );
    });
  }

  before(async () => {
    cluster = await startCluster(3);
    const n1 = cluster.nodes[0]!;
    work = await mkdtemp(join(tmpdir(), 'callfs-import-'));
    configFile = join(work, 'node-1.json');
    await writeFile(
      configFile,
      JSON.stringify(
        rawConfig({
          etcdEndpoint: cluster.etcd.endpoint,
          prefix: cluster.prefix,
          instanceId: 'node-1',
          root: n1.root,
          httpPort: n1.httpPort,
          grpcPort: n1.grpcPort,
        }),
      ),
    );
    // A node that is not running: its configuration names an id no member holds.
    await mkdir(join(work, 'ghost-root'));
    await writeFile(
      join(work, 'ghost.json'),
      JSON.stringify(
        rawConfig({
          etcdEndpoint: cluster.etcd.endpoint,
          prefix: cluster.prefix,
          instanceId: 'node-9',
          root: join(work, 'ghost-root'),
          httpPort: n1.httpPort,
          grpcPort: n1.grpcPort,
        }),
      ),
    );
    const tree = join(work, 'tree');
    await mkdir(join(tree, 'sub'), { recursive: true });
    await writeFile(join(tree, 'a.txt'), 'hello');
    await writeFile(join(tree, 'sub', 'b.bin'), big);
    await writeFile(join(tree, 'bad\\name'), 'x');
    await symlink('/etc/passwd', join(tree, 'link'));
  });
  after(async () => {
    await cluster?.stop();
    await rm(work, { recursive: true, force: true });
  });

  it('should register the files by hard link and report what it skipped when a tree is imported', async () => {
    const { code, report } = await runImport(join(work, 'tree'), '/imp');
    expect([code, report.mode, report.registered]).to.deep.equal([1, 'hard-link', 2]);
    expect(report.skipped.map((s) => s.path).sort()).to.deep.equal(['/imp/bad\\name', '/imp/link']);
  });

  it('should serve the imported bytes from node-3 and name node-1 as owner', async () => {
    const res = await call(cluster.nodes[2]!.url, 'GET', '/v1/files/imp/sub/b.bin');
    expect(res.headers.get('x-callfs-instance-id')).to.equal('node-1');
    expect(sha256(Buffer.from(await res.arrayBuffer()))).to.equal(sha256(big));
  });

  it('should share the bytes with the source (no copy) when the tree was hard-linked', async () => {
    const src = await stat(join(work, 'tree', 'sub', 'b.bin'));
    const dst = await stat(join(cluster.nodes[0]!.root, 'imp', 'sub', 'b.bin'));
    expect([dst.ino, dst.nlink]).to.deep.equal([src.ino, 2]);
  });

  it('should skip what is already registered when the import runs again', async () => {
    const { report } = await runImport(join(work, 'tree'), '/imp');
    expect([report.registered, report.already]).to.deep.equal([0, 2]);
  });

  it('should report a path owned by node-2 and keep its bytes when the import meets it', async () => {
    await call(cluster.nodes[1]!.url, 'POST', '/v1/files/imp2/x.txt', { body: 'node-2 owns this' });
    const tree = join(work, 'tree2');
    await mkdir(tree);
    await writeFile(join(tree, 'x.txt'), 'imported x');
    await writeFile(join(tree, 'y.txt'), 'imported y');
    const { code, report } = await runImport(tree, '/imp2');
    expect([code, report.registered, report.conflicts]).to.deep.equal([
      1,
      1,
      [{ path: '/imp2/x.txt', instance_id: 'node-2', type: 'file' }],
    ]);
    const res = await call(cluster.nodes[2]!.url, 'GET', '/v1/files/imp2/x.txt');
    expect(await res.text()).to.equal('node-2 owns this');
  });

  it('should register in place when the tree already sits at its path under the root', async () => {
    const place = join(cluster.nodes[0]!.root, 'inplace');
    await mkdir(place);
    await writeFile(join(place, 'f.txt'), 'in place');
    const { code, report } = await runImport(place, '/inplace');
    expect([code, report.mode, report.registered]).to.deep.equal([0, 'in-place', 1]);
    const res = await call(cluster.nodes[1]!.url, 'GET', '/v1/files/inplace/f.txt');
    expect(await res.text()).to.equal('in place');
  });

  it('should register 250 files of one directory in bounded transactions and report the one node-2 owns', async () => {
    // etcd refuses a transaction of more than 128 operations: one transaction for the whole
    // directory would fail the import.
    await call(cluster.nodes[1]!.url, 'POST', '/v1/files/many/f230.txt', { body: 'node-2' });
    const tree = join(work, 'many');
    await mkdir(tree);
    for (let i = 0; i < 250; i++) await writeFile(join(tree, `f${i}.txt`), `file ${i}`);
    const { code, report } = await runImport(tree, '/many');
    expect([code, report.registered, report.conflicts.map((c) => c.path)]).to.deep.equal([
      1,
      249,
      ['/many/f230.txt'],
    ]);
    const res = await call(cluster.nodes[2]!.url, 'GET', '/v1/directories/many');
    expect((await jsonOf(res)).count).to.equal(250);
    expect(
      await (await call(cluster.nodes[2]!.url, 'GET', '/v1/files/many/f230.txt')).text(),
    ).to.equal('node-2');
  });

  it('should refuse with exit 2 and register nothing when the configuration names a node that is not running', async () => {
    const tree = join(work, 'ghost-root', 'ghost');
    await mkdir(tree);
    await writeFile(join(tree, 'g.txt'), 'ghost');
    const r = await onTerminal([
      process.execPath,
      ...importArgs(tree, '/ghost', join(work, 'ghost.json')),
    ]);
    expect(r.code).to.equal(2);
    expect(r.output).to.include('node-9 is not a live member');
    const res = await call(cluster.nodes[0]!.url, 'HEAD', '/v1/files/ghost');
    expect(res.status).to.equal(404);
  });

  it('should register the files of a stopped node when --offline is given', async () => {
    const { code, report } = await runImport(
      join(work, 'ghost-root', 'ghost'),
      '/ghost',
      join(work, 'ghost.json'),
      ['--offline'],
    );
    expect([code, report.registered]).to.deep.equal([0, 1]);
    const res = await call(cluster.nodes[0]!.url, 'GET', '/v1/files/ghost/g.txt');
    expect([res.status, (await jsonOf(res)).code]).to.deep.equal([503, 'OWNER_UNAVAILABLE']);
  });

  it('should draw a progress bar of files when stderr is a terminal', async () => {
    const tree = join(cluster.nodes[0]!.root, 'barred');
    await mkdir(tree);
    for (let i = 0; i < 3; i++) await writeFile(join(tree, `b${i}.txt`), 'x');
    const r = await onTerminal([process.execPath, ...importArgs(tree, '/barred')]);
    expect(r.code).to.equal(0);
    expect(r.output).to.include(`import /barred [${'#'.repeat(30)}] 3 files / 3 files`);
  });

  it('should register a file the import had linked before it was cut off when it runs again', async () => {
    // An import killed between link() and its etcd transaction leaves the link on disk only.
    const tree = join(work, 'cut');
    await mkdir(tree);
    await writeFile(join(tree, 'z.txt'), 'linked, not registered');
    await mkdir(join(cluster.nodes[0]!.root, 'cut'));
    await link(join(tree, 'z.txt'), join(cluster.nodes[0]!.root, 'cut', 'z.txt'));
    const { code, report } = await runImport(tree, '/cut');
    expect([code, report.registered, report.skipped]).to.deep.equal([0, 1, []]);
    const res = await call(cluster.nodes[1]!.url, 'GET', '/v1/files/cut/z.txt');
    expect(await res.text()).to.equal('linked, not registered');
  });
});
