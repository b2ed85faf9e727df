// `scripts/bench scale`: how CallFS behaves with a million paths. Measures create, HEAD, small
// GET and a 1,000-entry directory page on an empty namespace, then loads the paths and measures
// the same again. Loading goes around the API (at a few hundred creates/s a million would take
// an hour): batched etcd transactions write each inode with the project's own key layout and
// encoder (src/metadata/keys.ts, records.ts), and an empty file at the same path on its owner's
// disk, exactly as a create leaves them. ~1,000 directories: 900 in a two-level fan-out, a
// 100-level deep chain, and one wide directory holding a tenth of the files; files are owned
// by all three nodes in turn.
import { randomBytes } from 'node:crypto';
import { mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import type { LocalCluster } from '../../devkit/cluster.js';
import type { Inode } from '../../src/files/ports.js';
import { inodeKey } from '../../src/metadata/keys.js';
import { encodeInode } from '../../src/metadata/records.js';
import { cannon, nodeLoad, shown, type Context, type Load } from './measure.js';
import { renderSection, type Row } from './report.js';
import { rssMB } from '../../devkit/rss.js';
import { IDLE_GC_QUIET_CHECKS, IDLE_GC_SECOND_AFTER_CHECKS } from '../../src/cli/idle-gc.js';
import { cpuTicksOf } from '../../devkit/proc.js';
import { spread } from './stats.js';

const CONNECTIONS = 64;
const TXN_OPS = 128; // etcd's default --max-txn-ops
const TXNS_IN_FLIGHT = 8;
/** How long the nodes rest after a namespace's probes before their RSS is read. */
const SETTLE_MS = 10_000;
/**
 * How long after a namespace's probes the nodes have run both idle collections (a quiet
 * minute, then ~6 s; one-second checks) with a few seconds to spare: their RSS is then what an
 * idle node keeps after that traffic.
 */
const QUIET_MS = (IDLE_GC_QUIET_CHECKS + IDLE_GC_SECOND_AFTER_CHECKS + 6) * 1000;

export interface ScaleOptions {
  ctx: Context;
  cluster: LocalCluster;
  quick: boolean;
  prefix: string;
  tmp: string;
  head: string;
}

interface Tree {
  dirs: string[];
  fileDirs: string[];
}

function tree(): Tree {
  const dirs = ['/scale', '/scale/wide', '/scale/deep'];
  for (let w = 0; w < 10; w++) {
    dirs.push(`/scale/w${w}`);
    for (let d = 0; d < 89; d++) dirs.push(`/scale/w${w}/d${d}`);
  }
  let deep = '/scale/deep';
  for (let l = 1; l <= 100; l++) dirs.push((deep = `${deep}/l${l}`));
  const fileDirs = dirs.filter((d) => /\/d\d+$|\/l\d+$/.test(d));
  return { dirs, fileDirs };
}

function inode(type: Inode['type'], owner: string): Inode {
  return {
    type,
    instance_id: owner,
    backend_type: 'localfs',
    size: 0,
    mode: type === 'directory' ? 0o755 : 0o644,
    owner: 'api-user-0',
    mtime: Date.now(),
    gen: 1,
    state: 'ready',
    // As a real write leaves it: the id of the write that made this generation.
    ...(type === 'file' ? { write: randomBytes(8).toString('hex') } : {}),
  };
}

/** Writes `paths` files (plus the tree's directories) into etcd and onto the owners' disks. */
async function load(
  o: ScaleOptions,
  paths: number,
  extra: { dir: string; files: number },
): Promise<{ seconds: number; valueBytes: number; keys: number }> {
  const { cluster, prefix, ctx } = o;
  const nodes = cluster.nodes;
  const t = tree();
  const client = new Etcd3({ hosts: cluster.etcd.endpoint });
  const started = performance.now();
  let valueBytes = 0;
  let keys = 0;
  const queue: [string, string][] = [];
  const inFlight = new Set<Promise<void>>();
  const flush = async (force: boolean): Promise<void> => {
    while (queue.length >= TXN_OPS || (force && queue.length > 0)) {
      const batch = queue.splice(0, TXN_OPS);
      const success = batch.map(([k, v]) => ({
        request_put: { key: Buffer.from(k), value: Buffer.from(v) },
      }));
      const p = client.kv.txn({ compare: [], success, failure: [] }).then(() => undefined);
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
      if (inFlight.size >= TXNS_IN_FLIGHT) await Promise.race(inFlight);
    }
    if (force) await Promise.all(inFlight);
  };
  const put = async (path: string, value: Inode): Promise<void> => {
    const v = encodeInode(value);
    queue.push([inodeKey(prefix, path), v]);
    valueBytes += Buffer.byteLength(v);
    keys++;
    if (queue.length >= TXN_OPS) await flush(false);
  };
  const dirs = extra.files > 0 && paths === 0 ? ['/probe'] : t.dirs;
  for (const d of dirs) {
    await put(d, inode('directory', 'node-1'));
    await Promise.all(nodes.map((n) => mkdir(join(n.slot.root, d), { recursive: true })));
  }
  const emptyFile = async (root: string, path: string): Promise<void> => {
    await (await open(join(root, path), 'w')).close();
  };
  const files: [string, number][] = [];
  for (let i = 0; i < extra.files; i++) files.push([`${extra.dir}/p-${i}`, i % 3]);
  const wide = Math.floor(paths / 10);
  for (let i = 0; i < paths; i++) {
    const dir = i < wide ? '/scale/wide' : t.fileDirs[i % t.fileDirs.length]!;
    files.push([`${dir}/f-${i}`, i % 3]);
  }
  for (let i = 0; i < files.length; i += 256) {
    const chunk = files.slice(i, i + 256);
    await Promise.all(chunk.map(([p, n]) => emptyFile(nodes[n]!.slot.root, p)));
    for (const [p, n] of chunk) await put(p, inode('file', nodes[n]!.name));
    if (i % 100_000 < 256 && i > 0) ctx.log(`scale: loaded ${i.toLocaleString('en-US')} paths`);
  }
  await flush(true);
  client.close();
  return { seconds: (performance.now() - started) / 1000, valueBytes, keys };
}

async function etcdctl(o: ScaleOptions, args: string[]): Promise<string> {
  const r = await o.ctx.procs.run(
    'etcdctl',
    ['etcdctl', `--endpoints=${o.cluster.etcd.endpoint}`, ...args],
    120_000,
    { ...process.env, ETCDCTL_API: '3' },
  );
  return r.stdout;
}

/**
 * etcd's db size after compacting to the current revision and defragmenting: the size an
 * operator's routine maintenance (or etcd's --auto-compaction) leaves, and the one the quota
 * is checked against. Without it the figure includes the free pages of the batch load.
 */
async function dbSize(o: ScaleOptions): Promise<number> {
  const status = async (): Promise<{ dbSize: number; revision: number }> => {
    const s = JSON.parse(await etcdctl(o, ['endpoint', 'status', '-w', 'json'])) as Array<{
      Status: { dbSize: number; header: { revision: number } };
    }>;
    return { dbSize: s[0]!.Status.dbSize, revision: s[0]!.Status.header.revision };
  };
  const { revision } = await status();
  await etcdctl(o, ['compaction', '--physical', String(revision)]);
  await etcdctl(o, ['defrag']);
  return (await status()).dbSize;
}

interface Probe {
  create: Load;
  head: Load;
  get: Load;
  page: Load;
  /** CPU per 1,000 requests, in ms, of node-1 (which answers them) and of etcd. */
  cpu: Record<'head' | 'get', { node: number; etcd: number }>;
}

async function probe(o: ScaleOptions, tag: string, counts: Record<string, number>): Promise<Probe> {
  const [n1, n2, n3] = o.cluster.nodes.map((n) => n.url) as [string, string, string];
  const auth = { authorization: `Bearer ${o.ctx.key}` };
  const dir = `/creates-${tag}`;
  await fetch(`${n1}/v1/files${dir}/`, { method: 'POST', headers: auth });
  o.ctx.log(`scale (${tag}): creates, HEAD, 1 KiB GET, 1,000-entry page`);
  const create = await cannon(
    o.ctx,
    {
      urls: [n1, n2, n3].map((u) => `${u}/v1/files${dir}/[<id>]`),
      connections: CONNECTIONS,
      count: counts.create!,
      method: 'POST',
      bodyBytes: 4096,
    },
    201,
  );
  const file = `${n1}/v1/files/probe/small.bin`;
  const pids = [o.cluster.nodes[0]!.pid, o.cluster.etcd.pid];
  const withCpu = async (run: () => Promise<Load>) => {
    const before = pids.map(ticksOf);
    const load = await run();
    // 10 ms per tick, per 1,000 requests.
    const per1000 = (i: number): number => ((ticksOf(pids[i]!) - before[i]!) * 10_000) / load.count;
    return { load, cpu: { node: per1000(0), etcd: per1000(1) } };
  };
  const head = await withCpu(() => nodeLoad(o.ctx, 'HEAD', file, counts.head!, CONNECTIONS, 200));
  const get = await withCpu(() =>
    cannon(o.ctx, { urls: [file], connections: CONNECTIONS, count: counts.get! }, 200),
  );
  const page = await cannon(
    o.ctx,
    { urls: [`${n1}/v1/files/probe/?limit=1000`], connections: 8, count: counts.page! },
    200,
  );
  return {
    create,
    head: head.load,
    get: get.load,
    page,
    cpu: { head: head.cpu, get: get.cpu },
  };
}

const REPEATS = 3;

/** Each probe REPEATS times (once when quick), so one load spike does not make a figure. */
async function probes(
  o: ScaleOptions,
  tag: string,
  counts: Record<string, number>,
): Promise<Probe[]> {
  const out: Probe[] = [];
  for (let i = 0; i < (o.quick ? 1 : REPEATS); i++) out.push(await probe(o, `${tag}-${i}`, counts));
  return out;
}

export async function runScale(o: ScaleOptions): Promise<string> {
  const paths = Number(process.env.BENCH_SCALE_PATHS ?? (o.quick ? 20_000 : 1_000_000));
  const counts = o.quick
    ? { create: 300, head: 1000, get: 1000, page: 40 }
    : { create: 5000, head: 20_000, get: 20_000, page: 400 };
  const n1 = o.cluster.nodes[0]!.url;
  const auth = { authorization: `Bearer ${o.ctx.key}` };
  o.ctx.log('scale: the probe directory (1,000 files) and a 1 KiB file on an empty namespace');
  await load(o, 0, { dir: '/probe', files: 1000 });
  const res = await fetch(`${n1}/v1/files/probe/small.bin`, {
    method: 'PUT',
    headers: auth,
    body: Buffer.alloc(1024, 0x61),
  });
  if (res.status !== 201) throw new Error(`PUT /probe/small.bin: ${res.status}`);
  const dbEmpty = await dbSize(o);
  const empty = await probes(o, 'empty', counts);
  // Each namespace's RSS after its own probes and the same settling time, so the two compare:
  // 10 s after, before the node's idle collections (src/cli/idle-gc.ts), and once they ran.
  const rssAfter = async (): Promise<{ soon: number[]; quiet: number[] }> => {
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const soon = o.cluster.nodes.map((n) => rssMB(n.pid));
    if (o.quick) return { soon, quiet: soon };
    await new Promise((r) => setTimeout(r, QUIET_MS - SETTLE_MS));
    return { soon, quiet: o.cluster.nodes.map((n) => rssMB(n.pid)) };
  };
  o.ctx.log(
    `scale: node RSS ${SETTLE_MS / 1000} s after the probes${o.quick ? '' : ` and ${QUIET_MS / 1000} s after`}`,
  );
  const rssEmpty = await rssAfter();

  o.ctx.log(`scale: loading ${paths.toLocaleString('en-US')} paths (batched etcd txns + files)`);
  const loaded = await load(o, paths, { dir: '', files: 0 });
  o.ctx.log(`scale: loaded in ${loaded.seconds.toFixed(0)} s; waiting for the nodes to go idle`);
  // Every node decodes the watch event of every loaded key: the probes wait until that is done.
  const settled = await untilIdle(o.cluster.nodes.map((n) => n.pid));
  o.ctx.log(`scale: the nodes went idle ${settled.toFixed(0)} s after the load`);
  const dbFull = await dbSize(o);
  const full = await probes(o, 'full', counts);
  o.ctx.log(
    `scale: node RSS ${SETTLE_MS / 1000} s after the probes${o.quick ? '' : ` and ${QUIET_MS / 1000} s after`}`,
  );
  const rssFull = await rssAfter();

  const one = (v: number): ReturnType<typeof spread> => spread([v]);
  const rowOf = (figure: string, pick: (p: Probe) => Load, unit: string): Row => {
    const a = full.map((p) => pick(p).perSec);
    const b = empty.map((p) => pick(p).perSec);
    return {
      figure,
      value: spread(a),
      unit,
      baseline: { label: 'empty namespace', value: spread(b), unit },
      ratio: one(spread(a).median / spread(b).median),
      command: pick(full[0]!).command,
    };
  };
  const cpuRow = (figure: string, pick: (p: Probe) => number): Row => {
    const a = spread(full.map(pick));
    const b = spread(empty.map(pick));
    return {
      figure,
      value: a,
      unit: 'ms',
      baseline: { label: 'empty namespace', value: b, unit: 'ms' },
      ratio: b.median > 0 ? one(a.median / b.median) : undefined,
      command: '/proc/<pid>/stat user + system ticks over the probe, per 1,000 requests',
    };
  };
  const perPath = (dbFull - dbEmpty) / loaded.keys;
  const quota = 2 * 1024 ** 3;
  const rows: Row[] = [
    rowOf('4 KiB POST creates, 64 concurrent over 3 nodes', (p) => p.create, 'creates/s'),
    rowOf('HEAD on the owner (stat)', (p) => p.head, 'req/s'),
    rowOf('1 KiB GET on the owner', (p) => p.get, 'req/s'),
    rowOf('1,000-entry directory page (8 connections)', (p) => p.page, 'pages/s'),
    ...(['head', 'get'] as const).flatMap((op) =>
      (['node', 'etcd'] as const).map((who) =>
        cpuRow(
          `${who === 'node' ? 'node-1' : 'etcd'} CPU per 1,000 ${op === 'head' ? 'HEADs' : '1 KiB GETs'} (user + system)`,
          (p) => p.cpu[op][who],
        ),
      ),
    ),
    ...(['soon', 'quiet'] as const).flatMap((when) =>
      o.cluster.nodes.map((n, i) => ({
        figure: `${n.name} RSS ${when === 'soon' ? SETTLE_MS / 1000 : QUIET_MS / 1000} s after the probes`,
        value: one(rssFull[when][i]!),
        unit: 'MB',
        baseline: { label: 'empty namespace', value: one(rssEmpty[when][i]!), unit: 'MB' },
        ratio: one(rssFull[when][i]! / rssEmpty[when][i]!),
        command: 'VmRSS from /proc/<pid>/status',
      })),
    ),
    {
      figure: 'etcd db size',
      value: one(dbFull / 1e6),
      unit: 'MB',
      baseline: { label: 'empty namespace', value: one(dbEmpty / 1e6), unit: 'MB' },
      command: shown(['etcdctl', '--endpoints=…', 'endpoint', 'status', '-w', 'json'], o.ctx.key),
    },
    {
      figure: 'average inode value size',
      value: one(loaded.valueBytes / loaded.keys),
      unit: 'bytes',
      command: 'encodeInode (src/metadata/records.ts) of every loaded path',
    },
  ];
  return [
    `## Scale: ${paths.toLocaleString('en-US')} paths`,
    '',
    o.head,
    '',
    `Written by \`scripts/bench scale\`. Loaded ${loaded.keys.toLocaleString('en-US')} keys ` +
      `(${t(paths)} files, ~1,000 directories) in ${loaded.seconds.toFixed(0)} s with batched ` +
      `etcd transactions (${TXN_OPS} puts each, ${TXNS_IN_FLIGHT} in flight) in the project's ` +
      "key and value format plus an empty file per path on its owner's disk, not through the API. " +
      `Every node decodes the watch event of every loaded key: the loaded namespace's probes start once the three nodes use under 5 % of a core (${settled.toFixed(0)} s after the load). ` +
      `Each figure is the median (min–max) of ${o.quick ? 1 : REPEATS} runs; the baseline is the same ` +
      'figure on the empty namespace in the same bench, and the ratio is of the medians. The etcd ' +
      "db size is read after compacting to the current revision and defragmenting; each node's RSS " +
      `${SETTLE_MS / 1000} s after that namespace's probes, and ${QUIET_MS / 1000} s after them, ` +
      'once a quiet minute has let the node run its idle collections (src/cli/idle-gc.ts). ' +
      "The CPU rows are node-1's and etcd's user + system time over each HEAD and GET probe " +
      '(`/proc/<pid>/stat`), per 1,000 requests: what a request costs the node that answers ' +
      'it, and what etcd spent meanwhile (a warm HEAD or GET asks etcd nothing).',
    '',
    renderSection({ title: 'Empty vs loaded namespace', rows }).replace(/^## .*\n\n/, ''),
    `etcd's default quota is 2 GiB (\`--quota-backend-bytes\`). The load grew the db by ` +
      `${((dbFull - dbEmpty) / 1e6).toFixed(0)} MB for ${loaded.keys.toLocaleString('en-US')} keys, ` +
      `${perPath.toFixed(0)} bytes per path (key, value, revision and index overhead together), ` +
      `so the quota holds about 2,147,483,648 / ${perPath.toFixed(0)} ≈ ` +
      `${t(Math.floor(quota / perPath))} paths before compaction and defragmentation matter ` +
      '(every overwrite keeps the old revision until compaction).',
    '',
  ].join('\n');
}

const t = (n: number): string => n.toLocaleString('en-US');

const ticksOf = (pid: number): number => cpuTicksOf(pid).total;

/**
 * Waits until `pids` together use under 5 % of a core over a second (at most 300 s) and
 * returns the seconds it took.
 */
async function untilIdle(pids: number[]): Promise<number> {
  const t0 = performance.now();
  let last = pids.map(ticksOf);
  while (performance.now() - t0 < 300_000) {
    await new Promise((r) => setTimeout(r, 1000));
    const now = pids.map(ticksOf);
    const used = now.reduce((sum, t, i) => sum + t - last[i]!, 0);
    last = now;
    if (used <= 5) break;
  }
  return (performance.now() - t0) / 1000;
}
