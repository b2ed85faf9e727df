// The CallFS benchmarks: starts its own baseline server and its own 3-node cluster (through
// scripts/cluster.sh, on non-default ports, state in a temp folder), measures large transfers,
// small-file traffic and the baselines in one run, and writes BENCHMARKS.md with the command of
// every figure. Run it with `scripts/bench` (the wrapper that guarantees clean-up), or
// `BENCH_QUICK=1 scripts/bench` for a smaller run. Every process it starts is stopped by pid.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  createReadStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expectedSha256 } from './bench-lib/data.js';
import { Procs } from '../devkit/proc.js';
import {
  renderReport,
  type LoadFigure,
  type Report,
  type TransferFigure,
} from './bench-lib/report.js';
import { sampleRss, type RssStats } from './bench-lib/rss.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const MiB = 1024 * 1024;
const QUICK = process.env.BENCH_QUICK === '1';
const SIZE = QUICK ? 256 * MiB : 1024 * MiB;
const SWEEP_SIZE = SIZE / 4; // a second, smaller relay size: does node memory grow with size?
const LOAD_SECONDS = QUICK ? 3 : 10;
const WARMUP_REQUESTS = QUICK ? 1000 : 3000;
const MAX_LOAD_REQUESTS = 1_000_000;
const CONNECTIONS = 50;
const CREATES = 1000;
const CREATE_CONCURRENCY = 16;
const SMALL = 1024;
const RSS_BOUND_MB = Number(process.env.BENCH_RSS_BOUND_MB ?? 256);
const KEY = process.env.BENCH_API_KEY ?? 'callfs-bench-key-7c1e0b5a93d84f26';
const HTTP_BASE = Number(process.env.BENCH_HTTP_BASE_PORT ?? 38441);
const GRPC_BASE = Number(process.env.BENCH_GRPC_BASE_PORT ?? 38451);
const ETCD_PORT = Number(process.env.BENCH_ETCD_PORT ?? 38461);
const TOTAL_LIMIT_MS = 15 * 60_000; // the whole bench, whatever happens
const TRANSFER_TIMEOUT_MS = QUICK ? 120_000 : 330_000;
const NODES = ['node-1', 'node-2', 'node-3'] as const;
type NodeName = (typeof NODES)[number];

const OWN_TMP = !process.env.BENCH_TMP;
const TMP = process.env.BENCH_TMP ?? mkdtempSync(join(tmpdir(), 'callfs-bench-'));
const STATE = join(TMP, 'cluster');
const procs = new Procs({ pidDir: join(TMP, 'pids'), cwd: ROOT });
const clusterEnv = {
  ...process.env,
  CALLFS_DEV_STATE_DIR: STATE,
  CALLFS_DEV_HTTP_BASE_PORT: String(HTTP_BASE),
  CALLFS_DEV_GRPC_BASE_PORT: String(GRPC_BASE),
  CALLFS_DEV_ETCD_PORT: String(ETCD_PORT),
  CALLFS_DEV_API_KEY: KEY,
  CALLFS_DEV_SKIP_SETUP: '1', // the bench never installs anything mid-run
};

const T0 = performance.now();
const log = (msg: string): void =>
  void process.stderr.write(`bench [${((performance.now() - T0) / 1000).toFixed(1)} s]: ${msg}\n`);
const mbps = (bytes: number, seconds: number): number => bytes / 1e6 / seconds;
const nodeUrl = (n: NodeName): string => `http://127.0.0.1:${HTTP_BASE + NODES.indexOf(n)}`;
const fmtSize = (bytes: number): string =>
  bytes >= 1024 * MiB ? `${bytes / (1024 * MiB)} GiB` : `${bytes / MiB} MiB`;
const sh = (cmd: string, args: string[]): string =>
  execFileSync(cmd, args, { cwd: ROOT, encoding: 'utf8' }).trim();

// ---------------------------------------------------------------------------------------------
// Clean-up: runs once, on success, failure or signal.

