// scripts/cluster.sh end to end: `up` on free non-default ports with a temp state dir (so a
// developer's own dev cluster is never touched), a file through the cluster, then `down`.
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { isAlive } from '../../devkit/proc.js';
import { call, sha256 } from '../support/http.js';

const SCRIPT = new URL('../../scripts/cluster.sh', import.meta.url).pathname;
const run = promisify(execFile);

interface ScriptResult {
  code: number;
  stdout: string;
  stderr: string;
}

async function cluster(command: string, env: NodeJS.ProcessEnv): Promise<ScriptResult> {
  try {
    const { stdout, stderr } = await run('bash', [SCRIPT, command], { env, timeout: 90_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number | string; stdout?: string; stderr?: string };
    return {
      code: typeof e.code === 'number' ? e.code : -1,
      stdout: e.stdout ?? '',
      stderr: e.stderr ?? String(err),
    };
  }
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** A base port whose `span` ports are all free and unclaimed, below the ephemeral range. */
async function freeBase(span: number, claimed: Set<number>): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = randomInt(20_000, 32_000);
    const ports = Array.from({ length: span }, (_, i) => base + i);
    if (ports.some((p) => claimed.has(p))) continue;
    if ((await Promise.all(ports.map(isFree))).every(Boolean)) {
      ports.forEach((p) => claimed.add(p));
      return base;
    }
  }
  throw new Error(`no ${span} consecutive free ports found`);
}

function startedFrom(pid: number, stateDir: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(stateDir);
  } catch {
    return false;
  }
}

async function readPids(stateDir: string): Promise<Map<string, number>> {
  const dir = join(stateDir, 'pids');
  const pids = new Map<string, number>();
  for (const file of await readdir(dir)) {
    if (file.endsWith('.pid')) {
      pids.set(file.slice(0, -4), Number((await readFile(join(dir, file), 'utf8')).trim()));
    }
  }
  return pids;
}

describe('scripts/cluster.sh', function () {
  this.timeout(120_000);
  let tmp: string;
  let stateDir: string;
  let env: NodeJS.ProcessEnv;
  let nodeUrls: string[];
  let up: ScriptResult;
  let pids = new Map<string, number>();
  /** The S3 server's pid (scripts/s3.sh records it apart from the cluster's). */
  let s3Pid = 0;
  const apiKey = `dev-key-test-${randomBytes(12).toString('hex')}`;

  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'callfs-cluster-script-'));
    stateDir = join(tmp, 'state');
    const claimed = new Set<number>();
    const httpBase = await freeBase(3, claimed);
    const grpcBase = await freeBase(3, claimed);
    const etcdPort = await freeBase(2, claimed);
    const s3Port = await freeBase(1, claimed);
    nodeUrls = [0, 1, 2].map((i) => `http://127.0.0.1:${httpBase + i}`);
    env = {
      ...process.env,
      CALLFS_DEV_STATE_DIR: stateDir,
      CALLFS_DEV_HTTP_BASE_PORT: String(httpBase),
      CALLFS_DEV_GRPC_BASE_PORT: String(grpcBase),
      CALLFS_DEV_ETCD_PORT: String(etcdPort),
      CALLFS_DEV_S3_PORT: String(s3Port),
      CALLFS_DEV_API_KEY: apiKey,
      CALLFS_DEV_READY_TIMEOUT: '60',
      // The suite runs with node_modules in use: never let setup.sh run `npm ci` under it.
      CALLFS_DEV_SKIP_SETUP: '1',
    };
    up = await cluster('up', env);
    if (existsSync(join(stateDir, 'pids'))) pids = await readPids(stateDir);
    const s3PidFile = join(stateDir, 's3', 's3rver.pid');
    if (existsSync(s3PidFile)) s3Pid = Number((await readFile(s3PidFile, 'utf8')).trim());
    if (up.code !== 0) throw new Error(`cluster.sh up failed (${up.code}):\n${up.stderr}`);
  });

  after(async () => {
    // Whatever the tests did, leave nothing running: down, then SIGKILL any recorded survivor.
    if (stateDir !== undefined && existsSync(stateDir)) await cluster('down', env);
    for (const pid of [...pids.values(), s3Pid]) {
      if (isAlive(pid) && startedFrom(pid, stateDir)) process.kill(pid, 'SIGKILL');
    }
    if (tmp !== undefined) await rm(tmp, { recursive: true, force: true });
  });

  it('should record etcd and three node pids when up has returned', () => {
    expect([...pids.keys()].sort()).to.deep.equal(['etcd', 'node-1', 'node-2', 'node-3']);
  });

  it('should answer /ready 200 on every node when up has returned', async () => {
    const statuses = await Promise.all(
      nodeUrls.map(async (url) => (await fetch(`${url}/ready`)).status),
    );
    expect(statuses).to.deep.equal([200, 200, 200]);
  });

  it('should print the node URLs and the API key when up has returned', () => {
    for (const url of nodeUrls) expect(up.stdout).to.include(url);
    expect(up.stdout).to.include(apiKey);
  });

  it('should serve a file from every node when it was posted on node 1 with the dev key', async () => {
    const body = randomBytes(64 * 1024);
    const posted = await call(nodeUrls[0]!, 'POST', '/v1/files/script-test.bin', {
      key: apiKey,
      body,
    });
    expect(posted.status).to.equal(201);
    const digests = await Promise.all(
      nodeUrls.map(async (url) => {
        const res = await call(url, 'GET', '/v1/files/script-test.bin', { key: apiKey });
        return `${res.status} ${sha256(Buffer.from(await res.arrayBuffer()))}`;
      }),
    );
    expect(digests).to.deep.equal(nodeUrls.map(() => `200 ${sha256(body)}`));
  });

  it('should store a file created on node 3 on S3 when up has returned', async () => {
    const auth = { authorization: `Bearer ${apiKey}` };
    await fetch(`${nodeUrls[2]}/v1/files/on-s3.txt`, { method: 'PUT', headers: auth, body: 'x' });
    const head = await fetch(`${nodeUrls[0]}/v1/files/on-s3.txt`, {
      method: 'HEAD',
      headers: auth,
    });
    expect(head.headers.get('x-callfs-backend-type')).to.equal('s3');
  });

  it('should report every process alive and ready when status runs', async () => {
    const status = await cluster('status', env);
    expect(status.code, status.stdout + status.stderr).to.equal(0);
    expect(status.stdout.match(/\/ready 200/g)).to.have.length(3);
  });

  it('should exit 0 without starting anything when up runs while the cluster is up', async () => {
    const again = await cluster('up', env);
    expect(again.code, again.stderr).to.equal(0);
    expect(again.stdout).to.include('already running');
    expect(await readPids(stateDir)).to.deep.equal(pids);
  });

  describe('down', () => {
    let down: ScriptResult;

    before(async () => {
      down = await cluster('down', env);
    });

    it('should exit 0 when the cluster was up', () => {
      expect(down.code, down.stderr).to.equal(0);
    });

    it('should leave none of the recorded pids alive when it has run', () => {
      const alive = [...pids].filter(([, pid]) => isAlive(pid)).map(([name]) => name);
      expect(alive).to.deep.equal([]);
    });

    it('should stop the S3 server when it has run', () => {
      expect([s3Pid > 0, isAlive(s3Pid)]).to.deep.equal([true, false]);
    });

    it('should remove the state dir when it has run', () => {
      expect(existsSync(stateDir)).to.equal(false);
    });

    it('should exit 0 when it runs again with nothing running', async () => {
      const again = await cluster('down', env);
      expect(again.code, again.stderr).to.equal(0);
    });
  });
});
