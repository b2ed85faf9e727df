// Drill (c), etcd down: with etcd paused (SIGSTOP), requests that need metadata must answer
// 503 METADATA_UNAVAILABLE, and a PUT whose commit falls in the pause must leave the old
// content; after SIGCONT the nodes must accept writes again without a restart. Then etcd is
// killed with SIGKILL and started again on the same data dir: time until writes succeed, and
// every acknowledged byte still there.
import { randomBytes } from 'node:crypto';
import { type DevCluster } from './cluster.js';
import { checkConsistency, consistencyLines } from './consistency.js';
import { filesUrl, outcome, send, sha256, upload, type Reply } from './http.js';
import { sleep } from '../../devkit/proc.js';
import { Section, log, ms, percentile, table, tally } from './report.js';

/** How long the end check waits for the reconciler's held temps (its hold is 60 s). */
const SETTLE_MS = 75_000;

const MiB = 1024 * 1024;

interface Probe {
  what: string;
  from: string;
  reply: Reply;
}

/** One of each metadata-needing request from every node, sequential per node. */
async function probeAll(c: DevCluster, tag: string): Promise<Probe[]> {
  const per = await Promise.all(
    c.nodes.map(async (n) => {
      const reqs: Array<{ what: string; method: string; path: string; body?: string }> = [
        { what: 'GET file', method: 'GET', path: '/et/seed.txt' },
        { what: 'HEAD file', method: 'HEAD', path: '/et/seed.txt' },
        {
          what: 'PUT file',
          method: 'PUT',
          path: '/et/seed.txt',
          body: `during ${tag} via ${n.id}`,
        },
        { what: 'POST new file', method: 'POST', path: `/et/new-${tag}-${n.id}.txt`, body: 'new' },
        { what: 'GET directory', method: 'GET', path: '/et/' },
      ];
      const out: Probe[] = [];
      for (const r of reqs) {
        const reply = await send({
          base: n.url,
          method: r.method,
          path: r.path === '/et/' ? '/v1/files/et/' : filesUrl(r.path),
          key: c.apiKey,
          body: r.body,
          timeoutMs: 30_000,
        });
        out.push({ what: r.what, from: n.id, reply });
      }
      return out;
    }),
  );
  return per.flat();
}

/** ms from `t0` until a PUT via every node succeeded (each polled every 100 ms, ≤ 90 s). */
async function writesBack(
  c: DevCluster,
  t0: number,
  tag: string,
): Promise<Map<string, number | null>> {
  const out = new Map<string, number | null>();
  await Promise.all(
    c.nodes.map(async (n) => {
      let got: number | null = null;
      for (let i = 0; Date.now() - t0 < 90_000; i++) {
        const r = await send({
          base: n.url,
          method: 'PUT',
          path: filesUrl(`/et/back-${tag}-${n.id}.txt`),
          key: c.apiKey,
          body: `back ${i}`,
          timeoutMs: 10_000,
        });
        if (r.status === 200 || r.status === 201) {
          got = Date.now() - t0;
          break;
        }
        await sleep(100);
      }
      out.set(n.id, got);
    }),
  );
  return out;
}

function probeChecks(s: Section, what: string, probes: Probe[], deadlineMs: number): void {
  // A HEAD answer has no body, so it cannot carry the code: its 503 status is what counts. A
  // write may also meet NODE_NOT_SERVING: once etcd has not answered the node's keep-alive for
  // a while, the node cannot vouch for its lease and refuses writes before touching etcd.
  const right = probes.filter(
    (p) =>
      p.reply.status === 503 &&
      (p.reply.code === 'METADATA_UNAVAILABLE' ||
        p.reply.code === 'NODE_NOT_SERVING' ||
        (p.what === 'HEAD file' && !p.reply.code)),
  );
  s.check(
    `${what}: requests needing metadata answer 503 METADATA_UNAVAILABLE or NODE_NOT_SERVING (HEAD: 503, no body)`,
    right.length === probes.length,
    `${right.length}/${probes.length}; answers: ${tally(probes.map((p) => `${p.what} → ${outcome(p.reply)}`))}`,
  );
  const lat = probes.map((p) => p.reply.ms);
  const kinds = [...new Set(probes.map((p) => p.what))].map((w) => {
    const l = probes.filter((p) => p.what === w).map((p) => p.reply.ms);
    return `${w} max ${ms(Math.max(...l))}`;
  });
  s.check(
    `${what}: answered within the etcd request deadline (+1 s)`,
    Math.max(...lat) <= deadlineMs + 1000,
    `${probes.length} requests: p50 ${ms(percentile(lat, 50))}, max ${ms(Math.max(...lat))} ` +
      `(metadata_store.request_timeout_ms ${deadlineMs}); ${kinds.join(', ')}`,
  );
}