let clusterStarted = false;
let cleanedUp = false;
function cleanupSync(): void {
  if (cleanedUp) return;
  cleanedUp = true;
  procs.killAllSync();
  if (clusterStarted || existsSync(STATE)) {
    try {
      execFileSync(join(ROOT, 'scripts/cluster.sh'), ['down'], {
        env: clusterEnv,
        stdio: ['ignore', 'ignore', 'inherit'],
        timeout: 60_000,
      });
    } catch (err) {
      log(`cluster.sh down failed: ${(err as Error).message}`);
    }
  }
  for (const f of ['dd.bin', 'baseline']) rmSync(join(TMP, f), { recursive: true, force: true });
  if (OWN_TMP) rmSync(TMP, { recursive: true, force: true });
}
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(sig, () => {
    log(`${sig}: stopping everything this bench started`);
    cleanupSync();
    process.exit(130);
  });
}
process.once('exit', cleanupSync);

// ---------------------------------------------------------------------------------------------
// Helpers

const TSX = ['--import', 'tsx'];
const transferArgs = (args: string[]): string[] => [
  ...TSX,
  'scripts/bench-lib/transfer.ts',
  ...args,
];
const shownKey = (args: string[]): string[] => args.map((a) => (a === KEY ? '$KEY' : a));
const nodeCmd = (args: string[]): string =>
  ['node', ...shownKey(args)].map((a) => (/[\s[\]$"]/.test(a) ? `"${a}"` : a)).join(' ');

interface TransferResult {
  status: number;
  bytes: number;
  seconds: number;
  sha256?: string;
  body?: string;
}

interface Measured {
  result: TransferResult;
  rss: Record<string, RssStats>;
  command: string;
}

const figure = (label: string, size: number, t: Measured): TransferFigure => ({
  label,
  size,
  mbps: mbps(size, t.result.seconds),
  seconds: t.result.seconds,
  rss: t.rss,
  command: t.command,
  shaOk: true,
});

/** Runs one transfer client while sampling the RSS of `pids`. */
async function transfer(args: string[], pids: Record<string, number>): Promise<Measured> {
  const sampler = sampleRss(pids);
  try {
    const full = transferArgs(args);
    const result = await procs.runJson<TransferResult>(
      'transfer',
      [process.execPath, ...full],
      TRANSFER_TIMEOUT_MS,
    );
    return { result, rss: sampler.stop(), command: nodeCmd(full) };
  } finally {
    sampler.stop();
  }
}

async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: MiB })) h.update(chunk);
  return h.digest('hex');
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`check failed: ${what}`);
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function request(method: string, url: string, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method,
      agent: false,
      signal: AbortSignal.timeout(30_000),
      headers: { authorization: `Bearer ${KEY}` },
    });
    req.once('error', reject);
    req.once('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (s: string) => (text += s));
      res.once('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }),
      );
    });
    req.end(body);
  });
}

interface Cannon {
  url: string;
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCodeStats: Record<string, { count: number }>;
  requests: { total: number };
  latency: { p50: number; p99: number };
}

/** One autocannon run; fails unless every answer has the expected status. */
async function cannon(args: string[], expectStatus: number, timeoutMs: number): Promise<Cannon> {
  const r = await procs.runJson<Cannon>('autocannon', [process.execPath, ...args], timeoutMs);
  const statuses = Object.fromEntries(
    Object.entries(r.statusCodeStats).map(([k, v]) => [k, v.count]),
  );
  const bad = Object.entries(statuses).filter(([k]) => Number(k) !== expectStatus);
  check(
    r.errors === 0 && r.timeouts === 0 && bad.length === 0 && r.requests.total > 0,
    `autocannon ${r.url}: expected only ${expectStatus}, got ${JSON.stringify(statuses)}, ` +
      `${r.errors} errors, ${r.timeouts} timeouts`,
  );
  return r;
}

/**
 * Runs `runAt(count)` sized to last about LOAD_SECONDS: an uncounted warm-up of WARMUP_REQUESTS
 * gives the rate; a measured run that still ends too early (the warm-up was slower than steady
 * state) is re-sized from its own rate, at most twice. Ending by count rather than by duration
 * means no request is in flight when the client closes its connections.
 */
