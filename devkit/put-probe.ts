// Large PUTs on a node beside the bench's plain server (scripts/bench-lib/baseline-server.ts:
// temp file, fsync, rename), each after `sync` and a second's pause, with the user and system
// CPU ticks and the minor page faults each server process spent on its upload
// (/proc/<pid>/stat). Not part of the bench: a development probe for the owner's large PUT,
// alone on a one-node cluster of the compiled build.
//
//   node --import tsx devkit/put-probe.ts [rounds] [MiB]
//   PROBE_ORDER=abba   plain, owner, owner, plain in every round; PROBE_ORDER=ab plain, owner
//                      in every round (default: odd rounds plain first, even rounds owner first)
//   PROBE_FRESH=1      each server deletes its previous file before each upload (default: each
//                      replaces it)
//   PROBE_BUILD=/path  the node from that checkout's dist/ (default: this one)
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loopbackNodeConfig, startLocalCluster } from './cluster.js';
import { cpuTicksOf, minorFaultsOf, Procs } from './proc.js';

const ROUNDS = Number(process.argv[2] ?? 4);
const MIB = Number(process.argv[3] ?? 512);
const KEY = 'put-probe-key-5e4d3c2b1a09f8e7d6c5';

/** A timed upload with the user and system ticks `pid` spent on it. */
function measured(pid: number, url: string, source: string): string {
  const t0 = cpuTicksOf(pid);
  const f0 = minorFaultsOf(pid);
  const [mbps, status] = put(url, source);
  if (status !== 200 && status !== 201) throw new Error(`PUT ${url}: ${status}`);
  const t1 = cpuTicksOf(pid);
  const faults = minorFaultsOf(pid) - f0;
  return `${mbps} MB/s ${t1.user - t0.user}u+${t1.sys - t0.sys}s ${faults} faults`;
}

/** One timed upload of `source` to `url` on a settled disk: [MB/s, HTTP status]. */
function put(url: string, source: string): [number, number] {
  execFileSync('sync');
  execFileSync('sleep', ['1']);
  const out = execFileSync(
    'curl',
    [
      '-sS',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code} %{speed_upload}',
      '-H',
      `authorization: Bearer ${KEY}`,
      '-T',
      source,
      url,
    ],
    { encoding: 'utf8' },
  );
  const [status, speed] = out.trim().split(' ').map(Number);
  return [Math.round(speed! / 1e6), status!];
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'put-probe-'));
  const shm = await mkdtemp('/dev/shm/put-probe-');
  const source = join(shm, 'source.bin');
  const procs = new Procs({ pidDir: join(dir, 'pids') });
  try {
    execFileSync('dd', ['if=/dev/urandom', `of=${source}`, 'bs=1M', `count=${MIB}`, 'status=none']);
    const cluster = await startLocalCluster({
      count: 1,
      config: (slot) => loopbackNodeConfig(slot, { apiKey: KEY, prefix: '/pp/', name: 'pp' }),
      runtime: 'dist',
      repo: process.env.PROBE_BUILD,
      dir: join(dir, 'cluster'),
      logs: true,
      procs,
    });
    try {
      const baseDir = join(dir, 'plain');
      mkdirSync(baseDir);
      const script = 'scripts/bench-lib/baseline-server.ts';
      const argv = [process.execPath, '--import', 'tsx', script, baseDir];
      const { child, info } = await procs.startServer<{ port: number }>('plain', argv, 60_000);
      const node = cluster.nodes[0]!;
      // Odd rounds: plain then owner; even rounds: owner then plain. PROBE_ORDER=abba: plain,
      // owner, owner, plain in every round.
      for (let r = 1; r <= ROUNDS; r++) {
        const fresh = process.env.PROBE_FRESH === '1';
        const auth = `authorization: Bearer ${KEY}`;
        const plainUrl = `http://127.0.0.1:${info.port}/big.bin`;
        const nodeUrl = `${node.url}/v1/files/probe/big.bin`;
        const out: Record<string, string | number> = { round: r };
        const order =
          process.env.PROBE_ORDER === 'abba'
            ? ['plain', 'owner', 'owner2', 'plain2']
            : process.env.PROBE_ORDER === 'ab' || r % 2 === 1
              ? ['plain', 'owner']
              : ['owner', 'plain'];
        for (const who of order) {
          out[who] = who.startsWith('plain')
            ? (fresh && rmSync(join(baseDir, 'big.bin'), { force: true }),
              measured(child.pid!, plainUrl, source))
            : (fresh && execFileSync('curl', ['-sS', '-X', 'DELETE', '-H', auth, nodeUrl]),
              measured(node.pid, nodeUrl, source));
        }
        process.stdout.write(`${JSON.stringify(out)}\n`);
      }
      await procs.stop(child);
    } finally {
      await cluster.stop();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
    await rm(shm, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
