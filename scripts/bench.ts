// The CallFS benchmarks. Starts its own etcd and three compiled nodes (devkit/cluster.ts, fixed
// non-default ports, state in the wrapper's temp folder), a plain node:http baseline server and
// a two-process gRPC relay baseline, then measures each figure against its baseline in the same
// run, BENCH_RUNS times (3; 1 with BENCH_QUICK=1), and reports the median with the min–max
// spread. `scale` loads a million paths
// first (scripts/bench-lib/scale.ts). Run it through `scripts/bench`, which guarantees that
// every process started is stopped by pid. Traffic goes only to 127.0.0.1.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  loopbackNodeConfig,
  startLocalCluster,
  type LocalCluster,
  type NodeSlot,
} from '../devkit/cluster.js';
import { NODE_ENV_DEFAULTS, REPO, startNodeProcess, type Runtime } from '../devkit/node-process.js';
import { cpuTicksOf, freePort, Procs, sleep } from '../devkit/proc.js';
import { blocks, expectedSha256 } from './bench-lib/data.js';
import {
  cannon,
  curl,
  curlSha256,
  etcdCreates,
  etcdRequestsByOperation,
  MiB,
  nodeLoad,
  sha256File,
  shown,
  type Context,
  type Load,
  type Transfer,
} from './bench-lib/measure.js';
import {
  notesBlock,
  renderSection,
  scaleBlock,
  withScaleBlock,
  type Row,
  type Section,
} from './bench-lib/report.js';
import { rssMB, sampleRss } from '../devkit/rss.js';
import { runScale } from './bench-lib/scale.js';
import { s3Round, startS3Bench, type S3Bench } from './bench-lib/s3.js';
import { ratios, spread } from './bench-lib/stats.js';

const QUICK = process.env.BENCH_QUICK === '1';
const MODE = process.argv[2] === 'scale' ? 'scale' : 'main';
const RUNS = Number(process.env.BENCH_RUNS ?? (QUICK ? 1 : 3));
const LARGE = QUICK ? 32 * MiB : 512 * MiB;
const SMALL = 1024;
const CREATE_BYTES = 4096;
const CONNECTIONS = 64;
const LOAD_SECONDS = QUICK ? 2 : 10;
const WARMUP = QUICK ? 300 : 2000;
const COUNTED = QUICK ? 20 : 200; // requests of each etcd-per-operation batch
const STARTUP_RUNS = QUICK ? 1 : 5;
// The RSS of a node 10 s after start: a node that has served nothing runs its two idle
// collections (src/cli/idle-gc.ts) about 1 and 8 s after start, so this is what it keeps.
const IDLE_MS = QUICK ? 1000 : 10_000;
const KEY = 'callfs-bench-key-7c1e0b5a93d84f26';
const HTTP_BASE = Number(process.env.BENCH_HTTP_BASE_PORT ?? 38441);
const GRPC_BASE = Number(process.env.BENCH_GRPC_BASE_PORT ?? 38451);
const ETCD_PORT = Number(process.env.BENCH_ETCD_PORT ?? 38461);
const PREFIX = '/callfs/';
/** BENCH_S3=0 leaves out the S3 rows (s3rver and one S3 node). */
const WITH_S3 = process.env.BENCH_S3 !== '0';
const OUT = process.env.BENCH_OUT ?? (QUICK ? '' : join(REPO, 'BENCHMARKS.md'));

const TMP = process.env.BENCH_TMP ?? join(tmpdir(), `callfs-bench-${process.pid}`);
// Upload sources live in tmpfs when there is one, so reading them costs the client no disk.
// scripts/bench makes it (and removes it on any exit).
const SHM =
  process.env.BENCH_SHM ??
  (existsSync('/dev/shm') ? join('/dev/shm', `callfs-bench-${process.pid}`) : TMP);
const procs = new Procs({ pidDir: join(TMP, 'pids'), cwd: REPO });
const T0 = performance.now();
const log = (msg: string): void =>
  void process.stderr.write(`bench [${((performance.now() - T0) / 1000).toFixed(1)} s]: ${msg}\n`);
const ctx: Context = { procs, key: KEY, log };
let cluster: LocalCluster | undefined;

function cleanupSync(): void {
  procs.killAllSync();
  if (SHM !== TMP) rmSync(SHM, { recursive: true, force: true });
}
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(sig, () => {
    log(`${sig}: stopping everything this bench started`);
    cleanupSync();
    process.exit(130);
  });
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`check failed: ${what}`);
}

function nodeConfig(slot: NodeSlot, prefix = PREFIX): Record<string, unknown> {
  // As the dev cluster: JSON logs at info, one line per request (to a file).
  return loopbackNodeConfig(slot, { apiKey: KEY, prefix, name: 'bench' });
}

async function startCluster(): Promise<LocalCluster> {
  log('starting etcd + 3 compiled nodes');
  return startLocalCluster({
    config: (slot) => nodeConfig(slot),
    runtime: 'dist',
    dir: join(TMP, 'cluster'),
    httpBasePort: HTTP_BASE,
    grpcBasePort: GRPC_BASE,
    etcdPort: ETCD_PORT,
    logs: true,
    procs,
  });
}