async function sized(
  what: string,
  runAt: (count: number) => Promise<LoadFigure>,
): Promise<LoadFigure> {
  const countFor = (rate: number): number =>
    Math.min(
      MAX_LOAD_REQUESTS,
      Math.max(CONNECTIONS * 20, Math.round((rate * LOAD_SECONDS) / CONNECTIONS) * CONNECTIONS),
    );
  checkNodesAlive(`before ${what}`);
  const warm = await runAt(WARMUP_REQUESTS);
  checkNodesAlive(`warm-up of ${what}`);
  let r = await runAt(countFor(warm.reqPerSec));
  checkNodesAlive(what);
  for (let i = 0; i < 2 && r.seconds < 0.7 * LOAD_SECONDS; i++) {
    r = await runAt(countFor(r.reqPerSec));
    checkNodesAlive(what);
  }
  return r;
}

/** autocannon; fails unless every answer has the expected status. */
async function load(url: string, expectStatus: number, extra: string[] = []): Promise<LoadFigure> {
  const base = [
    'node_modules/autocannon/autocannon.js',
    '-c',
    String(CONNECTIONS),
    '-L',
    '100',
    '-j',
    '-n',
    ...extra,
  ];
  return sized(`autocannon on ${url}`, async (count) => {
    const args = [...base, '-a', String(count), url];
    const r = await cannon(args, expectStatus, (LOAD_SECONDS * 6 + 30) * 1000);
    const shown = ['npx', 'autocannon', ...args.slice(1)].map((a) =>
      a.startsWith('authorization=') ? '"authorization=Bearer $KEY"' : a,
    );
    return {
      reqPerSec: r.requests.total / r.duration,
      seconds: r.duration,
      p50: r.latency.p50,
      p99: r.latency.p99,
      total: r.requests.total,
      statuses: Object.fromEntries(Object.entries(r.statusCodeStats).map(([k, v]) => [k, v.count])),
      command: shown.join(' '),
    };
  });
}

/**
 * The same with scripts/bench-lib/load.ts (node:http), for HEAD: autocannon 9 waits for the
 * body that a HEAD answer's Content-Length announces, and hangs.
 */
async function nodeLoad(method: string, url: string, expectStatus: number): Promise<LoadFigure> {
  return sized(`${method} load on ${url}`, async (count) => {
    const args = [
      ...TSX,
      'scripts/bench-lib/load.ts',
      method,
      url,
      String(count),
      String(CONNECTIONS),
      KEY,
    ];
    const r = await procs.runJson<{
      count: number;
      seconds: number;
      statuses: Record<string, number>;
      p50: number;
      p99: number;
    }>('load', [process.execPath, ...args], (LOAD_SECONDS * 6 + 30) * 1000);
    const bad = Object.keys(r.statuses).filter((k) => Number(k) !== expectStatus);
    check(bad.length === 0, `${method} ${url}: statuses ${JSON.stringify(r.statuses)}`);
    return {
      reqPerSec: r.count / r.seconds,
      seconds: r.seconds,
      p50: r.p50,
      p99: r.p99,
      total: r.count,
      statuses: r.statuses,
      command: nodeCmd(args),
    };
  });
}

const authHeader = ['-H', `authorization=Bearer ${KEY}`];

/** Alive and not a zombie (a node's parent may be a pid 1 that never reaps). */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

let nodePids: Record<string, number> = {};

/** Fails the bench when a node died during `step`: a crash is a finding, not a figure. */
function checkNodesAlive(step: string): void {
  for (const [name, pid] of Object.entries(nodePids)) {
    check(isAlive(pid), `${name} (pid ${pid}) died during: ${step}`);
  }
}

function readPid(name: string): number {
  const pid = Number(readFileSync(join(STATE, 'pids', `${name}.pid`), 'utf8').trim());
  check(Number.isInteger(pid) && pid > 0, `pid file of ${name}`);
  return pid;
}

// ---------------------------------------------------------------------------------------------
// The run

async function machine(): Promise<Report['machine']> {
  const dirty = sh('git', ['status', '--porcelain']) !== '';
  return {
    nproc: sh('nproc', []),
    free: sh('free', ['-g']),
    node: process.version,
    loadavg: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
    date: new Date().toISOString(),
    commit:
      sh('git', ['rev-parse', '--short', 'HEAD']) + (dirty ? ' (with uncommitted changes)' : ''),
  };
}

