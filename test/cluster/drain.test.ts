// `callfs drain` on a real 3-node cluster: every file node-1 owns, in several directories, ends
// on node-2 or node-3 with the same bytes, readable from every node; node-1 owns nothing; a
// second run has nothing to do; a drain that would lose data is refused.
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { callfsArgv } from '../../devkit/node-process.js';
import { startCluster, type TestCluster } from '../support/cluster.js';
import { call, sha256 } from '../support/http.js';
import { CHILD_RUNTIME, rawConfig } from '../support/node.js';

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function callfs(...args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    const [node, ...argv] = callfsArgv(CHILD_RUNTIME, args);
    execFile(node!, argv, { timeout: 120_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

interface Report {
  moved: number;
  remaining: number;
  targets: string[];
  failed: Array<{ path: string }>;
}

describe('callfs drain', function () {
  this.timeout(240_000);
  let cluster: TestCluster;
  let dir: string;
  let configFile: string;
  const files = new Map<string, Buffer>();
  const paths = [
    '/drain/a.bin',
    '/drain/b.bin',
    '/drain/sub/c.bin',
    '/drain/sub/deeper/d.bin',
    '/other/e.bin',
    '/f.bin',
  ];

  before(async () => {
    cluster = await startCluster(3);
    const [n1, n2] = cluster.nodes;
    for (const [i, path] of paths.entries()) {
      const body = randomBytes(1024 * (i + 1) * 37);
      files.set(path, body);
      const res = await call(n1!.url, 'POST', `/v1/files${path}`, { body });
      if (res.status !== 201) throw new Error(`POST ${path}: ${res.status}`);
    }
    const theirs = randomBytes(2048);
    files.set('/drain/theirs.bin', theirs);
    await call(n2!.url, 'POST', '/v1/files/drain/theirs.bin', { body: theirs });
    dir = await mkdtemp(join(tmpdir(), 'callfs-drain-'));
    // Any node's configuration will do: the drain needs the etcd endpoints and the secret.
    configFile = join(dir, 'node-3.json');
    const n3 = cluster.nodes[2]!;
    await writeFile(
      configFile,
      JSON.stringify(
        rawConfig({
          etcdEndpoint: cluster.etcd.endpoint,
          prefix: cluster.prefix,
          instanceId: 'node-3',
          root: n3.root,
          httpPort: n3.httpPort,
          grpcPort: n3.grpcPort,
        }),
      ),
    );
  });
  after(async () => {
    await cluster?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const owners = async (): Promise<Map<string, string>> => {
    const out = new Map<string, string>();
    for (const path of files.keys()) {
      const res = await call(cluster.nodes[0]!.url, 'HEAD', `/v1/files${path}`);
      out.set(path, `${res.status} ${res.headers.get('x-callfs-instance-id')}`);
    }
    return out;
  };

  it('should refuse with exit 2 when the node to drain is not a live member', async () => {
    const res = await callfs('drain', '--config', configFile, '--instance', 'node-9');
    expect(res.code, res.stderr).to.equal(2);
    expect(res.stderr).to.include('node-9 is not a live member');
  });

  it('should refuse with exit 2 and move nothing when --to names only the drained node', async () => {
    const res = await callfs(
      'drain',
      '--config',
      configFile,
      '--instance',
      'node-1',
      '--to',
      'node-1',
    );
    expect(res.code, res.stderr).to.equal(2);
    expect([...(await owners()).values()].filter((o) => o === '200 node-1')).to.have.length(6);
  });

  describe('of node-1', () => {
    let first: CliResult;
    let report: Report;

    before(async () => {
      first = await callfs('drain', '--config', configFile, '--instance', 'node-1', '--json');
      report = JSON.parse(first.stdout) as Report;
    });

    it('should exit 0 with every file of node-1 moved and none left when it has run', () => {
      expect(first.code, first.stderr).to.equal(0);
      expect([report.moved, report.remaining, report.failed]).to.deep.equal([6, 0, []]);
      expect(report.targets).to.deep.equal(['node-2', 'node-3']);
    });

    it('should report progress on stderr, one line per file', () => {
      for (const path of paths) expect(first.stderr).to.include(path);
    });

    it('should leave every file owned by node-2 or node-3 when it has run', async () => {
      const seen = [...(await owners()).values()];
      expect(seen.filter((o) => o === '200 node-2' || o === '200 node-3')).to.have.length(7);
    });

    it('should use both other nodes when it has run', async () => {
      const seen = new Set((await owners()).values());
      expect(seen).to.include('200 node-2').and.include('200 node-3');
    });

    it('should serve every file with the same SHA-256 from every node when it has run', async () => {
      const seen: string[] = [];
      const want: string[] = [];
      for (const [path, body] of files) {
        for (const node of cluster.nodes) {
          const res = await call(node.url, 'GET', `/v1/files${path}`);
          seen.push(`${path} ${res.status} ${sha256(Buffer.from(await res.arrayBuffer()))}`);
          want.push(`${path} 200 ${sha256(body)}`);
        }
      }
      expect(seen).to.deep.equal(want);
    });

    it('should move nothing and exit 0 when it runs again', async () => {
      const again = await callfs('drain', '--config', configFile, '--instance', 'node-1', '--json');
      expect(again.code, again.stderr).to.equal(0);
      const r = JSON.parse(again.stdout) as Report;
      expect([r.moved, r.remaining]).to.deep.equal([0, 0]);
    });

    it('should move a file written to node-1 after the drain when it runs again', async () => {
      const late = randomBytes(5000);
      files.set('/drain/late.bin', late);
      expect(
        (await call(cluster.nodes[0]!.url, 'PUT', '/v1/files/drain/late.bin', { body: late }))
          .status,
      ).to.equal(201);
      const again = await callfs('drain', '--config', configFile, '--instance', 'node-1', '--json');
      expect(again.code, again.stderr).to.equal(0);
      expect((JSON.parse(again.stdout) as Report).moved).to.equal(1);
      const owner = (await owners()).get('/drain/late.bin');
      expect(['200 node-2', '200 node-3']).to.include(owner);
    });
  });

  describe('when every move of a file fails', () => {
    const body = randomBytes(9000);
    let failed: CliResult;

    before(async () => {
      const res = await call(cluster.nodes[0]!.url, 'POST', '/v1/files/blocked/f.bin', { body });
      if (res.status !== 201) throw new Error(`POST /blocked/f.bin: ${res.status}`);
      // Something foreign where the file would go on both other disks: each refuses to stage it.
      for (const node of cluster.nodes.slice(1)) {
        await mkdir(join(node.root, 'blocked/f.bin'), { recursive: true });
        await writeFile(join(node.root, 'blocked/f.bin/foreign'), 'not ours');
      }
      failed = await callfs('drain', '--config', configFile, '--instance', 'node-1', '--json');
    });

    it('should exit 1 listing the failed move and the file left when it has run', () => {
      expect(failed.code, failed.stderr).to.equal(1);
      const r = JSON.parse(failed.stdout) as Report;
      expect([r.failed.map((f) => f.path), r.remaining]).to.deep.equal([['/blocked/f.bin'], 1]);
    });

    it('should leave the file on node-1 with its bytes when its move failed', async () => {
      const res = await call(cluster.nodes[2]!.url, 'GET', '/v1/files/blocked/f.bin');
      expect([
        res.status,
        res.headers.get('x-callfs-instance-id'),
        sha256(Buffer.from(await res.arrayBuffer())),
      ]).to.deep.equal([200, 'node-1', sha256(body)]);
    });

    it('should move it when the drain runs again once the way is clear', async () => {
      for (const node of cluster.nodes.slice(1)) {
        await rm(join(node.root, 'blocked'), { recursive: true, force: true });
      }
      const again = await callfs('drain', '--config', configFile, '--instance', 'node-1', '--json');
      expect(again.code, again.stderr).to.equal(0);
      const res = await call(cluster.nodes[0]!.url, 'GET', '/v1/files/blocked/f.bin');
      expect([res.status, sha256(Buffer.from(await res.arrayBuffer()))]).to.deep.equal([
        200,
        sha256(body),
      ]);
      expect(['node-2', 'node-3']).to.include(res.headers.get('x-callfs-instance-id'));
    });
  });
});