const sh = (cmd: string, args: string[]): string =>
  execFileSync(cmd, args, { cwd: REPO, encoding: 'utf8' }).trim();

function machine(): string {
  const dirty = sh('git', ['status', '--porcelain', '--', 'src', 'bin', 'scripts', 'devkit']);
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  return (
    `**Machine:** \`nproc\` ${sh('nproc', [])} · node ${process.version} · ` +
    `${new Date().toISOString()} · commit ${sh('git', ['rev-parse', '--short', 'HEAD'])}` +
    `${dirty ? ' (with uncommitted changes)' : ''} · load average ${load} at the start`
  );
}

/** Request counts sized so a measured run lasts about LOAD_SECONDS, from a warm-up's rate. */
const sizes = new Map<string, number>();
async function sized(name: string, runAt: (count: number) => Promise<Load>): Promise<Load> {
  let count = sizes.get(name);
  if (count === undefined) {
    const warm = await runAt(WARMUP);
    count = Math.max(CONNECTIONS * 10, Math.round(warm.perSec * LOAD_SECONDS));
    sizes.set(name, count);
  }
  return runAt(count);
}

interface Series {
  values: number[];
  command: string;
}
const series = new Map<string, Series>();
function record(name: string, value: number, command: string): void {
  const s = series.get(name) ?? { values: [], command };
  s.values.push(value);
  s.command = command;
  series.set(name, s);
}
const vals = (name: string): number[] => series.get(name)?.values ?? [];
const cmd = (name: string): string => series.get(name)?.command ?? '';

/** Makes the upload source once: LARGE bytes of bench data in tmpfs. */
function makeSource(): { file: string; sha: string } {
  mkdirSync(SHM, { recursive: true });
  const file = join(SHM, 'source.bin');
  const parts: Buffer[] = [];
  for (const b of blocks(LARGE)) parts.push(b);
  writeFileSync(file, Buffer.concat(parts));
  return { file, sha: expectedSha256(LARGE) };
}

/** A baseline server on DIR; with ETCD it also takes creates (POST), see baseline-server.ts. */
async function baselineServer(
  name: string,
  dir: string,
  etcd?: string,
): Promise<{ url: string; pid: number }> {
  mkdirSync(dir, { recursive: true });
  const argv = [process.execPath, '--import', 'tsx', 'scripts/bench-lib/baseline-server.ts', dir];
  if (etcd) argv.push(etcd);
  const { child, info } = await procs.startServer<{ port: number }>(name, argv, 60_000);
  return { url: `http://127.0.0.1:${info.port}`, pid: child.pid! };
}

/** The simplest gRPC relay (relay-baseline.ts): a node:http front and a gRPC owner on DIR. */
async function relayBaseline(dir: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const script = 'scripts/bench-lib/relay-baseline.ts';
  const tsx = [process.execPath, '--import', 'tsx', script];
  const owner = await procs.startServer<{ port: number }>(
    'relay-owner',
    [...tsx, 'owner', dir],
    60_000,
  );
  const front = await procs.startServer<{ port: number }>(
    'relay-front',
    [...tsx, 'front', String(owner.info.port)],
    60_000,
  );
  return `http://127.0.0.1:${front.info.port}`;
}

interface Baselines {
  /** The plain GET/PUT server, its folder and its process. */
  url: string;
  dir: string;
  pid: number;
  /** The simplest gRPC relay's front, and its owner's folder. */
  relay: string;
  relayDir: string;
  /** Three create servers, like the three nodes, each with its own folder and etcd client. */
  creates: string[];
}

