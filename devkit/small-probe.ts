// Measures 1 KiB GETs on a local 2-node cluster of the compiled build, directly on the node that
// holds the file and relayed through the other one, and on request 4 KiB POST creates on the
// first node, by CPU ticks of each process (and etcd) per 1,000 requests (/proc/<pid>/stat,
// robust to other load on the machine) as well as the rate. Not part of the bench: a
// development probe for A/B runs of the small-request paths.
//
//   node --import tsx devkit/small-probe.ts [rounds] [count]
//   SMALL_PROBE_BUILDS=/path/a,/path/b   one cluster per checkout (its dist/), interleaved
//                                        round by round and operation by operation (A/B)
//   SMALL_PROBE_ENVS='A=1;A=2'           more environment for each build's nodes, in the order
//                                        of SMALL_PROBE_BUILDS (the same checkout may be named
//                                        twice, e.g. to compare allocator settings)
//   SMALL_PROBE_OPS=owner,relay,create   which requests (default owner,relay): 1 KiB GETs on the
//                                        node holding the file or through the other; 4 KiB
//                                        POST creates of fresh paths on the first node
//   SMALL_PROBE_NODE_ARGS='--cpu-prof'   more options for node itself
import autocannon from 'autocannon';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { loopbackNodeConfig, startLocalCluster, type LocalCluster } from './cluster.js';
import { buildEnvs, REPO } from './node-process.js';
import { cpuTicksOf, Procs } from './proc.js';

const ROUNDS = Number(process.argv[2] ?? 4);
const COUNT = Number(process.argv[3] ?? 6000);
const CONNECTIONS = 64;
const KEY = 'small-probe-key-8c1d2e3f4a5b6c7d';
const OPS = (process.env.SMALL_PROBE_OPS ?? 'owner,relay').split(',');

const ticks = (pid: number): number => cpuTicksOf(pid).total;

/** COUNT requests at CONNECTIONS; POST creates a fresh path (`[<id>]`) with a 4 KiB body. */
async function cannon(
  url: string,
  method: 'GET' | 'POST' = 'GET',
): Promise<{ rate: number; non2xx: number }> {
  const started = performance.now();
  let last = started;
  const run = autocannon({
    url,
    method,
    connections: CONNECTIONS,
    amount: COUNT,
    sampleInt: 100,
    headers: { authorization: `Bearer ${KEY}` },
    ...(method === 'POST' ? { body: Buffer.alloc(4096, 0x62), idReplacement: true } : {}),
  });
  run.on('response', () => (last = performance.now()));
  const res = await run;
  return {
    rate: Math.round((COUNT * 1000) / (last - started)),
    non2xx: (res as { non2xx: number }).non2xx,
  };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'small-probe-'));
  const procs = new Procs({ pidDir: join(dir, 'pids') });
  const builds = (process.env.SMALL_PROBE_BUILDS ?? REPO).split(',');
  const specs = (process.env.SMALL_PROBE_ENVS ?? '').split(';');
  const envs = buildEnvs(process.env.SMALL_PROBE_ENVS, builds.length);
  const clusters: { label: string; cluster: LocalCluster }[] = [];
  try {
    for (const [i, build] of builds.entries()) {
      const cluster = await startLocalCluster({
        count: 2,
        config: (slot) => loopbackNodeConfig(slot, { apiKey: KEY, prefix: '/sp/', name: 'sp' }),
        runtime: 'dist',
        repo: build,
        nodeArgs: process.env.SMALL_PROBE_NODE_ARGS?.split(' ').filter(Boolean) ?? [],
        env: envs[i],
        dir: join(dir, `build-${i}`),
        logs: true,
        procs,
      });
      clusters.push({ label: [basename(build), specs[i]].filter(Boolean).join(' '), cluster });
      const res = await fetch(`${cluster.nodes[0]!.url}/v1/files/sp/small.bin`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${KEY}` },
        body: Buffer.alloc(1024, 0x61),
      });
      if (res.status !== 201) throw new Error(`PUT ${res.status}`);
      // Warm both paths (V8's compilers, the cache, the peer channel).
      for (const node of cluster.nodes) await cannon(`${node.url}/v1/files/sp/small.bin`);
    }
    for (let r = 1; r <= ROUNDS; r++) {
      for (const op of OPS) {
        for (const { label, cluster } of clusters) {
          const [n1, n2] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0]];
          const via = op === 'relay' ? n2 : n1;
          const t1 = ticks(n1.pid);
          const t2 = ticks(n2.pid);
          const tc = ticks(process.pid);
          const te = ticks(cluster.etcd.pid);
          const from = process.hrtime.bigint() / 1000n;
          const { rate, non2xx } =
            op === 'create'
              ? await cannon(`${via.url}/v1/files/sp/creates-${r}/[<id>]`, 'POST')
              : await cannon(`${via.url}/v1/files/sp/small.bin`);
          const per = (t: number): number => Math.round((t * 1000) / COUNT);
          const line = {
            build: label,
            round: r,
            op,
            rate,
            non2xx,
            owner: per(ticks(n1.pid) - t1),
            relay: per(ticks(n2.pid) - t2),
            client: per(ticks(process.pid) - tc),
            etcd: per(ticks(cluster.etcd.pid) - te),
            // CLOCK_MONOTONIC µs, the clock of --cpu-prof timestamps: profile this window only.
            window: [Number(from), Number(process.hrtime.bigint() / 1000n)],
          };
          process.stdout.write(`${JSON.stringify(line)}\n`);
        }
      }
    }
  } finally {
    for (const { cluster } of clusters) await cluster.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
