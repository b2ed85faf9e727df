// scripts/cluster.sh end to end: `up` on free non-default ports with a temp state dir (so a
// developer's own dev cluster is never touched), a file through the cluster, then `down`.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlive } from '../../devkit/proc.js';
import { cluster, devClusterEnv, type ScriptResult } from '../support/dev-cluster.js';
import { call, sha256 } from '../support/http.js';

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
    ({ env, nodeUrls } = await devClusterEnv(stateDir, apiKey));
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

  it('should store a posted file as 0644 on its owner disk when the nodes run under umask 077', async () => {
    const res = await call(nodeUrls[0]!, 'POST', '/v1/files/modes/m.txt', {
      key: apiKey,
      body: 'm',
    });
    expect(res.status).to.equal(201);
    const modes = [
      join(stateDir, 'node-1/data/modes/m.txt'),
      join(stateDir, 'node-1/data/modes'),
    ].map((p) => (statSync(p).mode & 0o777).toString(8));
    expect(modes).to.deep.equal(['644', '755']);
  });

  describe('restart node-2', () => {
    const bodies = new Map<number, Buffer>();
    let restart: ScriptResult;
    let earlier: Map<string, number>;

    before(async () => {
      for (const i of [0, 1, 2]) {
        const body = randomBytes(4096);
        bodies.set(i, body);
        const res = await call(nodeUrls[i]!, 'POST', `/v1/files/restart/n${i + 1}.bin`, {
          key: apiKey,
          body,
        });
        if (res.status !== 201) throw new Error(`POST on node-${i + 1}: ${res.status}`);
      }
      earlier = await readPids(stateDir);
      restart = await cluster('restart node-2', env);
    });

    it('should exit 0 and give node-2 a new pid when it has run', async () => {
      expect(restart.code, restart.stdout + restart.stderr).to.equal(0);
      const after = await readPids(stateDir);
      expect(after.get('node-2')).to.not.equal(earlier.get('node-2'));
      expect(isAlive(after.get('node-2')!)).to.equal(true);
      pids = after;
    });

    it('should keep the pids of etcd and the other nodes when it has run', async () => {
      const after = await readPids(stateDir);
      expect(['etcd', 'node-1', 'node-3'].map((n) => after.get(n))).to.deep.equal(
        ['etcd', 'node-1', 'node-3'].map((n) => earlier.get(n)),
      );
    });

    it('should serve every node file with its bytes from every node when node-2 is back', async () => {
      const seen: string[] = [];
      const want: string[] = [];
      for (const [i, body] of bodies) {
        for (const url of nodeUrls) {
          const res = await call(url, 'GET', `/v1/files/restart/n${i + 1}.bin`, { key: apiKey });
          seen.push(`${res.status} ${sha256(Buffer.from(await res.arrayBuffer()))}`);
          want.push(`200 ${sha256(body)}`);
        }
      }
      expect(seen).to.deep.equal(want);
    });

    it('should exit non-zero naming the nodes when it is given an unknown node', async () => {
      const bad = await cluster('restart node-9', env);
      expect(bad.code).to.not.equal(0);
      expect(bad.stderr).to.include('node-1 node-2 node-3');
    });
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