async function round(
  r: number,
  c: LocalCluster,
  baselines: Baselines,
  source: { file: string; sha: string },
): Promise<void> {
  const { url: base, dir: baseDir } = baselines;
  const [n1, n2, n3] = c.nodes.map((n) => n.url) as [string, string, string];
  const tag = `round ${r + 1}/${RUNS}`;
  const pids = Object.fromEntries(c.nodes.map((n) => [n.name, n.pid]));

  // Large PUTs on the owner and on the plain server, ordered plain, owner, owner, plain: each
  // writes a new file, then replaces it. A durable 512 MiB write on this VM swings by 2× with
  // where its page-cache pages come from, whichever program makes it (BENCHMARKS.md), so
  // neither server may always take the same place. Each figure is both uploads' bytes over both uploads' time, and
  // each server's CPU (user + system, /proc/<pid>/stat) is recorded per upload.
  log(
    `${tag}: large PUT ${LARGE / MiB} MiB (curl -T from tmpfs): plain, owner, owner, plain; ` +
      'then the gRPC relay baseline, a non-owner',
  );
  const path = `/bench/large-${r}.bin`;
  const stored = join(c.nodes[0]!.slot.root, 'bench', `large-${r}.bin`);
  const owner = c.nodes[0]!;
  const timedPut = async (
    who: 'base' | 'owner',
  ): Promise<{ t: Transfer; user: number; sys: number }> => {
    const pid = who === 'base' ? baselines.pid : owner.pid;
    const url = who === 'base' ? `${base}/big.bin` : `${n1}/v1/files${path}`;
    const before = cpuTicksOf(pid);
    const t = await curl(ctx, 'PUT', url, source.file);
    const after = cpuTicksOf(pid);
    check([200, 201].includes(t.status), `${who} PUT ${t.status}`);
    const file = who === 'base' ? join(baseDir, 'big.bin') : stored;
    check((await sha256File(file)) === source.sha, `${who} PUT SHA-256 of the stored file`);
    return { t, user: after.user - before.user, sys: after.sys - before.sys };
  };
  const p1 = await timedPut('base');
  const o1 = await timedPut('owner');
  const o2 = await timedPut('owner');
  const p2 = await timedPut('base');
  for (const [name, a, b] of [
    ['put.base', p1, p2],
    ['put.owner', o1, o2],
  ] as const) {
    const bytes = (LARGE * 2) / 1e6;
    record(name, bytes / (a.t.seconds + b.t.seconds), a.t.command);
    const cpu = 'user + system ticks of the server process, /proc/<pid>/stat';
    // 100 ticks per second: ms per upload.
    record(`${name}.cpu`, ((a.user + a.sys + b.user + b.sys) * 10) / 2, cpu);
    record(`${name}.sys`, ((a.sys + b.sys) * 10) / 2, cpu);
    log(
      `${tag}: ${name} ${[a, b].map((x) => `${x.t.mbps.toFixed(0)} MB/s (${x.user}u+${x.sys}s ticks)`).join(', ')}`,
    );
  }
  const putRelayBase = await curl(ctx, 'PUT', `${baselines.relay}/big.bin`, source.file);
  check(putRelayBase.status === 200, `relay baseline PUT ${putRelayBase.status}`);
  const relayStored = join(baselines.relayDir, 'big.bin');
  check((await sha256File(relayStored)) === source.sha, 'relay baseline PUT SHA-256');
  record('put.relaybase', putRelayBase.mbps, putRelayBase.command);
  const idle = Object.fromEntries(c.nodes.map((n) => [n.name, rssMB(n.pid)]));
  const sampler = sampleRss(pids);
  const putRelay = await curl(ctx, 'PUT', `${n2}/v1/files${path}`, source.file);
  const getRelay = await curl(ctx, 'GET', `${n3}/v1/files${path}`);
  const peak = sampler.stop();
  check(putRelay.status === 200, `non-owner PUT ${putRelay.status}`);
  check((await sha256File(stored)) === source.sha, 'non-owner PUT SHA-256 of the stored file');
  record('put.relay', putRelay.mbps, putRelay.command);
  record('get.relay', getRelay.mbps, getRelay.command);
  // Bulk clients may skip the hop: 307 to the owner with a signed token, which curl follows
  // (the token, not the key, authenticates it there: curl sends no Authorization to another port).
  log(`${tag}: large PUT and GET through a non-owner with ?redirect=true (curl -L)`);
  const putRedirect = await curl(
    ctx,
    'PUT',
    `${n2}/v1/files${path}?redirect=true`,
    source.file,
    true,
  );
  check(putRedirect.status === 200, `redirected PUT ${putRedirect.status}`);
  check((await sha256File(stored)) === source.sha, 'redirected PUT SHA-256 of the stored file');
  record('put.redirect', putRedirect.mbps, putRedirect.command);
  const getRedirect = await curl(
    ctx,
    'GET',
    `${n3}/v1/files${path}?redirect=true`,
    undefined,
    true,
  );
  check(getRedirect.status === 200, `redirected GET ${getRedirect.status}`);
  record('get.redirect', getRedirect.mbps, getRedirect.command);

  log(
    `${tag}: large GET ${LARGE / MiB} MiB (curl -o /dev/null): baseline, gRPC relay baseline, owner`,
  );
  const getBase = await curl(ctx, 'GET', `${base}/big.bin`);
  record('get.base', getBase.mbps, getBase.command);
  const getRelayBase = await curl(ctx, 'GET', `${baselines.relay}/big.bin`);
  record('get.relaybase', getRelayBase.mbps, getRelayBase.command);
  const getOwner = await curl(ctx, 'GET', `${n1}/v1/files${path}`);
  record('get.owner', getOwner.mbps, getOwner.command);
  log(`${tag}: SHA-256 of every GET body, in a separate untimed pass`);
  for (const [url, what] of [
    [`${base}/big.bin`, 'baseline GET'],
    [`${baselines.relay}/big.bin`, 'relay baseline GET'],
    [`${n1}/v1/files${path}`, 'owner GET'],
    [`${n3}/v1/files${path}`, 'non-owner GET'],
    [`${n3}/v1/files${path}?redirect=true`, 'redirected GET'],
  ] as const) {
    check((await curlSha256(ctx, url)) === source.sha, `${what}: SHA-256 of the body`);
  }
  for (const n of c.nodes) {
    record(`rss.idle.${n.name}`, idle[n.name]!, '/proc/<pid>/status VmRSS');
    record(`rss.peak.${n.name}`, peak[n.name]!.peakMB, '/proc/<pid>/status VmRSS every 100 ms');
  }
  rmSync(join(baseDir, 'big.bin'), { force: true });
  rmSync(relayStored, { force: true });
  await fetch(`${n1}/v1/files${path}`, { method: 'DELETE', headers: auth });

  // Small files.
  const file = '/bench/small.bin';
  if (r === 0) {
    const res = await fetch(`${n1}/v1/files${file}`, {
      method: 'PUT',
      headers: auth,
      body: Buffer.alloc(SMALL, 0x61),
    });
    check(res.status === 201 || res.status === 200, `PUT ${file}: ${res.status}`);
    writeFileSync(join(baseDir, 'small.bin'), Buffer.alloc(SMALL, 0x61));
    writeFileSync(join(baselines.relayDir, 'small.bin'), Buffer.alloc(SMALL, 0x61));
  }
  log(
    `${tag}: 1 KiB GET, ${CONNECTIONS} connections: baseline, gRPC relay baseline, owner, non-owner`,
  );
  const get = (name: string, url: string): Promise<Load> =>
    sized(name, (count) => cannon(ctx, { urls: [url], connections: CONNECTIONS, count }, 200));
  for (const [name, url] of [
    ['small.base', `${base}/small.bin`],
    ['small.relaybase', `${baselines.relay}/small.bin`],
    ['small.owner', `${n1}/v1/files${file}`],
    ['small.relay', `${n2}/v1/files${file}`],
  ] as const) {
    const l = await get(name, url);
    record(name, l.perSec, l.command);
  }
  log(`${tag}: HEAD on the owner and GET on the baseline with the same node:http client`);
  for (const [name, method, url] of [
    ['head.base', 'GET', `${base}/small.bin`],
    ['head.owner', 'HEAD', `${n1}/v1/files${file}`],
  ] as const) {
    const l = await sized(name, (count) => nodeLoad(ctx, method, url, count, CONNECTIONS, 200));
    record(name, l.perSec, l.command);
  }

  log(
    `${tag}: 4 KiB creates, ${CONNECTIONS} concurrent over 3 nodes; bare etcd txns at ${CONNECTIONS}`,
  );
  const dir = `/bench/creates-${r}`;
  const mk = await fetch(`${n1}/v1/files${dir}/`, { method: 'POST', headers: auth });
  check(mk.status === 201, `mkdir ${dir}: ${mk.status}`);
  const creates = await sized('creates', (count) =>
    cannon(
      ctx,
      {
        urls: [n1, n2, n3].map((u) => `${u}/v1/files${dir}/[<id>]`),
        connections: CONNECTIONS,
        count,
        method: 'POST',
        bodyBytes: CREATE_BYTES,
      },
      201,
    ),
  );
  record('creates', creates.perSec, creates.command);
  const floor = await sized('creates.base', (count) =>
    cannon(
      ctx,
      {
        urls: baselines.creates.map((u) => `${u}/r${r}-[<id>]`),
        connections: CONNECTIONS,
        count,
        method: 'POST',
        bodyBytes: CREATE_BYTES,
      },
      201,
    ),
  );
  record('creates.base', floor.perSec, floor.command);
  const txns = await sized('etcd', (count) =>
    etcdCreates(ctx, c.etcd.endpoint, `/bench-etcd/${r}-${count}/`, count, CONNECTIONS),
  );
  record('etcd', txns.perSec, txns.command);

  // etcd requests per operation, from the nodes' own counters around a counted batch.
  log(`${tag}: etcd requests per operation (${COUNTED} of each, counters before/after)`);
  const counted = async (name: string, one: (i: number) => Promise<Response>): Promise<void> => {
    await (await one(-1)).arrayBuffer(); // warm: the first request may fill caches
    const counts = (): Promise<Map<string, number>[]> =>
      Promise.all(c.nodes.map((n) => etcdRequestsByOperation(n.url, KEY)));
    const before = await counts();
    for (let i = 0; i < COUNTED; i++) await (await one(i)).arrayBuffer();
    const after = await counts();
    // Per metadata call, so a request of a background pass (the sweeps) shows as what it is.
    const byOp = new Map<string, number>();
    after.forEach((m, i) => {
      for (const [op, n] of m) {
        const d = n - (before[i]!.get(op) ?? 0);
        if (d > 0) byOp.set(op, (byOp.get(op) ?? 0) + d);
      }
    });
    const delta = [...byOp.values()].reduce((s, v) => s + v, 0);
    const made = [...byOp].map(([op, n]) => `${op} ${n}`).join(', ') || 'none';
    record(
      `etcdops.${name}`,
      delta / COUNTED,
      `${COUNTED} sequential requests; sum over all nodes (by call: ${made})`,
    );
  };
  await counted('create', (i) =>
    fetch(`${n1}/v1/files${dir}/counted-${i}`, { method: 'POST', headers: auth, body: 'x' }),
  );
  await counted('get', () => fetch(`${n1}/v1/files${file}`, { headers: auth }));
  await counted('head', () => fetch(`${n1}/v1/files${file}`, { method: 'HEAD', headers: auth }));
  await counted('proxied', () => fetch(`${n2}/v1/files${file}`, { headers: auth }));
}

