// The `callfs` client commands against a 3-node cluster: any node answers for files owned
// anywhere, output is JSON on request, exit codes follow the HTTP outcome, and `get --resume`
// continues a partial download with a Range request.
import { expect } from 'chai';
import { Etcd3 } from 'etcd3';
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster, type TestCluster } from '../support/cluster.js';
import { call, sha256 } from '../support/http.js';
import { API_KEY, CHILD_RUNTIME } from '../support/node.js';
import { onTerminal } from '../support/pty.js';
import { callfsArgv } from '../../devkit/node-process.js';
import { etagMarker } from '../../src/cli/client/commands.js';

const exists = (p: string): Promise<boolean> =>
  access(p).then(
    () => true,
    () => false,
  );

// The build when it is fresh, else the sources through tsx (as the nodes: CHILD_RUNTIME).
const CALLFS = callfsArgv(CHILD_RUNTIME, []).slice(1);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(url: string, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [...CALLFS, ...args],
      { env: { ...process.env, CALLFS_URL: url, CALLFS_API_KEY: API_KEY }, maxBuffer: 64 << 20 },
      (err, stdout, stderr) => {
        const code = err ? ((err as { code?: number }).code ?? 1) : 0;
        resolve({ code: typeof code === 'number' ? code : 1, stdout, stderr });
      },
    );
  });
}

