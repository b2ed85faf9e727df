// A client outside Node: Python stubs generated from proto/ at test time (Debian's
// python3-grpc-tools, run by /usr/bin/python3, which is the interpreter those packages serve)
// drive examples/python/callfs_client.py against a 3-node cluster: every FileService call,
// relayed through nodes that do not own the file, byte for byte, and the error table.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster, type TestCluster } from '../support/cluster.js';
import { sha256 } from '../support/http.js';
import { API_KEY, OTHER_KEY } from '../support/node.js';

const PYTHON = '/usr/bin/python3';
const ROOT = new URL('../..', import.meta.url).pathname;
const CLIENT = join(ROOT, 'examples/python/callfs_client.py');

interface Run {
  status: number | null;
  stdout: Buffer;
  stderr: string;
}

function run(args: string[], env: NodeJS.ProcessEnv, input?: Buffer): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout: Buffer.concat(out), stderr: err }));
    child.stdin.end(input ?? Buffer.alloc(0));
  });
}

/** A command that runs until it ends by itself, with its JSON lines as they come. */
function follow(args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(PYTHON, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Record<string, unknown>[] = [];
  let buffered = '';
  let err = '';
  const waiters: Array<() => void> = [];
  child.stdout.on('data', (d: Buffer) => {
    buffered += d.toString();
    for (let i = buffered.indexOf('\n'); i >= 0; i = buffered.indexOf('\n')) {
      lines.push(JSON.parse(buffered.slice(0, i)) as Record<string, unknown>);
      buffered = buffered.slice(i + 1);
    }
    waiters.splice(0).forEach((w) => w());
  });
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const closed = new Promise<number | null>((resolve) => child.once('close', resolve));
  return {
    lines,
    /** Resolves once `n` lines were printed; rejects if the command ends first. */
    async lines_(n: number): Promise<void> {
      while (lines.length < n) {
        const more = new Promise<void>((resolve) => waiters.push(resolve));
        const ended = closed.then((status) => {
          throw new Error(`the command ended (${status}) after ${lines.length} lines: ${err}`);
        });
        await Promise.race([more, ended]);
      }
    },
    async done(): Promise<number | null> {
      return closed;
    },
    kill: () => child.kill(),
  };
}

describe('a Python client generated from proto/', function () {
  this.timeout(180_000);
  let cluster: TestCluster;
  let stubs: string;
  let env: NodeJS.ProcessEnv;

  const addr = (i: number) => cluster.nodes[i]!.grpcAddr;
  const py = (node: number, key: string, args: string[], input?: Buffer) =>
    run([CLIENT, '--addr', addr(node), '--key', key, ...args], env, input);
  const ok = async (node: number, args: string[], input?: Buffer): Promise<Buffer> => {
    const r = await py(node, API_KEY, args, input);
    if (r.status !== 0) throw new Error(`python client failed: ${r.stderr}`);
    return r.stdout;
  };
  const json = async (node: number, args: string[], input?: Buffer) =>
    JSON.parse((await ok(node, args, input)).toString()) as Record<string, unknown>;
  /** The status, code and trailers the client printed for a call that must fail. */
  const failure = async (node: number, args: string[], key = API_KEY) => {
    const r = await py(node, key, args);
    if (r.status === 0) throw new Error(`expected a failure of ${args.join(' ')}`);
    return JSON.parse(r.stderr.trim().split('\n').pop()!) as Record<string, string | null>;
  };

  before(async () => {
    // The stubs are generated while the cluster starts: neither needs the other.
    const [stubsMade, started] = await Promise.allSettled([generateStubs(), startCluster(3)]);
    if (started.status === 'rejected') throw started.reason;
    cluster = started.value;
    if (stubsMade.status === 'rejected') throw stubsMade.reason;
  });
  async function generateStubs(): Promise<void> {
    const gen = await run(['-c', 'import grpc_tools, grpc'], process.env);
    if (gen.status !== 0) {
      throw new Error(
        'python3-grpcio / python3-grpc-tools are missing: run scripts/setup.sh (apt-get install -y python3-grpcio python3-grpc-tools)',
      );
    }
    stubs = await mkdtemp(join(tmpdir(), 'callfs-pystubs-'));
    const protoc = await run(
      [
        '-m',
        'grpc_tools.protoc',
        `-I${join(ROOT, 'proto')}`,
        `--python_out=${stubs}`,
        `--grpc_python_out=${stubs}`,
        join(ROOT, 'proto/callfs/v1/files.proto'),
      ],
      process.env,
    );
    if (protoc.status !== 0) throw new Error(`protoc failed: ${protoc.stderr}`);
    env = { ...process.env, PYTHONPATH: stubs };
  }
  after(async () => {
    await cluster?.stop();
    if (stubs) await rm(stubs, { recursive: true, force: true });
  });

  it('should Stat through a node that does not own the file', async () => {
    await ok(0, ['write', '/py/small.txt'], Buffer.from('hello from python'));
    const info = await json(1, ['stat', '/py/small.txt']);
    expect([info.instance_id, info.size, info.type]).to.deep.equal([
      'node-1',
      17,
      'FILE_TYPE_FILE',
    ]);
  });

  it('should Read the same bytes through a node that does not own the file', async () => {
    const data = randomBytes(300_000);
    await ok(0, ['write', '/py/bytes.bin'], data);
    expect(sha256(await ok(2, ['read', '/py/bytes.bin']))).to.equal(sha256(data));
  });

  it('should Write (replace) through a node that does not own the file', async () => {
    const data = randomBytes(100_000);
    const r = await json(1, ['write', '/py/bytes.bin'], data);
    const back = await ok(0, ['read', '/py/bytes.bin']);
    expect([r.created, sha256(back)]).to.deep.equal([false, sha256(data)]);
  });

  it('should round-trip 64 MiB byte for byte when written and read through other nodes', async () => {
    const data = randomBytes(64 * 1024 * 1024);
    await ok(1, ['write', '/py/big.bin'], data);
    expect(sha256(await ok(2, ['read', '/py/big.bin']))).to.equal(sha256(data));
  });

  it('should Mkdir, List page by page, Move by name and Delete', async () => {
    await json(0, ['mkdir', '/py/dir']);
    for (const n of ['a', 'b', 'c']) await ok(1, ['write', `/py/dir/${n}.txt`], Buffer.from(n));
    const listed = (await json(2, ['ls', '/py/dir', '--limit', '2'])) as unknown as {
      path: string;
    }[];
    const moved = await json(2, ['mv', '/py/dir/a.txt', '--name', 'z.txt']);
    await ok(0, ['rm', '/py/dir', '--recursive']);
    const gone = await failure(1, ['stat', '/py/dir']);
    expect([listed.map((e) => e.path), moved.path, gone.code]).to.deep.equal([
      ['/py/dir/a.txt', '/py/dir/b.txt', '/py/dir/c.txt'],
      '/py/dir/z.txt',
      'FILE_NOT_FOUND',
    ]);
  });

  it('should list a subtree when ls is recursive with max_depth', async () => {
    await ok(0, ['write', '/py/tree/x/y/z.txt'], Buffer.from('z'));
    const shallow = (await json(1, [
      'ls',
      '/py/tree',
      '--recursive',
      '--max-depth',
      '0',
    ])) as unknown as [];
    const deep = (await json(1, ['ls', '/py/tree', '--recursive'])) as unknown as [];
    expect([shallow.length, deep.length]).to.deep.equal([1, 3]);
  });

  const errorCases: Array<[string, string[], string, string, string?]> = [
    ['a missing file', ['stat', '/py/missing'], 'NOT_FOUND', 'FILE_NOT_FOUND'],
    ['a path above the root', ['stat', '/../etc'], 'INVALID_ARGUMENT', 'INVALID_PATH'],
    ['a wrong key', ['stat', '/'], 'UNAUTHENTICATED', 'AUTHENTICATION_FAILED', 'x'.repeat(20)],
    [
      'a create-only write of an existing file',
      ['write', '/py/small.txt', '--create-only'],
      'ALREADY_EXISTS',
      'FILE_ALREADY_EXISTS',
    ],
    [
      "a delete of another user's file",
      ['rm', '/py/small.txt'],
      'PERMISSION_DENIED',
      'PERMISSION_DENIED',
      OTHER_KEY,
    ],
    ['a listing of a file', ['ls', '/py/small.txt'], 'INVALID_ARGUMENT', 'NOT_A_DIRECTORY'],
    [
      'a listing with a forged cursor',
      ['ls', '/py', '--cursor', 'e30.AAAA'],
      'INVALID_ARGUMENT',
      'INVALID_CURSOR',
    ],
    ['a watch of a missing path', ['watch', '/py/missing'], 'NOT_FOUND', 'FILE_NOT_FOUND'],
    [
      'a watch from a revision not yet reached',
      ['watch', '/py', '--since', '999999999'],
      'INVALID_ARGUMENT',
      'BAD_REQUEST',
    ],
    ['a read of a directory', ['read', '/py'], 'INVALID_ARGUMENT', 'NOT_A_FILE'],
    [
      'a delete of a non-empty directory',
      ['rm', '/py'],
      'FAILED_PRECONDITION',
      'DIRECTORY_NOT_EMPTY',
    ],
    [
      'a move to a relative destination',
      ['mv', '/py/small.txt', '--destination', 'rel.txt'],
      'INVALID_ARGUMENT',
      'BAD_REQUEST',
    ],
    [
      'a file under a file',
      ['write', '/py/small.txt/child'],
      'FAILED_PRECONDITION',
      'PARENT_NOT_A_DIRECTORY',
    ],
  ];
  for (const [what, args, status, code, key] of errorCases) {
    it(`should fail with ${status} and x-callfs-code ${code} when the call is ${what}`, async () => {
      const e = await failure(1, args, key ?? API_KEY);
      expect([e.status, e.code]).to.deep.equal([status, code]);
    });
  }

  it('should answer ALREADY_EXISTS naming a directory when Mkdir repeats through another node', async () => {
    await json(0, ['mkdir', '/py/made-on-1']);
    const again = await json(0, ['mkdir', '/py/made-on-1']);
    const e = await failure(1, ['mkdir', '/py/made-on-1']);
    expect([again.created, e.status, e.code, e.existing_type, e.instance_id]).to.deep.equal([
      false,
      'ALREADY_EXISTS',
      'FILE_ALREADY_EXISTS',
      'directory',
      'node-1',
    ]);
  });

  it('should use every rpc of FileService in proto/ when the example client is read', async () => {
    const proto = await readFile(join(ROOT, 'proto/callfs/v1/files.proto'), 'utf8');
    const service = /service FileService \{([^}]*)\}/.exec(proto)![1]!;
    const rpcs = [...service.matchAll(/^\s*rpc (\w+)\(/gm)].map((m) => m[1]!);
    const client = await readFile(CLIENT, 'utf8');
    expect(rpcs.filter((r) => !new RegExp(`self\\.stub\\.${r}\\b`).test(client))).to.deep.equal([]);
    expect(rpcs).to.include('Watch');
  });

  it('should Watch through a node that does not own the files the changes other nodes make', async () => {
    await json(0, ['mkdir', '/py/feed']);
    const feed = follow(
      [
        CLIENT,
        '--addr',
        addr(1),
        '--key',
        API_KEY,
        'watch',
        '/py/feed',
        '--recursive',
        '--count',
        '2',
      ],
      env,
    );
    try {
      await feed.lines_(1);
      await ok(0, ['write', '/py/feed/a.txt'], Buffer.from('watched'));
      await ok(2, ['rm', '/py/feed/a.txt']);
      expect(await feed.done()).to.equal(0);
    } finally {
      feed.kill();
    }
    expect(feed.lines.map((e) => [e.type, e.path, e.instance_id, e.entry_type])).to.deep.equal([
      ['ready', '', '', 'FILE_TYPE_UNSPECIFIED'],
      ['create', '/py/feed/a.txt', 'node-1', 'FILE_TYPE_FILE'],
      ['delete', '/py/feed/a.txt', 'node-1', 'FILE_TYPE_FILE'],
    ]);
  });

  it('should resume Watch after a revision when since is given', async () => {
    const events = async (args: string[]) =>
      (await ok(2, ['watch', '/py/resume', ...args]))
        .toString()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { type: string; path: string; revision: string });
    await ok(0, ['write', '/py/resume/b.txt'], Buffer.from('b'));
    // From the start: the directory's own create, then the file's.
    const replay = await events(['--since', '1', '--count', '2']);
    const created = replay.find((e) => e.path === '/py/resume/b.txt')!;
    await ok(1, ['rm', '/py/resume/b.txt']);
    const after = await events(['--since', created.revision, '--count', '1']);
    expect(after.map((e) => [e.type, e.path])).to.deep.equal([
      ['ready', ''],
      ['delete', '/py/resume/b.txt'],
    ]);
  });

  it('should fail with UNAVAILABLE OWNER_UNAVAILABLE and a retry hint when the owner is down', async () => {
    await ok(2, ['write', '/py/on-node-3.txt'], Buffer.from('3'));
    await cluster.nodes[2]!.kill();
    const e = await failure(0, ['stat', '/py/on-node-3.txt']);
    expect([e.status, e.code, e.instance_id, e.retry_after]).to.deep.equal([
      'UNAVAILABLE',
      'OWNER_UNAVAILABLE',
      'node-3',
      '1',
    ]);
  });
});