const auth = { authorization: `Bearer ${KEY}` };

/** The stack CallFS is built on and must load: gRPC (peer), etcd (metadata), Hono (edge). */
const STACK = ['@grpc/grpc-js', '@grpc/proto-loader', 'etcd3', 'hono', '@hono/node-server'];
/**
 * Every runtime dependency `callfs server` imports at start-up: the static imports reached from
 * src/main.ts, the server command of src/cli/index.ts and src/node.ts. @aws-sdk/client-s3 is
 * not among them: storage/s3/from-config.ts loads it only when a bucket is configured; nor is
 * pino-pretty, which src/logger.ts loads only for text logs (the bench's nodes log JSON); nor
 * are zod and yaml, which the configuration's worker thread loads (src/cli/config-apart.ts)
 * and the node's own thread only for a PATCH or link body (zod, src/edge/json-body.ts).
 */
const STARTUP_DEPS = [
  ...STACK,
  'hono/route',
  '@grpc/reflection',
  'grpc-health-check',
  'prom-client',
  'pino',
  'commander',
  'mime-types',
];
/** The idle-memory baselines: node processes that only import these (stack-rss.mjs). */
const IMPORT_ONLY: Record<string, string[]> = {
  'idle.bare': [],
  'idle.stack': STACK,
  'idle.deps': STARTUP_DEPS,
};

