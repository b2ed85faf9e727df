// The bench's measuring tools, each run as its own process so that no client shares an event
// loop with the bench's RSS sampler: curl for large transfers (timed with -o /dev/null or -T
// from a pre-made file in tmpfs, SHA-256 checked in a separate pass afterwards, so hashing never
// caps the speed), autocannon for small requests, scripts/bench-lib/load.ts for HEAD (autocannon
// 9 waits for the body a HEAD answer announces), the bare etcd create program, and the nodes'
// own /metrics counters.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Procs } from '../../devkit/proc.js';

export const MiB = 1024 * 1024;

export interface Context {
  procs: Procs;
  key: string;
  log(msg: string): void;
}

/** A command as printed in the report: the key hidden, arguments quoted when needed. */
export function shown(argv: string[], key: string): string {
  return argv
    .map((a) => a.replaceAll(key, '$KEY'))
    .map((a) => (a === process.execPath ? 'node' : a))
    .map((a) => (/[\s[\]$"{}]/.test(a) ? `'${a}'` : a))
    .join(' ');
}

export async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: MiB })) h.update(chunk);
  return h.digest('hex');
}

export interface Transfer {
  mbps: number;
  seconds: number;
  status: number;
  command: string;
}

/** One timed curl transfer: GET to /dev/null, or PUT (-T) of `upload`. */
/** How long a timed upload waits after `sync` (see settleDisk). */
const SETTLE_MS = 1000;

/**
 * Lets the disk settle before a timed upload: `sync`, then a pause. Each round's uploads
 * replace files written just before (a baseline's `big.bin`, a path the node wrote), and the
 * freed blocks are released (and, with ext4's `discard`, trimmed) at the next journal commit:
 * without this, that work fell into whichever upload came next, the same one every round.
 */
async function settleDisk(ctx: Context): Promise<void> {
  await ctx.procs.run('sync', ['sync'], 60_000);
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
}

export async function curl(
  ctx: Context,
  method: 'GET' | 'PUT',
  url: string,
  upload?: string,
  /** Follows a redirect (`-L`), as a bulk client asking for `?redirect=true` does. */
  follow = false,
): Promise<Transfer> {
  if (method === 'PUT') await settleDisk(ctx);
  const argv = [
    'curl',
    '-sS',
    ...(follow ? ['-L'] : []),
    '-o',
    '/dev/null',
    '-w',
    '%{http_code} %{time_total} %{size_download} %{size_upload}',
    '-H',
    `authorization: Bearer ${ctx.key}`,
    ...(method === 'PUT' ? ['-T', upload!] : []),
    url,
  ];
  const r = await ctx.procs.run('curl', argv, 600_000);
  const [status, total, down, up] = r.stdout.trim().split(' ').map(Number);
  if (r.code !== 0 || !total) throw new Error(`curl ${method} ${url}: ${r.stderr} ${r.stdout}`);
  const bytes = method === 'GET' ? down! : up!;
  return {
    mbps: bytes / 1e6 / total,
    seconds: total,
    status: status!,
    command: shown(argv, ctx.key).replace(/ -w '[^']*'/, " -w '%{speed_download}…'"),
  };
}

/** The verification pass after timing: SHA-256 of a GET's body, streamed through sha256sum. */
export async function curlSha256(ctx: Context, url: string): Promise<string> {
  const r = await ctx.procs.run(
    'curl-sha',
    ['sh', '-c', 'curl -sS -L -H "authorization: Bearer $KEY" "$URL" | sha256sum'],
    600_000,
    { ...process.env, KEY: ctx.key, URL: url },
  );
  return r.stdout.split(' ')[0] ?? '';
}

export interface Load {
  perSec: number;
  seconds: number;
  count: number;
  p50: number;
  p99: number;
  command: string;
}

interface LoadOutput {
  count: number;
  seconds: number;
  statuses: Record<string, number>;
  errors?: number;
  p50: number;
  p99: number;
}

/** Runs a load generator script (tsx) and fails unless every answer had status `expect`. */
async function runLoad(
  ctx: Context,
  script: string,
  args: string[],
  expect: number,
): Promise<Load> {
  const argv = [process.execPath, '--import', 'tsx', `scripts/bench-lib/${script}`, ...args];
  const r = await ctx.procs.runJson<LoadOutput>(script, argv, 600_000);
  const bad = Object.keys(r.statuses).filter((s) => Number(s) !== expect);
  if (bad.length > 0 || (r.errors ?? 0) > 0 || r.count === 0) {
    throw new Error(
      `${script} ${args.join(' ')}: ${JSON.stringify(r.statuses)}, ${r.errors} errors`,
    );
  }
  return { perSec: r.count / r.seconds, ...r, command: shown(argv, ctx.key) };
}

/** autocannon (one process, CONNECTIONS split over `urls`); every answer must be `expect`. */
export function cannon(
  ctx: Context,
  spec: { urls: string[]; connections: number; count: number; method?: string; bodyBytes?: number },
  expect: number,
): Promise<Load> {
  return runLoad(ctx, 'cannon.ts', [JSON.stringify({ ...spec, key: ctx.key })], expect);
}

/** scripts/bench-lib/load.ts: COUNT requests over CONNECTIONS keep-alive connections. */
export function nodeLoad(
  ctx: Context,
  method: string,
  url: string,
  count: number,
  connections: number,
  expect: number,
): Promise<Load> {
  const args = [method, url, String(count), String(connections), ctx.key];
  return runLoad(ctx, 'load.ts', args, expect);
}

/** The bare etcd baseline: create-if-absent transactions at `concurrency`. */
export async function etcdCreates(
  ctx: Context,
  endpoint: string,
  prefix: string,
  count: number,
  concurrency: number,
): Promise<Load> {
  const argv = [
    process.execPath,
    '--import',
    'tsx',
    'scripts/bench-lib/etcd-txn.ts',
    endpoint,
    prefix,
    String(count),
    String(concurrency),
  ];
  const r = await ctx.procs.runJson<{ count: number; seconds: number; created: number }>(
    'etcd-txn',
    argv,
    600_000,
  );
  if (r.created !== count) throw new Error(`etcd-txn created ${r.created} of ${count}`);
  return { perSec: r.count / r.seconds, ...r, p50: 0, p99: 0, command: shown(argv, ctx.key) };
}

/**
 * Every etcd request a node has made so far (the count of its etcd latency histogram), per
 * `operation` label: the metadata port's call that made them.
 */
export async function etcdRequestsByOperation(
  url: string,
  key: string,
): Promise<Map<string, number>> {
  const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${key}` } });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${url}/metrics: ${res.status}`);
  const counts = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('callfs_etcd_request_duration_seconds_count')) {
      const op = /operation="([^"]*)"/.exec(line)?.[1] ?? '?';
      counts.set(op, (counts.get(op) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
    }
  }
  return counts;
}
