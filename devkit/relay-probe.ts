// Measures large transfers relayed through a non-owner on a local 3-node cluster of the compiled
// build, by CPU ticks of each node (/proc/<pid>/stat, robust to other load on the machine) as
// well as wall time, and by peak RSS. Not part of the bench: a development probe for A/B runs.
//
//   node --import tsx devkit/relay-probe.ts [rounds] [MiB]
//   RELAY_PROBE_PROFILE=dir  also writes a --cpu-prof of every node into dir (at the nodes' exit)
//   RELAY_PROBE_NODE_ARGS='--trace-gc'  more options for node itself, with RELAY_PROBE_LOGS=dir
//                                       to keep the nodes' logs there
//   RELAY_PROBE_OPS=get.relay,put.relay  only these operations (default: all four)
//   RELAY_PROBE_BUILDS=/path/a,/path/b   one cluster per checkout (its dist/), interleaved
//                                        round by round and operation by operation (A/B)
//   RELAY_PROBE_ENVS='A=1;A=2'           more environment for each build's nodes, in the order
//                                        of RELAY_PROBE_BUILDS (a checkout may be named twice)
import { execFileSync } from 'node:child_process';
import { createHash, randomFillSync } from 'node:crypto';
import { cpSync, createWriteStream, existsSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import {
  loopbackNodeConfig,
  startLocalCluster,
  type ClusterNode,
  type LocalCluster,
  type NodeSlot,
} from './cluster.js';
import { buildEnvs, REPO } from './node-process.js';
import { cpuTicksOf, minorFaultsOf, Procs } from './proc.js';
import { rssMB, sampleRss } from './rss.js';

const ROUNDS = Number(process.argv[2] ?? 3);
const MIB = Number(process.argv[3] ?? 512);
const KEY = 'relay-probe-key-3f9a0c1e7b5d4a2c';
const OPS = (process.env.RELAY_PROBE_OPS ?? 'get.owner,get.relay,put.owner,put.relay').split(',');

const ticks = (pid: number): number => cpuTicksOf(pid).total;
const faults = minorFaultsOf;

function config(slot: NodeSlot): Record<string, unknown> {
  return loopbackNodeConfig(slot, { apiKey: KEY, prefix: '/probe/', name: 'probe' });
}

async function main(): Promise<void> {
  const shm = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  const dir = await mkdtemp(join(tmpdir(), 'relay-probe-'));
  const source = join(await mkdtemp(join(shm, 'relay-probe-')), 'source.bin');
  const hash = createHash('sha256');
  await new Promise<void>((resolve, reject) => {
    const out = createWriteStream(source);
    const block = Buffer.allocUnsafe(1024 * 1024);
    for (let i = 0; i < MIB; i++) {
      randomFillSync(block);
      hash.update(block);
      out.write(Buffer.from(block));
    }
    out.end();
    out.on('finish', resolve).on('error', reject);
  });
  const sha = hash.digest('hex');
  const profileDir = process.env.RELAY_PROBE_PROFILE;
  const builds = (process.env.RELAY_PROBE_BUILDS ?? REPO).split(',');
  const specs = (process.env.RELAY_PROBE_ENVS ?? '').split(';');
  const envs = buildEnvs(process.env.RELAY_PROBE_ENVS, builds.length);
  const procs = new Procs({ pidDir: join(dir, 'pids') });
  const clusters: { build: string; cluster: LocalCluster }[] = [];
  const curl = (method: 'GET' | 'PUT', target: string): { status: number; seconds: number } => {
    const out = execFileSync(
      'curl',
      [
        '-sS',
        '-o',
        '/dev/null',
        '-w',
        '%{http_code} %{time_total}',
        '-H',
        `authorization: Bearer ${KEY}`,
        ...(method === 'PUT' ? ['-T', source] : []),
        target,
      ],
      { encoding: 'utf8' },
    );
    const [status, seconds] = out.trim().split(' ').map(Number);
    return { status: status!, seconds: seconds! };
  };
  const path = '/probe/big.bin';
  const url = (n: ClusterNode, p: string): string => `${n.url}/v1/files${p}`;
  try {
    for (const [i, build] of builds.entries()) {
      const cluster = await startLocalCluster({
        config,
        runtime: 'dist',
        repo: build,
        env: envs[i],
        nodeArgs: [
          ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
          ...(process.env.RELAY_PROBE_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
        ],
        dir: join(dir, `build-${i}`),
        logs: true,
        procs,
      });
      clusters.push({ build: [basename(build), specs[i]].filter(Boolean).join(' '), cluster });
      const [n1, n2] = cluster.nodes as [ClusterNode, ClusterNode];
      const first = curl('PUT', url(n1, path));
      if (first.status !== 201 && first.status !== 200) throw new Error(`PUT ${first.status}`);
      const relayed = execFileSync('sh', [
        '-c',
        `curl -sS -H "authorization: Bearer ${KEY}" "${url(n2, path)}" | sha256sum`,
      ])
        .toString()
        .split(' ')[0]!;
      if (relayed !== sha) throw new Error(`${build}: relayed GET: SHA-256 differs`);
    }
    for (let r = 0; r < ROUNDS; r++) {
      for (const op of OPS) {
        for (const { build, cluster } of clusters) {
          const [n1, n2] = cluster.nodes as [ClusterNode, ClusterNode];
          const pids = { 'node-1': n1.pid, 'node-2': n2.pid };
          const [method, via] = op.split('.') as ['get' | 'put', 'owner' | 'relay'];
          const node = via === 'owner' ? n1 : n2;
          const idle = { 'node-1': rssMB(n1.pid), 'node-2': rssMB(n2.pid) };
          const t0 = { 'node-1': ticks(n1.pid), 'node-2': ticks(n2.pid) };
          const f0 = { 'node-1': faults(n1.pid), 'node-2': faults(n2.pid) };
          const sampler = sampleRss(pids, 50);
          const started = process.hrtime.bigint() / 1000n;
          const res = curl(method === 'get' ? 'GET' : 'PUT', url(node, path));
          const peak = sampler.stop();
          if (res.status !== 200) throw new Error(`${op} ${res.status}`);
          const window = [Number(started), Number(process.hrtime.bigint() / 1000n)];
          const line = {
            build,
            round: r + 1,
            op,
            mbps: Math.round((MIB * 1024 * 1024) / 1e6 / res.seconds),
            ticks1: ticks(n1.pid) - t0['node-1'],
            ticks2: ticks(n2.pid) - t0['node-2'],
            kfaults1: Math.round((faults(n1.pid) - f0['node-1']) / 1000),
            kfaults2: Math.round((faults(n2.pid) - f0['node-2']) / 1000),
            rss1: `${Math.round(idle['node-1'])}→${Math.round(peak['node-1']!.peakMB)}`,
            rss2: `${Math.round(idle['node-2'])}→${Math.round(peak['node-2']!.peakMB)}`,
            // CLOCK_MONOTONIC µs, the clock of --cpu-prof timestamps: profile this window only.
            window,
          };
          process.stdout.write(`${JSON.stringify(line)}\n`);
        }
      }
    }
    for (const { build, cluster } of clusters) {
      const stored = join(cluster.nodes[0]!.slot.root, 'probe', 'big.bin');
      const storedSha = createHash('sha256').update(readFileSync(stored)).digest('hex');
      if (storedSha !== sha) throw new Error(`${build}: the stored file's SHA-256 differs`);
    }
    process.stdout.write('sha ok\n');
  } finally {
    for (const { cluster } of clusters) await cluster.stop();
    const keep = process.env.RELAY_PROBE_LOGS;
    if (keep) {
      for (const [i] of clusters.entries()) {
        cpSync(join(dir, `build-${i}`, 'logs'), join(keep, `build-${i}`), { recursive: true });
      }
    }
    rmSync(join(source, '..'), { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