/** VmRSS of each import-only process after IDLE ms, all started together. */
async function importOnly(idleMs: number): Promise<void> {
  const started = await Promise.all(
    Object.entries(IMPORT_ONLY).map(async ([name, pkgs]) => {
      const argv = [process.execPath, 'scripts/bench-lib/stack-rss.mjs', ...pkgs];
      // The nodes' allocator settings, so the difference is what a node keeps, not malloc's.
      const env = { ...NODE_ENV_DEFAULTS, ...process.env };
      const { child } = await procs.startServer(name, argv, 60_000, env);
      return { name, child, command: shown(argv, KEY) };
    }),
  );
  await sleep(idleMs);
  for (const { name, child, command } of started) {
    record(name, rssMB(child.pid!), command);
    await procs.stop(child);
  }
}

/** glibc's own number of malloc arenas on 64-bit: eight per core. */
const GLIBC_ARENAS = String(8 * availableParallelism());
/** The nodes the start-up figures compare: name, runtime, environment over the defaults. */
const STARTUP_VARIANTS: [string, Runtime, NodeJS.ProcessEnv][] = [
  ['dist', 'dist', {}],
  ['tsx', 'tsx', {}],
  ['dist-glibc', 'dist', { MALLOC_ARENA_MAX: GLIBC_ARENAS }],
];

/** Start-up (spawn → /ready 200) and idle RSS of a node, compiled vs tsx, alternating. */
async function startup(c: LocalCluster): Promise<void> {
  for (let i = 0; i < STARTUP_RUNS; i++) {
    for (const [variant, runtime, env] of STARTUP_VARIANTS) {
      log(`start-up ${i + 1}/${STARTUP_RUNS}: ${variant}`);
      const dir = join(TMP, `startup-${variant}-${i}`);
      mkdirSync(join(dir, 'data'), { recursive: true });
      const slot: NodeSlot = {
        instanceId: `startup-${variant}-${i}`,
        etcdEndpoint: c.etcd.endpoint,
        root: join(dir, 'data'),
        httpPort: await freePort(),
        grpcPort: await freePort(),
      };
      const configFile = join(dir, 'config.json');
      writeFileSync(configFile, JSON.stringify(nodeConfig(slot, '/bench-startup/')));
      const t0 = performance.now();
      const node = await startNodeProcess({
        name: slot.instanceId,
        configFile,
        url: `http://127.0.0.1:${slot.httpPort}`,
        runtime,
        env: { ...process.env, ...env },
        log: join(dir, 'node.log'),
        pollMs: 10,
        procs,
      });
      record(`startup.${variant}`, performance.now() - t0, node.name);
      await sleep(IDLE_MS);
      record(`idle.${variant}`, rssMB(node.pid), '');
      await node.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    }
    log(`idle RSS ${i + 1}/${STARTUP_RUNS}: node processes that only import packages`);
    await importOnly(IDLE_MS);
  }
}

function row(
  figure: string,
  name: string,
  unit: string,
  base?: { label: string; name: string; unit?: string },
): Row {
  return {
    figure,
    value: spread(vals(name)),
    unit,
    baseline: base && {
      label: base.label,
      value: spread(vals(base.name)),
      unit: base.unit ?? unit,
    },
    ratio: base && spread(ratios(vals(name), vals(base.name))),
    command: cmd(name),
  };
}