async function baselines(report: Report): Promise<void> {
  // Disk
  const ddFile = join(TMP, 'dd.bin');
  const ddCount = SIZE / MiB;
  const ddArgs = [`if=/dev/zero`, `of=${ddFile}`, 'bs=1M', `count=${ddCount}`, 'conv=fdatasync'];
  log(`baseline: dd ${ddCount} MiB`);
  const dd = await procs.run('dd', ['dd', ...ddArgs], 120_000);
  rmSync(ddFile, { force: true });
  const m = /(\d+) bytes .* copied, ([\d.]+) s/.exec(dd.stderr);
  check(dd.code === 0 && m !== null, `dd: ${dd.stderr}`);
  report.baseline.dd = {
    mbps: mbps(Number(m![1]), Number(m![2])),
    command: `dd ${ddArgs.join(' ')}`,
  };

  // Plain node:http server
  const dir = join(TMP, 'baseline');
  mkdirSync(dir, { recursive: true });
  const serverArgs = [...TSX, 'scripts/bench-lib/baseline-server.ts', dir];
  const { child, info } = await procs.startServer<{ port: number }>(
    'baseline-server',
    [process.execPath, ...serverArgs],
    30_000,
  );
  try {
    const base = `http://127.0.0.1:${info.port}`;
    const pids = { server: child.pid! };
    const want = expectedSha256(SIZE);
    report.expectedSha = want;

    log(`baseline: the client's own cost, making and hashing ${fmtSize(SIZE)}`);
    const hash = await transfer(['hash', String(SIZE)], {});
    check(hash.result.sha256 === want, 'hash-only run: SHA-256');
    report.baseline.hash = figure('hash', SIZE, hash);

    log(`baseline: PUT ${fmtSize(SIZE)} to a plain node:http server`);
    const put = await transfer(['put', `${base}/big.bin`, String(SIZE), KEY], pids);
    check(put.result.status === 200, `baseline PUT status ${put.result.status}`);
    check(
      (await sha256File(join(dir, 'big.bin'))) === want,
      'baseline PUT: SHA-256 of the stored file',
    );
    report.baseline.put = figure('PUT', SIZE, put);

    log(`baseline: GET ${fmtSize(SIZE)} from a plain node:http server`);
    const get = await transfer(['get', `${base}/big.bin`, KEY], pids);
    check(get.result.status === 200 && get.result.bytes === SIZE, 'baseline GET status/size');
    check(get.result.sha256 === want, 'baseline GET: SHA-256 of the received bytes');
    report.baseline.get = figure('GET', SIZE, get);
    rmSync(join(dir, 'big.bin'), { force: true });

    log(`baseline: 1 KiB GET, ${CONNECTIONS} connections, ${LOAD_SECONDS} s`);
    writeFileSync(join(dir, 'small.bin'), Buffer.alloc(SMALL, 0x61));
    report.baseline.smallGet = await load(`${base}/small.bin`, 200);
    report.baseline.serverCommand = nodeCmd(serverArgs).replace(dir, '<tmp>/baseline');
  } finally {
    await procs.stop(child);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function startCluster(): Promise<Record<string, number>> {
  log(`starting etcd + 3 nodes (scripts/cluster.sh up, state in ${STATE})`);
  clusterStarted = true;
  const r = await procs.run(
    'cluster-up',
    [join(ROOT, 'scripts/cluster.sh'), 'up'],
    120_000,
    clusterEnv,
  );
  if (r.code !== 0 || !r.stdout.includes(`state and logs in ${STATE}`)) {
    throw new Error(`cluster.sh up failed:\n${r.stdout}\n${r.stderr}`);
  }
  const pids: Record<string, number> = {};
  for (const n of NODES) pids[n] = readPid(n);
  nodePids = pids;
  return pids;
}

/** Pre-creates a small file on node-1, so later PUTs replace a file node-1 owns. */
async function createOnNode1(path: string): Promise<void> {
  const a = await request('POST', `${nodeUrl('node-1')}/v1/files${path}`, 'seed');
  check(a.status === 201, `POST ${path} on node-1: ${a.status} ${a.body}`);
}

async function checkedPut(
  label: string,
  via: NodeName,
  path: string,
  size: number,
  want: string,
  pids: Record<string, number>,
): Promise<TransferFigure> {
  log(`${label}: PUT ${fmtSize(size)} ${path} via ${via}`);
  const t = await transfer(['put', `${nodeUrl(via)}/v1/files${path}`, String(size), KEY], pids);
  checkNodesAlive(label);
  check(t.result.status === 200, `${label}: status ${t.result.status} ${t.result.body}`);
  const entry = JSON.parse(t.result.body ?? '{}') as { instance_id?: string; size?: number };
  check(entry.instance_id === 'node-1' && entry.size === size, `${label}: entry ${t.result.body}`);
  const stored = await sha256File(
    join(STATE, 'node-1', 'data', ...path.split('/').filter(Boolean)),
  );
  check(stored === want, `${label}: SHA-256 of the file stored on node-1`);
  return figure(label, size, t);
}

async function checkedGet(
  label: string,
  via: NodeName,
  path: string,
  size: number,
  want: string,
  pids: Record<string, number>,
): Promise<TransferFigure> {
  log(`${label}: GET ${fmtSize(size)} ${path} via ${via}`);
  const t = await transfer(['get', `${nodeUrl(via)}/v1/files${path}`, KEY], pids);
  checkNodesAlive(label);
  check(
    t.result.status === 200 && t.result.bytes === size,
    `${label}: status ${t.result.status}, ${t.result.bytes} bytes`,
  );
  check(t.result.sha256 === want, `${label}: SHA-256 of the received bytes`);
  return figure(label, size, t);
}

async function large(report: Report, pids: Record<string, number>): Promise<void> {
  const want = report.expectedSha!;
  const wantSweep = expectedSha256(SWEEP_SIZE);
  for (const p of ['/bench/big-direct.bin', '/bench/big-relay.bin', '/bench/sweep-relay.bin']) {
    await createOnNode1(p);
  }
  const s = fmtSize(SIZE);
  const w = fmtSize(SWEEP_SIZE);
  // The smaller relay transfers first, on nodes that have moved no bulk data yet: whether peak
  // RSS grows with the transfer size shows against the full-size ones that follow.
  const steps: [string, 'PUT' | 'GET', NodeName, string, number, string][] = [
    [
      `PUT ${w} through a non-owner (node-2 → node-1)`,
      'PUT',
      'node-2',
      '/bench/sweep-relay.bin',
      SWEEP_SIZE,
      wantSweep,
    ],
    [
      `GET ${w} through a non-owner (node-3 → node-1)`,
      'GET',
      'node-3',
      '/bench/sweep-relay.bin',
      SWEEP_SIZE,
      wantSweep,
    ],
    [
      `PUT ${s} directly to the owner (node-1)`,
      'PUT',
      'node-1',
      '/bench/big-direct.bin',
      SIZE,
      want,
    ],
    [
      `PUT ${s} through a non-owner (node-2 → node-1)`,
      'PUT',
      'node-2',
      '/bench/big-relay.bin',
      SIZE,
      want,
    ],
    [`GET ${s} from the owner (node-1)`, 'GET', 'node-1', '/bench/big-relay.bin', SIZE, want],
    [
      `GET ${s} through a non-owner (node-3 → node-1)`,
      'GET',
      'node-3',
      '/bench/big-relay.bin',
      SIZE,
      want,
    ],
  ];
  for (const [label, method, via, path, size, sha] of steps) {
    const step = method === 'PUT' ? checkedPut : checkedGet;
    report.large.push(await step(label, via, path, size, sha, pids));
  }
}

async function small(report: Report): Promise<void> {
  const n1 = nodeUrl('node-1');
  const n2 = nodeUrl('node-2');
  const n3 = nodeUrl('node-3');
  for (const dir of ['/bench/small/', '/bench/spread/']) {
    const a = await request('POST', `${n1}/v1/files${dir}`);
    check(a.status === 201 || a.status === 200, `mkdir ${dir}: ${a.status} ${a.body}`);
  }
  const creates = async (urls: string[], dir: string): Promise<Report['creates'][number]> => {
    const args = [
      ...TSX,
      'scripts/bench-lib/creates.ts',
      urls.join(','),
      dir,
      String(CREATES),
      String(CREATE_CONCURRENCY),
      String(SMALL),
      KEY,
    ];
    log(`creates: ${CREATES} × 1 KiB POST into ${dir} via ${urls.length} node(s)`);
    const r = await procs.runJson<{
      count: number;
      seconds: number;
      statuses: Record<string, number>;
    }>('creates', [process.execPath, ...args], 120_000);
    check(
      r.statuses['201'] === CREATES,
      `creates into ${dir}: statuses ${JSON.stringify(r.statuses)}`,
    );
    return {
      nodes: urls.length,
      perSec: r.count / r.seconds,
      seconds: r.seconds,
      command: nodeCmd(args),
    };
  };
  report.creates.push(await creates([n1], '/bench/small'));
  report.creates.push(await creates([n1, n2, n3], '/bench/spread'));

  const file = '/bench/small/f-00000.bin';
  const head = await request('HEAD', `${n2}/v1/files${file}`);
  check(
    head.headers['x-callfs-instance-id'] === 'node-1',
    `owner of ${file}: ${head.headers['x-callfs-instance-id']}`,
  );

  log(`small: GET 1 KiB from the owner (node-1), ${CONNECTIONS} connections, ${LOAD_SECONDS} s`);
  report.small.getOwner = await load(`${n1}/v1/files${file}`, 200, authHeader);
  log('small: GET 1 KiB through a non-owner (node-2)');
  report.small.getRelay = await load(`${n2}/v1/files${file}`, 200, authHeader);
  log('small: HEAD through a non-owner (node-2)');
  report.small.headRelay = await nodeLoad('HEAD', `${n2}/v1/files${file}`, 200);
  log('small: GET 1 KiB through a non-owner (node-2) with the same node:http client');
  report.small.getRelayNode = await nodeLoad('GET', `${n2}/v1/files${file}`, 200);
  log('small: POST of a path that exists on node-1, via node-2 (409)');
  report.small.conflict = await load(`${n2}/v1/files${file}`, 409, [
    ...authHeader,
    '-m',
    'POST',
    '-b',
    'x',
  ]);
}

async function main(): Promise<void> {
  const started = Date.now();
  const watchdog = setTimeout(() => {
    log(`the bench exceeded ${TOTAL_LIMIT_MS / 60_000} min; stopping`);
    cleanupSync();
    process.exit(1);
  }, TOTAL_LIMIT_MS);
  watchdog.unref();

  const report: Report = {
    quick: QUICK,
    size: SIZE,
    sweepSize: SWEEP_SIZE,
    loadSeconds: LOAD_SECONDS,
    warmupRequests: WARMUP_REQUESTS,
    connections: CONNECTIONS,
    createsCount: CREATES,
    createConcurrency: CREATE_CONCURRENCY,
    rssBoundMB: RSS_BOUND_MB,
    key: KEY,
    ports: { http: HTTP_BASE, grpc: GRPC_BASE, etcd: ETCD_PORT },
    machine: await machine(),
    baseline: {},
    large: [],
    creates: [],
    small: {},
    seconds: 0,
  };
  log(
    `${QUICK ? 'quick' : 'full'} run: ${fmtSize(SIZE)} transfers, ${LOAD_SECONDS} s load runs; temp ${TMP}`,
  );
  await baselines(report);
  const pids = await startCluster();
  await large(report, pids);
  await small(report);
  report.seconds = (Date.now() - started) / 1000;
  report.machine.loadavgEnd = readFileSync('/proc/loadavg', 'utf8')
    .split(' ')
    .slice(0, 3)
    .join(' ');
  const md = renderReport(report);
  await writeFile(join(ROOT, 'BENCHMARKS.md'), md);
  process.stdout.write(md);
  log(`wrote BENCHMARKS.md in ${report.seconds.toFixed(0)} s`);
}

main()
  .then(() => {
    cleanupSync();
    process.exit(0);
  })
  .catch((err: unknown) => {
    log(`FAILED: ${err instanceof Error ? err.message : String(err)}`);
    if (clusterStarted) {
      for (const n of NODES) {
        try {
          const lines = readFileSync(join(STATE, 'logs', `${n}.log`), 'utf8')
            .trim()
            .split('\n')
            .filter((l) => !l.includes('"msg":"request"'));
          const tail = lines.slice(-30).join('\n');
          process.stderr.write(
            `---- last lines of ${n}.log (request lines omitted) ----\n${tail}\n`,
          );
        } catch {
          // no log
        }
      }
    }
    cleanupSync();
    process.exit(1);
  });