function backLine(m: Map<string, number | null>): string {
  return [...m.entries()]
    .map(([id, v]) => `${id} ${v === null ? 'NEVER (90 s)' : ms(v)}`)
    .join(', ');
}

export async function drillEtcd(c: DevCluster): Promise<Section> {
  const s = new Section('c. etcd down (SIGSTOP, then kill -9 and restart on the same data dir)');
  const key = c.apiKey;
  const cfg = c.peerConfig();
  s.line(
    `Configuration of the nodes: metadata_store.request_timeout_ms ${cfg.requestTimeoutMs}, lease TTL ${cfg.leaseTtlSeconds} s. ` +
      'During each outage every node is sent, in sequence: GET and HEAD of a file (owned by node-1), a PUT of it, a POST of a new file, and a directory listing.',
  );
  let seed = Buffer.from('seed content');
  const r0 = await send({
    base: c.node(0).url,
    method: 'POST',
    path: filesUrl('/et/seed.txt'),
    key,
    body: seed,
  });
  const oldInflight = randomBytes(MiB);
  const r1 = await send({
    base: c.node(1).url,
    method: 'POST',
    path: filesUrl('/et/inflight.bin'),
    key,
    body: oldInflight,
  });
  if (r0.status !== 201 || r1.status !== 201)
    s.check('set-up', false, `${outcome(r0)}, ${outcome(r1)}`);

  // 1. Pause: a PUT of 40 MiB at 10 MiB/s via node-3 (owner node-2) is in flight when etcd stops.
  log('drill c: SIGSTOP etcd with a PUT in flight');
  const inflight = upload({
    base: c.node(2).url,
    method: 'PUT',
    path: filesUrl('/et/inflight.bin'),
    key,
    size: 40 * MiB,
    rate: 10 * MiB,
    timeoutMs: 120_000,
  });
  await sleep(1500);
  const paused = Date.now();
  c.etcdSignal('SIGSTOP');
  const during = await probeAll(c, 'pause');
  for (const p of during)
    if (p.what === 'PUT file' && p.reply.status < 300)
      seed = Buffer.from(`during pause via ${p.from}`);
  const readyDuring = await Promise.all(
    c.nodes.map((n) =>
      send({ base: n.url, method: 'GET', path: '/ready', key, timeoutMs: 10_000 }),
    ),
  );
  const pausedFor = Date.now() - paused;
  const resumed = Date.now();
  c.etcdSignal('SIGCONT');
  log(`drill c: SIGCONT etcd after ${ms(pausedFor)}`);
  const back = await writesBack(c, resumed, 'cont');
  const inflightResult = await inflight;
  probeChecks(s, 'etcd paused', during, cfg.requestTimeoutMs);
  s.line(
    '',
    `etcd was paused for ${ms(pausedFor)}; /ready during the pause: ${readyDuring.map((r, i) => `${c.node(i).id} ${outcome(r)}`).join(', ')}.`,
  );
  const allBack = [...back.values()].every((v) => v !== null);
  s.check(
    'etcd resumed: writes succeed again without restarting nodes',
    allBack,
    `first successful PUT after SIGCONT: ${backLine(back)}`,
  );
  const got = await send({
    base: c.node(0).url,
    method: 'GET',
    path: filesUrl('/et/inflight.bin'),
    key,
    timeoutMs: 60_000,
  });
  const ack = inflightResult.reply.status === 200;
  const expected = ack ? inflightResult.sha : sha256(oldInflight);
  s.check(
    'PUT in flight when etcd stopped: nothing half-written',
    got.status === 200 && got.sha256 === expected,
    `the PUT (commit during the pause) answered ${outcome(inflightResult.reply)} after ${ms(inflightResult.reply.ms)}; ` +
      `content afterwards: ${got.status === 200 ? (got.sha256 === sha256(oldInflight) ? 'the old 1 MiB' : got.sha256 === inflightResult.sha ? 'the new 40 MiB' : `neither (${got.bytes} B)`) : outcome(got)}`,
  );

  // 2. Kill -9 and restart on the same data dir.
  log('drill c: kill -9 etcd');
  const killed = Date.now();
  await c.killEtcd();
  const down = await probeAll(c, 'kill');
  for (const p of down)
    if (p.what === 'PUT file' && p.reply.status < 300)
      seed = Buffer.from(`during kill via ${p.from}`);
  // Down at least one lease TTL, as a crashed etcd host would be.
  const minDown = killed + (cfg.leaseTtlSeconds + 1) * 1000;
  if (Date.now() < minDown) await sleep(minDown - Date.now());
  const downFor = Date.now() - killed;
  const restarted = Date.now();
  c.startEtcd();
  log(`drill c: etcd restarted after ${ms(downFor)} down`);
  const back2 = await writesBack(c, restarted, 'restart');
  probeChecks(s, 'etcd killed', down, cfg.requestTimeoutMs);
  const allBack2 = [...back2.values()].every((v) => v !== null);
  s.check(
    'etcd restarted on the same data dir: writes succeed again without restarting nodes',
    allBack2,
    `etcd was down ${ms(downFor)}; first successful PUT after its restart: ${backLine(back2)}`,
  );
  const reads = await Promise.all(
    c.nodes.map((n) => send({ base: n.url, method: 'GET', path: filesUrl('/et/seed.txt'), key })),
  );
  s.check(
    'etcd restarted: acknowledged content intact',
    reads.every((r) => r.status === 200 && r.sha256 === sha256(seed)),
    `GET /et/seed.txt from 3 nodes: ${reads.map((r) => `${outcome(r)}${r.sha256 === sha256(seed) ? ' (expected bytes)' : ' (UNEXPECTED bytes)'}`).join(', ')}`,
  );
  // A write refused during an outage whose outcome the node could not learn leaves its
  // journaled temp with the node's reconciler, which holds a temp whose path etcd does not
  // name for up to a minute (a directory move may have re-keyed it) before it drops it.
  await sleep(500);
  const settling = Date.now();
  let cons = await checkConsistency(c);
  while (!cons.ok && cons.tempFiles.length > 0 && Date.now() - settling < SETTLE_MS) {
    await sleep(1000);
    cons = await checkConsistency(c);
  }
  s.check(
    'etcd and the disks agree afterwards',
    cons.ok,
    cons.error ??
      `${cons.readyFiles} files, ${cons.writing.length} writing, ${cons.missingOnDisk.length} missing, ${cons.orphansOnDisk.length} orphans, ${cons.tempFiles.length} temps; the reconciler's temps settled ${ms(Date.now() - settling)} after the check began`,
  );
  s.line(
    '',
    ...table(
      ['outage', 'etcd down for', 'p50 of answers', 'max', 'writes back on all nodes after'],
      [
        [
          'SIGSTOP / SIGCONT',
          ms(pausedFor),
          ms(
            percentile(
              during.map((p) => p.reply.ms),
              50,
            ),
          ),
          ms(Math.max(...during.map((p) => p.reply.ms))),
          ms(Math.max(...[...back.values()].map((v) => v ?? Infinity))),
        ],
        [
          'kill -9 / restart',
          ms(downFor),
          ms(
            percentile(
              down.map((p) => p.reply.ms),
              50,
            ),
          ),
          ms(Math.max(...down.map((p) => p.reply.ms))),
          ms(Math.max(...[...back2.values()].map((v) => v ?? Infinity))),
        ],
      ],
    ),
    '',
    ...(cons.ok ? [] : consistencyLines(cons)),
  );
  return s;
}