describe('cluster: the callfs client commands', function () {
  this.timeout(120_000);
  let cluster: TestCluster;
  let n1: string, n2: string, n3: string;
  let dir: string;
  const data = randomBytes(2 * 1024 * 1024 + 11);

  before(async () => {
    cluster = await startCluster(3);
    [n1, n2, n3] = cluster.nodes.map((n) => n.url) as [string, string, string];
    dir = await mkdtemp(join(tmpdir(), 'callfs-cli-'));
    await writeFile(join(dir, 'src.bin'), data);
  });
  after(async () => {
    await cluster?.stop();
    // Unset when the cluster failed to start: the failure to report is that one.
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('should upload with put on node-1 and name node-1 in where when asked on node-3', async () => {
    const up = await cli(n1, ['put', join(dir, 'src.bin'), '/cli/data.bin', '--json']);
    expect([up.code, JSON.parse(up.stdout).created]).to.deep.equal([0, true]);
    const where = await cli(n3, ['where', '/cli/data.bin']);
    expect([where.code, where.stdout.trim()]).to.deep.equal([0, 'node-1\tlocalfs']);
  });

  it('should download the same bytes with get when asked on node-2', async () => {
    const out = join(dir, 'got.bin');
    const r = await cli(n2, ['get', '/cli/data.bin', out]);
    expect(r.code).to.equal(0);
    expect(sha256(await readFile(out))).to.equal(sha256(data));
  });

  it('should list entries as JSON when ls --json runs on node-3', async () => {
    const r = await cli(n3, ['ls', '/cli', '--json']);
    const items = JSON.parse(r.stdout) as Array<{ name: string; size: number }>;
    expect(items.map((i) => [i.name, i.size])).to.deep.equal([['data.bin', data.length]]);
  });

  it('should print the owner and size when stat --json runs on node-2', async () => {
    const r = await cli(n2, ['stat', '/cli/data.bin', '--json']);
    expect(JSON.parse(r.stdout)).to.include({ size: data.length, instance_id: 'node-1' });
  });

  it('should exit 3 when the path does not exist', async () => {
    const r = await cli(n1, ['stat', '/cli/nope']);
    expect(r.code).to.equal(3);
  });

  it('should exit 4 with FILE_ALREADY_EXISTS when put --create-only meets an existing file', async () => {
    const r = await cli(n2, ['put', join(dir, 'src.bin'), '/cli/data.bin', '--create-only']);
    expect([r.code, r.stderr]).to.satisfy(
      ([code, err]: [number, string]) => code === 4 && err.includes('FILE_ALREADY_EXISTS'),
    );
  });

  it('should exit 5 when the key is wrong', async () => {
    const r = await cli(n1, ['ls', '/', '--key', 'wrong-key-0123456789abcdef']);
    expect(r.code).to.equal(5);
  });

  it('should exit 6 when no node answers at the URL', async () => {
    const r = await cli('http://127.0.0.1:1', ['ls', '/']);
    expect(r.code).to.equal(6);
  });

  it('should exit 2 when a required argument is missing', async () => {
    const r = await cli(n1, ['get']);
    expect(r.code).to.equal(2);
  });

  it('should move then remove a file owned by node-1 when run on node-3', async () => {
    await call(n1, 'POST', '/v1/files/cli/m.txt', { body: 'move me' });
    const mv = await cli(n3, ['mv', '/cli/m.txt', '/cli/moved/m.txt', '--parents']);
    expect([mv.code, mv.stdout.trim()]).to.deep.equal([0, '/cli/moved/m.txt']);
    const rmr = await cli(n3, ['rm', '/cli/moved', '-r']);
    expect(rmr.code).to.equal(0);
    expect((await call(n2, 'HEAD', '/v1/files/cli/moved')).status).to.equal(404);
  });

  it('should print changes made on other nodes when watch --count runs on node-2', async () => {
    await call(n1, 'POST', '/v1/files/clw/');
    const proc = spawn(
      process.execPath,
      [...CALLFS, 'watch', '/clw', '--recursive', '--json', '--count', '2'],
      { env: { ...process.env, CALLFS_URL: n2, CALLFS_API_KEY: API_KEY } },
    );
    let out = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    // The feed is open once `watching` is printed to stderr.
    let err = '';
    await new Promise<void>((resolve, reject) => {
      proc.stderr.on('data', (d: Buffer) => {
        err += d.toString();
        if (err.includes('watching')) resolve();
      });
      proc.once('exit', () => reject(new Error(`watch exited: ${err}`)));
    });
    await call(n3, 'POST', '/v1/files/clw/w1.txt', { body: '1' });
    await call(n1, 'DELETE', '/v1/files/clw/w1.txt');
    const code = await new Promise<number | null>((resolve) => {
      if (proc.exitCode !== null) resolve(proc.exitCode);
      else proc.once('exit', resolve);
    });
    const events = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; path: string });
    expect([code, events.map((e) => `${e.type} ${e.path}`)]).to.deep.equal([
      0,
      ['create /clw/w1.txt', 'delete /clw/w1.txt'],
    ]);
  });

  // Needs the server's Range support (206 Partial Content).
  it('should finish a partial download with a 206 range when get --resume runs', async () => {
    const out = join(dir, 'partial.bin');
    await writeFile(out, data);
    await truncate(out, 1_000_000);
    const r = await cli(n3, ['get', '/cli/data.bin', out, '--resume', '--json']);
    const result = JSON.parse(r.stdout) as { status: number; resumed_from: number };
    expect([result.status, result.resumed_from]).to.deep.equal([206, 1_000_000]);
    expect(sha256(await readFile(out))).to.equal(sha256(data));
  });

  it('should download the new version whole when get --resume finds the file replaced since the cut', async () => {
    await call(n1, 'PUT', '/v1/files/cli/changing.bin', { body: data });
    const out = join(dir, 'changing.bin');
    // A download cut after 1 MB: its bytes, and the ETag `get` kept beside them.
    const first = await cli(n2, ['get', '/cli/changing.bin', out, '--json']);
    expect(first.code).to.equal(0);
    const etag = (await call(n3, 'HEAD', '/v1/files/cli/changing.bin')).headers.get('etag')!;
    await truncate(out, 1_000_000);
    await writeFile(etagMarker(out), `${etag}\n`);
    const next = randomBytes(data.length);
    await call(n3, 'PUT', '/v1/files/cli/changing.bin', { body: next });
    const r = await cli(n3, ['get', '/cli/changing.bin', out, '--resume', '--json']);
    const result = JSON.parse(r.stdout) as { status: number; resumed_from: number };
    expect([result.status, result.resumed_from]).to.deep.equal([200, 0]);
    expect(sha256(await readFile(out))).to.equal(sha256(next));
    expect(await exists(etagMarker(out))).to.equal(false);
  });

  it('should resume with 206 when the ETag kept beside the partial file still names the file', async () => {
    const out = join(dir, 'kept.bin');
    const r = await cli(n1, ['get', '/cli/data.bin', out]);
    expect([r.code, await exists(etagMarker(out))]).to.deep.equal([0, false]);
    await truncate(out, 500_000);
    const etag = (await call(n2, 'HEAD', '/v1/files/cli/data.bin')).headers.get('etag')!;
    await writeFile(etagMarker(out), etag);
    const again = await cli(n2, ['get', '/cli/data.bin', out, '--resume', '--json']);
    expect(JSON.parse(again.stdout)).to.include({ status: 206, resumed_from: 500_000 });
    expect(sha256(await readFile(out))).to.equal(sha256(data));
  });

  it('should draw a progress bar on a terminal when put and get transfer a file', async () => {
    const env = { CALLFS_URL: n1, CALLFS_API_KEY: API_KEY };
    const full = `[${'#'.repeat(30)}] 2.0 MiB / 2.0 MiB`;
    const up = await onTerminal(
      [process.execPath, ...CALLFS, 'put', join(dir, 'src.bin'), '/cli/pty.bin'],
      env,
    );
    expect([up.code, up.output.includes(`/cli/pty.bin ${full}`)]).to.deep.equal([0, true]);
    const out = join(dir, 'pty.bin');
    const down = await onTerminal([process.execPath, ...CALLFS, 'get', '/cli/pty.bin', out], {
      ...env,
      CALLFS_URL: n3,
    });
    expect([down.code, down.output.includes(`/cli/pty.bin ${full}`)]).to.deep.equal([0, true]);
    expect(sha256(await readFile(out))).to.equal(sha256(data));
  });

  it('should exit 7 with REVISION_COMPACTED when watch --since names a compacted revision', async () => {
    const etcd = new Etcd3({ hosts: cluster.etcd.endpoint });
    try {
      const rev = (await etcd.kv.range({ key: Buffer.from('x') })).header.revision;
      await etcd.kv.compact({ revision: rev });
      const r = await cli(n2, ['watch', '/', '--since', '1']);
      expect([r.code, r.stderr.includes('REVISION_COMPACTED')]).to.deep.equal([7, true]);
    } finally {
      etcd.close();
    }
  });

  it('should keep watching through a restart of the node it watches on and print what changed meanwhile', async () => {
    await call(n1, 'POST', '/v1/files/clr/');
    const proc = spawn(process.execPath, [...CALLFS, 'watch', '/clr', '--json', '--count', '1'], {
      env: { ...process.env, CALLFS_URL: n2, CALLFS_API_KEY: API_KEY },
    });
    let out = '';
    let err = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => proc.once('exit', resolve));
    await new Promise<void>((resolve, reject) => {
      proc.stderr.on('data', (d: Buffer) => {
        err += d.toString();
        if (err.includes('watching')) resolve();
      });
      void exited.then(() => reject(new Error(`watch exited: ${err}`)));
    });
    await cluster.nodes[1]!.kill('SIGTERM');
    await call(n1, 'POST', '/v1/files/clr/while-down.txt', { body: 'x' });
    await cluster.nodes[1]!.restart();
    const code = await exited;
    const events = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; path: string });
    expect([code, events.map((e) => `${e.type} ${e.path}`)], err).to.deep.equal([
      0,
      ['create /clr/while-down.txt'],
    ]);
  });

  it('should print JSON when where, mv and rm run with --json on a non-owner', async () => {
    await call(n1, 'POST', '/v1/files/clj/a.txt', { body: 'json' });
    const where = await cli(n2, ['where', '/clj/a.txt', '--json']);
    const mv = await cli(n3, ['mv', '/clj/a.txt', '/clj/b.txt', '--json']);
    const rmd = await cli(n2, ['rm', '/clj/b.txt', '--json']);
    expect([where, mv, rmd].map((r) => [r.code, JSON.parse(r.stdout)])).to.deep.equal([
      [0, { path: '/clj/a.txt', instance_id: 'node-1', backend_type: 'localfs' }],
      [0, { path: '/clj/b.txt' }],
      [0, { path: '/clj/b.txt', deleted: true }],
    ]);
  });

  it('should exit 8 with RANGE_NOT_SATISFIABLE when get --resume finds a local file larger than the remote one', async () => {
    await call(n1, 'PUT', '/v1/files/cli/small.txt', { body: 'tiny' });
    const out = join(dir, 'larger.txt');
    await writeFile(out, 'much more than four bytes');
    const r = await cli(n2, ['get', '/cli/small.txt', out, '--resume']);
    expect([r.code, r.stderr.includes('RANGE_NOT_SATISFIABLE')]).to.deep.equal([8, true]);
  });
});
