// The bench's S3 rows: an s3rver (devkit/s3rver.ts) and one compiled node whose default backend
// is that bucket, on the bench's etcd under a prefix of its own. Each round times a large PUT
// and GET through the node (curl) against the AWS SDK writing and reading the same server
// directly (scripts/bench-lib/s3-direct.ts, its own process; both GETs after both PUTs, in
// turns), and 4 KiB creates on the node.
// Every body is SHA-256 checked in a separate, untimed pass.
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { LocalCluster, NodeSlot } from '../../devkit/cluster.js';
import { startNodeProcess, type NodeProcess } from '../../devkit/node-process.js';
import { freePort } from '../../devkit/proc.js';
import { startS3rver, type S3rverProcess } from '../../devkit/s3rver.js';
import { cannon, curl, curlSha256, shown, type Context, type Load } from './measure.js';
import { rssMB, sampleRss } from '../../devkit/rss.js';

export interface S3Bench {
  s3: S3rverProcess;
  node: NodeProcess;
}

export interface S3Figure {
  name: string;
  value: number;
  command: string;
}

export async function startS3Bench(
  ctx: Context,
  cluster: LocalCluster,
  tmp: string,
  config: (slot: NodeSlot, prefix: string) => Record<string, unknown>,
): Promise<S3Bench> {
  ctx.log('starting s3rver + one compiled node with default_backend s3');
  const dir = join(tmp, 's3');
  mkdirSync(join(dir, 'node'), { recursive: true });
  const s3 = await startS3rver({
    dir: join(dir, 's3rver'),
    procs: ctx.procs,
    bucket: 'callfs-bench',
    log: join(dir, 's3rver.log'),
  });
  const slot: NodeSlot = {
    instanceId: 's3-node',
    etcdEndpoint: cluster.etcd.endpoint,
    root: join(dir, 'node'),
    httpPort: await freePort(),
    grpcPort: await freePort(),
  };
  const raw = config(slot, '/callfs-s3-bench/');
  raw.backend = {
    ...(raw.backend as Record<string, unknown>),
    default_backend: 's3',
    s3_endpoint: s3.endpoint,
    s3_bucket_name: s3.bucket,
    s3_region: s3.region,
    s3_access_key: s3.accessKey,
    s3_secret_key: s3.secretKey,
  };
  const configFile = join(dir, 'node.json');
  const { writeFileSync } = await import('node:fs');
  writeFileSync(configFile, JSON.stringify(raw));
  const node = await startNodeProcess({
    name: slot.instanceId,
    configFile,
    url: `http://127.0.0.1:${slot.httpPort}`,
    runtime: 'dist',
    log: join(dir, 'node.log'),
    procs: ctx.procs,
  });
  return { s3, node };
}

async function direct(
  ctx: Context,
  b: S3Bench,
  op: 'put' | 'get',
  key: string,
  size: number,
  file?: string,
): Promise<{ mbps: number; command: string }> {
  const argv = [
    process.execPath,
    '--import',
    'tsx',
    'scripts/bench-lib/s3-direct.ts',
    op,
    b.s3.endpoint,
    b.s3.bucket,
    key,
    b.s3.accessKey,
    b.s3.secretKey,
    ...(file ? [file] : []),
  ];
  const r = await ctx.procs.run('s3-direct', argv, 600_000);
  if (r.code !== 0) throw new Error(`s3-direct ${op}: ${r.stderr}`);
  const { bytes, seconds } = JSON.parse(r.stdout.trim()) as { bytes: number; seconds: number };
  if (file === undefined && bytes !== size)
    throw new Error(`s3-direct get: ${bytes} of ${size} bytes`);
  return { mbps: bytes / 1e6 / seconds, command: shown(argv, b.s3.secretKey) };
}

/** One round of the S3 figures; throws when a body or a status is wrong. */
export async function s3Round(
  ctx: Context,
  b: S3Bench,
  r: number,
  source: { file: string; sha: string },
  creates: {
    connections: number;
    bytes: number;
    sized: (name: string, run: (count: number) => Promise<Load>) => Promise<Load>;
  },
): Promise<S3Figure[]> {
  const out: S3Figure[] = [];
  const url = b.node.url;
  const key = `direct/large-${r}.bin`;
  const size = statSync(source.file).size;
  ctx.log(`S3 round ${r + 1}: large PUTs (SDK direct, then through the node), then the GETs`);
  const putSdk = await direct(ctx, b, 'put', key, size, source.file);
  out.push({ name: 's3.put.sdk', value: putSdk.mbps, command: putSdk.command });
  const path = `/bench-s3/large-${r}.bin`;
  out.push({ name: 's3.rss.idle', value: rssMB(b.node.pid), command: '' });
  const sampler = sampleRss({ s3: b.node.pid });
  const put = await curl(ctx, 'PUT', `${url}/v1/files${path}`, source.file);
  if (put.status !== 201 && put.status !== 200) throw new Error(`S3 node PUT ${put.status}`);
  out.push({ name: 's3.put.node', value: put.mbps, command: put.command });
  // Both GETs run after both PUTs, in turns (the SDK first in even rounds): a GET right after
  // a large PUT costs s3rver 30-50 % more CPU (at times several times more), so neither side
  // should always be the one that comes right after it.
  const getSdk = async (): Promise<void> => {
    const g = await direct(ctx, b, 'get', key, size);
    out.push({ name: 's3.get.sdk', value: g.mbps, command: g.command });
  };
  const getNode = async (): Promise<void> => {
    const g = await curl(ctx, 'GET', `${url}/v1/files${path}`);
    out.push({ name: 's3.get.node', value: g.mbps, command: g.command });
  };
  for (const get of r % 2 === 0 ? [getSdk, getNode] : [getNode, getSdk]) await get();
  out.push({
    name: 's3.rss.peak',
    value: sampler.stop().s3!.peakMB,
    command: 'VmRSS from /proc/<pid>/status, sampled every 100 ms',
  });
  if ((await curlSha256(ctx, `${url}/v1/files${path}`)) !== source.sha) {
    throw new Error('S3 node GET: SHA-256 of the body');
  }
  await fetch(`${url}/v1/files${path}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${ctx.key}` },
  });

  ctx.log(`S3 round ${r + 1}: 4 KiB creates, ${creates.connections} concurrent`);
  const dir = `/bench-s3/creates-${r}`;
  const mk = await fetch(`${url}/v1/files${dir}/`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ctx.key}` },
  });
  if (mk.status !== 201) throw new Error(`mkdir ${dir}: ${mk.status}`);
  const load = await creates.sized('s3.creates', (count) =>
    cannon(
      ctx,
      {
        urls: [`${url}/v1/files${dir}/[<id>]`],
        connections: creates.connections,
        count,
        method: 'POST',
        bodyBytes: creates.bytes,
      },
      201,
    ),
  );
  out.push({ name: 's3.creates', value: load.perSec, command: load.command });
  return out;
}