function report(head: string, seconds: number): string {
  const S = `${LARGE / MiB} MiB`;
  const nodes = ['node-1', 'node-2', 'node-3'];
  const sections: Section[] = [
    {
      title: 'Small requests',
      intro:
        `${CONNECTIONS} concurrent connections, autocannon (HEAD: scripts/bench-lib/load.ts, which ` +
        `also times the baseline GET of that row). Runs end by a request count sized from a warm-up ` +
        `to last about ${LOAD_SECONDS} s.`,
      rows: [
        row(`4 KiB POST creates, ${CONNECTIONS} concurrent over 3 nodes`, 'creates', 'creates/s', {
          label: `bare etcd create-if-absent txns at ${CONNECTIONS}`,
          name: 'etcd',
          unit: 'txns/s',
        }),
        row(
          `4 KiB POST creates, ${CONNECTIONS} concurrent, on the simplest durable create server ` +
            '(3 node:http processes: temp file + fsync, one etcd txn, rename, shared folder fsync)',
          'creates.base',
          'creates/s',
          {
            label: `bare etcd create-if-absent txns at ${CONNECTIONS}`,
            name: 'etcd',
            unit: 'txns/s',
          },
        ),
        row(`4 KiB POST creates over 3 nodes`, 'creates', 'creates/s', {
          label: 'the simplest durable create server',
          name: 'creates.base',
        }),
        row('1 KiB GET on the owner', 'small.owner', 'req/s', {
          label: 'plain node:http GET of the same 1 KiB',
          name: 'small.base',
        }),
        row('1 KiB GET through a non-owner', 'small.relay', 'req/s', {
          label: 'owner',
          name: 'small.owner',
        }),
        row('1 KiB GET through the simplest gRPC relay', 'small.relaybase', 'req/s', {
          label: 'plain node:http GET',
          name: 'small.base',
        }),
        row('1 KiB GET through a non-owner', 'small.relay', 'req/s', {
          label: 'the simplest gRPC relay',
          name: 'small.relaybase',
        }),
        row('HEAD on the owner', 'head.owner', 'req/s', {
          label: 'plain node:http 1 KiB GET, same client',
          name: 'head.base',
        }),
      ],
    },
    {
      title: `Large transfers (${S}, curl)`,
      intro:
        'curl times the transfer alone (`-o /dev/null`, or `-T` from a file in tmpfs); the SHA-256 ' +
        'of every body and stored file is checked in a separate pass afterwards. Every timed PUT ' +
        'starts on a settled disk (`sync`, then 1 s), so the release of the blocks of a file ' +
        'replaced just before does not fall into it. The owner and the plain server each make ' +
        'two PUTs per run, ordered plain, owner, owner, plain (a new file, then a replace of ' +
        'it): a durable write of the same bytes on this VM runs at ~300 or ~700 MB/s with ' +
        'where its page-cache pages come from, whatever program makes it, so neither server always takes the ' +
        "same place; their figures are both uploads' bytes over both uploads' time. The CPU " +
        'rows are user + system time of the server process per upload (`/proc/<pid>/stat`).',
      rows: [
        row(`GET ${S} on the owner`, 'get.owner', 'MB/s', {
          label: 'plain node:http, 1 MiB reads',
          name: 'get.base',
        }),
        row(`PUT ${S} on the owner`, 'put.owner', 'MB/s', {
          label: 'plain node:http: temp file, fsync, rename',
          name: 'put.base',
        }),
        row(`CPU per ${S} PUT on the owner (user + system)`, 'put.owner.cpu', 'ms', {
          label: 'plain node:http PUT',
          name: 'put.base.cpu',
        }),
        row(`the system part of that CPU`, 'put.owner.sys', 'ms', {
          label: 'plain node:http PUT',
          name: 'put.base.sys',
        }),
        row(`GET ${S} through a non-owner`, 'get.relay', 'MB/s', {
          label: 'owner',
          name: 'get.owner',
        }),
        row(`PUT ${S} through a non-owner`, 'put.relay', 'MB/s', {
          label: 'owner',
          name: 'put.owner',
        }),
        row(
          `GET ${S} through a non-owner with ?redirect=true (307 to the owner)`,
          'get.redirect',
          'MB/s',
          {
            label: 'owner',
            name: 'get.owner',
          },
        ),
        row(
          `PUT ${S} through a non-owner with ?redirect=true (307 to the owner)`,
          'put.redirect',
          'MB/s',
          {
            label: 'owner',
            name: 'put.owner',
          },
        ),
        row(`GET ${S} through the simplest gRPC relay`, 'get.relaybase', 'MB/s', {
          label: 'plain node:http GET',
          name: 'get.base',
        }),
        row(`PUT ${S} through the simplest gRPC relay`, 'put.relaybase', 'MB/s', {
          label: 'plain node:http PUT (temp, fsync, rename)',
          name: 'put.base',
        }),
        row(`GET ${S} through a non-owner`, 'get.relay', 'MB/s', {
          label: 'the simplest gRPC relay',
          name: 'get.relaybase',
        }),
        row(`PUT ${S} through a non-owner`, 'put.relay', 'MB/s', {
          label: 'the simplest gRPC relay',
          name: 'put.relaybase',
        }),
      ],
    },
    ...(WITH_S3
      ? [
          {
            title: `S3 backend (s3rver, ${S})`,
            intro:
              'One compiled node with `default_backend: s3` against a local s3rver, beside the ' +
              'AWS SDK v3 writing (lib-storage `Upload`, default parts and queue) and reading ' +
              '(`GetObject`, streamed) the same server directly, in its own process. Bodies ' +
              'through the node are SHA-256 checked in a separate pass.',
            rows: [
              row(`PUT ${S} through the S3 node`, 's3.put.node', 'MB/s', {
                label: 'AWS SDK PUT to the same server',
                name: 's3.put.sdk',
              }),
              row(`GET ${S} through the S3 node`, 's3.get.node', 'MB/s', {
                label: 'AWS SDK GET from the same server',
                name: 's3.get.sdk',
              }),
              {
                ...row(`S3 node: peak RSS during its ${S} PUT and GET`, 's3.rss.peak', 'MB', {
                  label: 'idle RSS before them',
                  name: 's3.rss.idle',
                }),
                command: 'VmRSS from /proc/<pid>/status, sampled every 100 ms',
              },
              row(
                `4 KiB POST creates on the S3 node, ${CONNECTIONS} concurrent`,
                's3.creates',
                'creates/s',
                {
                  label: 'localfs creates over 3 nodes',
                  name: 'creates',
                },
              ),
            ],
          } satisfies Section,
        ]
      : []),
    {
      title: 'Memory',
      rows: nodes.map((n) => ({
        ...row(`${n}: peak RSS during the proxied ${S} PUT and GET`, `rss.peak.${n}`, 'MB', {
          label: 'idle RSS before them',
          name: `rss.idle.${n}`,
        }),
        command: 'VmRSS from /proc/<pid>/status, sampled every 100 ms',
      })),
    },
    {
      title: 'etcd requests per operation',
      intro: `From the nodes' own /metrics (\`callfs_etcd_request_duration_seconds_count\`, summed over all three nodes) read before and after ${COUNTED} sequential requests, after one warm-up request.`,
      rows: [
        ['create (POST) on the owner', 'create'],
        ['warm GET on the owner', 'get'],
        ['warm HEAD on the owner', 'head'],
        ['GET through a non-owner', 'proxied'],
      ].map(([figure, name]) => row(figure!, `etcdops.${name}`, 'requests')),
    },
    {
      title: 'Start-up and idle memory: compiled (dist/) vs tsx',
      intro:
        `${STARTUP_RUNS} starts of each, alternating, against the bench's etcd: process start → ` +
        `/ready 200 (polled every 10 ms), then RSS after ${IDLE_MS / 1000} s idle. After each ` +
        'pair, the idle-memory baselines: node processes that only import packages and idle ' +
        '(`scripts/bench-lib/stack-rss.mjs`: plain JavaScript, no tsx; incremental marking off ' +
        'as in src/main.ts; the two collections of a node that has served nothing, 1 and 7 s ' +
        'after its imports, as src/cli/idle-gc.ts runs them), started together and read after ' +
        'the same idle time. Nodes and these processes run with `MALLOC_ARENA_MAX=2`, as the ' +
        "production unit sets it (docs/operations.md); one more node per pair runs with glibc's " +
        'default instead. "Every runtime dependency a node imports at start-up" is ' +
        `${STARTUP_DEPS.join(', ')} (the AWS SDK is loaded only by a node with an S3 bucket).`,
      rows: [
        {
          ...row('start-up, `bin/callfs` (dist/)', 'startup.dist', 'ms', {
            label: 'tsx',
            name: 'startup.tsx',
          }),
          command: 'node bin/callfs server --config FILE',
        },
        {
          ...row('idle RSS, `bin/callfs` (dist/)', 'idle.dist', 'MB', {
            label: 'tsx',
            name: 'idle.tsx',
          }),
          command: 'node --import tsx src/main.ts server --config FILE',
        },
        {
          ...row('idle RSS, `bin/callfs` (dist/)', 'idle.dist', 'MB', {
            label: `glibc's default malloc arenas (${GLIBC_ARENAS}, eight per core)`,
            name: 'idle.dist-glibc',
          }),
          command: `MALLOC_ARENA_MAX=${GLIBC_ARENAS} node bin/callfs server --config FILE`,
        },
        {
          ...row('idle RSS, `bin/callfs` (dist/)', 'idle.dist', 'MB', {
            label: 'node importing every runtime dependency a node imports at start-up',
            name: 'idle.deps',
          }),
          command: cmd('idle.deps'),
        },
        row(
          'idle RSS, node importing every runtime dependency a node imports at start-up',
          'idle.deps',
          'MB',
          { label: 'only the chosen stack', name: 'idle.stack' },
        ),
        row(
          `idle RSS, node importing only the chosen stack (${STACK.join(', ')})`,
          'idle.stack',
          'MB',
          { label: 'node importing nothing', name: 'idle.bare' },
        ),
      ],
    },
  ];
  return [
    '# Benchmarks',
    '',
    `Written by \`scripts/bench\` in ${Math.round(seconds)} s: ${RUNS} run${RUNS > 1 ? 's' : ''} of every figure; ` +
      'each cell is the median with the min–max of the runs in brackets, and each ratio is ' +
      "taken per run against that run's baseline before its median. The bench starts etcd, three " +
      'compiled nodes (`bin/callfs`, JSON logs at info, `MALLOC_ARENA_MAX=2` as in the ' +
      'production unit), a plain `node:http` server and the ' +
      'simplest gRPC relay (`scripts/bench-lib/relay-baseline.ts`: a `node:http` front calling ' +
      'a grpc-js owner process over one channel, Buffer messages without protobuf, the ' +
      "nodes' 16 MiB HTTP/2 windows and message limits, reads in 1 MiB chunks, uploads " +
      'relayed as they arrive; its owner writes a ' +
      'temp file, fsyncs and renames as the plain PUT does) itself, on ' +
      `127.0.0.1 only (HTTP ${HTTP_BASE}–${HTTP_BASE + 2}, gRPC ${GRPC_BASE}–${GRPC_BASE + 2}, etcd ` +
      `${ETCD_PORT}), and stops them by pid. The load generators, etcd and the nodes share the ` +
      'machine, so compare a figure with its same-run baseline. MB/s = 10^6 bytes/s. `$KEY` is ' +
      `the bench's API key (\`${KEY}\`).`,
    '',
    head,
    '',
    ...sections.map(renderSection),
  ].join('\n');
}

async function main(): Promise<void> {
  mkdirSync(TMP, { recursive: true });
  const head = machine();
  log(`${MODE} ${QUICK ? 'quick' : 'full'} run, ${RUNS} run(s); temp ${TMP}`);
  cluster = await startCluster();
  if (MODE === 'scale') {
    const md = await runScale({ ctx, cluster, quick: QUICK, prefix: PREFIX, tmp: TMP, head });
    process.stdout.write(md + '\n');
    if (OUT) {
      const existing = existsSync(OUT) ? readFileSync(OUT, 'utf8') : '# Benchmarks\n';
      await writeFile(OUT, withScaleBlock(existing, md));
      log(`wrote the scale section of ${OUT}`);
    }
    return;
  }
  const source = makeSource();
  const baseDir = join(TMP, 'baseline');
  const relayDir = join(TMP, 'relay-baseline');
  const plain = await baselineServer('baseline', baseDir);
  const baselines: Baselines = {
    url: plain.url,
    dir: baseDir,
    pid: plain.pid,
    relay: await relayBaseline(relayDir),
    relayDir,
    creates: await Promise.all(
      [1, 2, 3].map((i) =>
        baselineServer(
          `baseline-creates-${i}`,
          join(TMP, `baseline-creates-${i}`),
          cluster!.etcd.endpoint,
        ).then((b) => b.url),
      ),
    ),
  };
  const s3: S3Bench | null = WITH_S3 ? await startS3Bench(ctx, cluster, TMP, nodeConfig) : null;
  for (let r = 0; r < RUNS; r++) {
    await round(r, cluster, baselines, source);
    if (!s3) continue;
    const figures = await s3Round(ctx, s3, r, source, {
      connections: CONNECTIONS,
      bytes: CREATE_BYTES,
      sized,
    });
    for (const f of figures) record(f.name, f.value, f.command);
  }
  await startup(cluster);
  const md = report(head, (performance.now() - T0) / 1000);
  process.stdout.write(md);
  if (OUT) {
    const existing = existsSync(OUT) ? readFileSync(OUT, 'utf8') : '';
    const keep = [notesBlock(existing), scaleBlock(existing)].filter(Boolean);
    await writeFile(OUT, [md, ...keep].join('\n'));
    log(`wrote ${OUT}`);
  } else {
    log('quick run: BENCHMARKS.md left as it is (BENCH_OUT=file writes the report)');
  }
}

main()
  .then(async () => {
    await cluster?.stop();
    await procs.stopAll();
    cleanupSync();
    process.exit(0);
  })
  .catch(async (err: unknown) => {
    log(`FAILED: ${err instanceof Error ? err.stack : String(err)}`);
    for (const n of cluster?.nodes ?? []) {
      const tail = n
        .output()
        .split('\n')
        .filter((l) => !l.includes('"msg":"request"'));
      process.stderr.write(`---- ${n.name} ----\n${tail.slice(-20).join('\n')}\n`);
    }
    await cluster?.stop().catch(() => undefined);
    await procs.stopAll();
    cleanupSync();
    process.exit(1);
  });
