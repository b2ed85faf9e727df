// The bounded soak (scripts/soak): a fresh 3-node cluster (scripts/cluster.sh, non-default
// ports, state under $RELIABILITY_TMP) gets SOAK_SECONDS (default 600) of mixed operations
// from SOAK_WORKERS clients spread over all nodes — POST/PUT of random sizes 0–4 MiB, GET with
// SHA-256 verification against the client's model, DELETE, PATCH rename — while a random node
// is restarted about every 60 s (SIGTERM, every third time kill -9). At the end every path is
// read from every node and checked against the model; etcd and the disks are compared.
// Prints Markdown figures; exits 1 on any lost, resurrected or corrupted acknowledged write.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DevCluster, REPO } from './cluster.js';
import { checkConsistency, consistencyLines } from './consistency.js';
import { filesUrl, outcome, send, sha256, type Reply } from './http.js';
import { exitOf, run, sleep } from '../../devkit/proc.js';
import { Section, log, ms, percentile, table, tally } from './report.js';
import { ABSENT, SoakModel } from './soak-model.js';

const MiB = 1024 * 1024;
const SECONDS = Number(process.env.SOAK_SECONDS ?? 600);
const WORKERS = Number(process.env.SOAK_WORKERS ?? 6);
const RESTART_EVERY = Number(process.env.SOAK_RESTART_SECONDS ?? 60);
const MAX_OPS = 2_000_000;
const DIRS = ['/soak/d0', '/soak/d1', '/soak/d2', '/soak/d3'];
const NAMES = Array.from({ length: 15 }, (_, i) => `f${i}`);

const tmp = process.env.RELIABILITY_TMP ?? mkdtempSync(join(tmpdir(), 'callfs-soak-'));
const ports = {
  http: Number(process.env.SOAK_HTTP_BASE_PORT ?? 29441),
  grpc: Number(process.env.SOAK_GRPC_BASE_PORT ?? 29451),
  etcd: Number(process.env.SOAK_ETCD_PORT ?? 29461),
};

/** Deterministic choices from SOAK_SEED (bodies are random bytes; only choices repeat). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const seed = Number(process.env.SOAK_SEED ?? Date.now() % 1_000_000);
const rand = rng(seed);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;

/** 0–4 MiB: a tenth up to 1 KiB, half up to 256 KiB, the rest up to 4 MiB. */
function bodySize(): number {
  const r = rand();
  const max = r < 0.1 ? 1024 : r < 0.6 ? 256 * 1024 : 4 * MiB;
  return Math.floor(rand() * (max + 1));
}

interface OpRecord {
  op: string;
  answer: string;
  ms: number;
}

interface RestartRecord {
  atS: number;
  node: string;
  how: string;
  stopMs: number;
  graceful: string;
  readyMs: number | null;
}

let cluster: DevCluster | null = null;
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(sig, () => {
    log(`${sig}: stopping the cluster`);
    const c = cluster;
    cluster = null;
    void (c ? c.down() : Promise.resolve()).finally(() => process.exit(130));
  });
}

/** A refused connection never reached the node: the operation certainly did not happen. */
const refused = (r: Reply): boolean => r.status === 0 && r.error === 'ECONNREFUSED';
const ok = (r: Reply): boolean => r.status >= 200 && r.status < 300 && !r.cut;
const unsure = (r: Reply): boolean => !refused(r) && (r.status === 0 || r.status >= 500 || r.cut);

async function worker(
  c: DevCluster,
  model: SoakModel,
  ops: OpRecord[],
  stopAt: number,
  bytes: { up: number; down: number },
): Promise<void> {
  const key = c.apiKey;
  for (let i = 0; Date.now() < stopAt && i < MAX_OPS; i++) {
    const node = pick(c.nodes);
    const dir = pick(DIRS);
    const path = `${dir}/${pick(NAMES)}`;
    const r = rand();
    const record = (op: string, reply: Reply): void => {
      ops.push({ op, answer: outcome(reply), ms: reply.ms });
    };
    if (r < 0.35) {
      await model.locked([path], async () => {
        const reply = await send({
          base: node.url,
          method: 'GET',
          path: filesUrl(path),
          key,
          timeoutMs: 60_000,
        });
        record('GET', reply);
        if (reply.status === 200 && !reply.cut) {
          bytes.down += reply.bytes;
          model.observe(path, reply.sha256, `GET via ${node.id}`);
        } else if (reply.status === 404) {
          model.observe(path, ABSENT, `GET via ${node.id} (404)`);
        } else if (reply.status !== 503 && reply.status !== 0 && !reply.cut) {
          model.note('unexpected', path, `GET via ${node.id}: ${outcome(reply)}`);
        }
      });
    } else if (r < 0.75) {
      const method = r < 0.55 ? 'POST' : 'PUT';
      const body = randomBytes(bodySize());
      const v = sha256(body);
      await model.locked([path], async () => {
        const reply = await send({
          base: node.url,
          method,
          path: filesUrl(path),
          key,
          body,
          timeoutMs: 60_000,
        });
        record(method, reply);
        if (ok(reply)) {
          bytes.up += body.length;
          model.acked(path, v, reply.status === 201, `${method} via ${node.id}`);
        } else if (unsure(reply)) {
          model.maybe(path, v);
        } else if (method === 'POST' && reply.status === 409) {
          if (model.isCertainAbsent(path))
            model.note(
              'unexpected',
              path,
              `POST via ${node.id}: 409 although the path should be free`,
            );
        } else if (!refused(reply)) {
          model.note('unexpected', path, `${method} via ${node.id}: ${outcome(reply)}`);
        }
      });
    } else if (r < 0.87) {
      await model.locked([path], async () => {
        const reply = await send({
          base: node.url,
          method: 'DELETE',
          path: filesUrl(path),
          key,
          timeoutMs: 60_000,
        });
        record('DELETE', reply);
        if (reply.status === 204) {
          if (model.isCertainAbsent(path))
            model.note(
              'resurrected',
              path,
              `DELETE via ${node.id} removed a file that should not exist`,
            );
          model.acked(path, ABSENT, null, 'DELETE');
        } else if (reply.status === 404) {
          model.observe(path, ABSENT, `DELETE via ${node.id} (404)`);
        } else if (unsure(reply)) {
          model.maybe(path, ABSENT);
        } else if (!refused(reply)) {
          model.note('unexpected', path, `DELETE via ${node.id}: ${outcome(reply)}`);
        }
      });
    } else {
      const to = `${dir}/${pick(NAMES)}`;
      if (to === path) continue;
      await model.locked([path, to], async () => {
        const reply = await send({
          base: node.url,
          method: 'PATCH',
          path: filesUrl(path),
          key,
          body: JSON.stringify({ name: to.slice(dir.length + 1) }),
          headers: { 'content-type': 'application/json' },
          timeoutMs: 60_000,
        });
        record('PATCH rename', reply);
        if (reply.status === 200) {
          model.movedAcked(path, to);
        } else if (reply.status === 404) {
          model.observe(path, ABSENT, `PATCH via ${node.id} (404)`);
        } else if (reply.status === 409) {
          if (model.isCertainAbsent(to))
            model.note(
              'unexpected',
              to,
              `PATCH ${path} via ${node.id}: 409 although the target should be free`,
            );
        } else if (unsure(reply)) {
          model.movedMaybe(path, to);
        } else if (!refused(reply)) {
          model.note('unexpected', path, `PATCH via ${node.id}: ${outcome(reply)}`);
        }
      });
    }
  }
}

async function restarter(
  c: DevCluster,
  t0: number,
  stopAt: number,
  out: RestartRecord[],
): Promise<void> {
  for (let k = 0; k < 1000; k++) {
    const first = Math.min(30, SECONDS / 2);
    const due = t0 + (first + k * RESTART_EVERY + (k === 0 ? 0 : (rand() - 0.5) * 20)) * 1000;
    // A restart that ran late (a slow stop or start) must not push the next past the load.
    if (Math.max(due, Date.now()) > stopAt - 15_000) return;
    await sleep(Math.max(0, due - Date.now()));
    const i = Math.floor(rand() * c.nodes.length);
    const how = k % 3 === 1 ? 'SIGKILL' : 'SIGTERM';
    const pid = c.pid(c.node(i).id);
    log(`soak: restart ${k + 1}: ${how} ${c.node(i).id} (pid ${pid})`);
    const s0 = Date.now();
    const inTime = await c.stopNode(i, how, 45_000);
    const stopMs = Date.now() - s0;
    // A child of ours is seen dead in /proc (zombie) a moment before Node records its exit.
    for (let w = 0; w < 50 && exitOf(pid) === undefined && inTime; w++) await sleep(20);
    const exit = exitOf(pid);
    c.startNode(i);
    const ready = await c.waitReady(i, 90_000);
    out.push({
      atS: Math.round((s0 - t0) / 1000),
      node: c.node(i).id,
      how: how === 'SIGKILL' ? 'kill -9' : 'SIGTERM',
      stopMs,
      graceful:
        how === 'SIGKILL'
          ? '—'
          : inTime
            ? (exit ?? 'exited (code unknown: started by cluster.sh)')
            : 'did not exit in 45 s: SIGKILL',
      readyMs: ready === null ? null : Date.now() - s0,
    });
  }
}

async function verify(
  c: DevCluster,
  model: SoakModel,
): Promise<{ verified: number; absent: number; problems: string[]; disagreements: number }> {
  let verified = 0;
  let absent = 0;
  let disagreements = 0;
  const problems: string[] = [];
  for (const path of model.all()) {
    const seen: string[] = [];
    for (const n of c.nodes) {
      let reply: Reply | null = null;
      for (let attempt = 0; attempt < 10; attempt++) {
        reply = await send({
          base: n.url,
          method: 'GET',
          path: filesUrl(path),
          key: c.apiKey,
          timeoutMs: 60_000,
        });
        if (reply.status !== 503 && reply.status !== 0 && !reply.cut) break;
        await sleep(1000);
      }
      const r = reply as Reply;
      if (r.status === 200 && !r.cut) seen.push(r.sha256);
      else if (r.status === 404) seen.push(ABSENT);
      else {
        problems.push(`${path} via ${n.id}: ${outcome(r)}`);
        seen.push('error');
      }
    }
    if (new Set(seen).size > 1) disagreements += 1;
    let good = !seen.includes('error');
    for (const [i, v] of seen.entries()) {
      if (v === 'error') continue;
      if (model.observe(path, v, `final GET via ${c.node(i).id}`) !== null) good = false;
    }
    if (good && seen[0] === ABSENT) absent += 1;
    else if (good) verified += 1;
  }
  return { verified, absent, problems, disagreements };
}

async function main(): Promise<number> {
  const c = new DevCluster(join(tmp, 'soak'), ports);
  cluster = c;
  const rev = await run(['git', '-C', REPO, 'rev-parse', '--short', 'HEAD'], 5000);
  const dirty = await run(['git', '-C', REPO, 'status', '--porcelain', '--', 'src', 'bin'], 5000);
  log(`soak: ${SECONDS} s, ${WORKERS} clients, seed ${seed}; starting a cluster in ${c.state}`);
  await c.up();
  const model = new SoakModel(DIRS.flatMap((d) => NAMES.map((n) => `${d}/${n}`)));
  const ops: OpRecord[] = [];
  const restarts: RestartRecord[] = [];
  const bytes = { up: 0, down: 0 };
  const t0 = Date.now();
  const stopAt = t0 + SECONDS * 1000;
  const progress = setInterval(
    () =>
      log(
        `soak: ${Math.round((Date.now() - t0) / 1000)} s, ${ops.length} operations, ${model.anomalies.length} anomalies`,
      ),
    30_000,
  );
  await Promise.all([
    ...Array.from({ length: WORKERS }, () => worker(c, model, ops, stopAt, bytes)),
    restarter(c, t0, stopAt, restarts),
  ]);
  clearInterval(progress);
  const ranS = (Date.now() - t0) / 1000;
  log(`soak: load done after ${ranS.toFixed(0)} s; verifying`);
  for (const n of c.nodes) await c.waitReady(n.index, 90_000);
  await sleep((c.leaseTtlSeconds + 1) * 1000); // claims of crashed creates expire
  const { certain, uncertain } = model.certainty();
  const during = model.anomalies.length;
  const final = await verify(c, model);
  const cons = await checkConsistency(c);

  const kinds = (k: string, from = 0): number =>
    model.anomalies.slice(from).filter((a) => a.kind === k).length;
  const lost = kinds('lost');
  const corrupted = kinds('corrupted');
  const resurrected = kinds('resurrected');
  const failedHard =
    lost + corrupted + resurrected > 0 ||
    cons.missingOnDisk.length > 0 ||
    cons.sizeMismatch.length > 0;

  const s = new Section(`Soak: ${SECONDS} s of mixed operations with node restarts`);
  s.line(
    `Run ${new Date(t0).toISOString().slice(0, 19)}Z on ${rev.stdout.trim() || 'unknown'}${dirty.stdout.trim() ? ' (with uncommitted changes in src/)' : ''}; ` +
      `command: \`SOAK_SECONDS=${SECONDS} scripts/soak\` (seed ${seed}, ${WORKERS} clients, each request to a random node; ` +
      `${model.all().length} paths in ${DIRS.length} directories; bodies 0–4 MiB; ports HTTP ${ports.http}–${ports.http + 2}, etcd ${ports.etcd}).`,
    '',
  );
  const byOp = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH rename'].map((op) => {
    const rs = ops.filter((o) => o.op === op);
    const lat = rs.map((o) => o.ms);
    return [
      op,
      rs.length,
      tally(rs.map((o) => o.answer)),
      ms(percentile(lat, 50)),
      ms(percentile(lat, 99)),
    ];
  });
  s.line(
    `${ops.length} operations in ${ranS.toFixed(0)} s (${(ops.length / ranS).toFixed(1)}/s); ${(bytes.up / MiB).toFixed(0)} MiB written and ${(bytes.down / MiB).toFixed(0)} MiB read in acknowledged requests.`,
    '',
    ...table(['operation', 'count', 'answers', 'p50', 'p99'], byOp),
    '',
    `Errors by status (all operations): ${tally(ops.filter((o) => !/^2\d\d$/.test(o.answer)).map((o) => o.answer)) || 'none'}.`,
    '',
    `Restarts: ${restarts.length} (${restarts.filter((r) => r.how === 'SIGTERM').length} SIGTERM, ${restarts.filter((r) => r.how === 'kill -9').length} kill -9).`,
    '',
    ...table(
      ['at', 'node', 'how', 'stopped after', 'SIGTERM exit', 'ready again after'],
      restarts.map((r) => [
        `${r.atS} s`,
        r.node,
        r.how,
        ms(r.stopMs),
        r.graceful,
        r.readyMs === null ? 'NOT READY' : ms(r.readyMs),
      ]),
    ),
    '',
    `Model at the end of the load: ${certain} paths certain, ${uncertain} with more than one possible version (a write answered 5xx or cut: either outcome accepted).`,
    `Final verification (GET of every path from all 3 nodes, SHA-256): ${final.verified} files verified, ${final.absent} paths verified absent, ` +
      `${final.disagreements} paths where nodes disagreed, ${final.problems.length} reads that failed${final.problems.length ? ` (${final.problems.slice(0, 5).join('; ')})` : ''}.`,
    '',
    ...consistencyLines(cons),
    '',
  );
  if (model.anomalies.length > 0) {
    s.line(
      'Anomalies (first 30):',
      '',
      ...table(
        ['at', 'kind', 'path', 'detail'],
        model.anomalies.slice(0, 30).map((a) => [ms(a.atMs), a.kind, a.path, a.detail]),
      ),
      '',
    );
  }
  s.check(
    'no acknowledged write lost',
    lost === 0,
    `${lost} lost (${kinds('lost') - kinds('lost', during)} seen during the load, ${kinds('lost', during)} at the final check)`,
  );
  s.check(
    'no acknowledged delete or rename undone',
    resurrected === 0,
    `${resurrected} resurrected`,
  );
  s.check('no corrupted content', corrupted === 0, `${corrupted} corrupted`);
  s.check(
    'etcd and the disks agree at the end',
    cons.ok,
    cons.error ??
      `${cons.readyFiles} files; ${cons.writing.length} not ready, ${cons.missingOnDisk.length} missing, ${cons.sizeMismatch.length} size mismatches, ${cons.orphansOnDisk.length} orphans, ${cons.tempFiles.length} temps`,
  );
  const five = ops.filter((o) => /^5\d\d/.test(o.answer) && !o.answer.startsWith('503'));
  s.check(
    'no 500 answers',
    five.length === 0,
    five.length ? tally(five.map((o) => `${o.op} → ${o.answer}`)) : '0',
  );
  s.check(
    `every node ready again after each restart`,
    restarts.every((r) => r.readyMs !== null),
    `${restarts.filter((r) => r.readyMs !== null).length}/${restarts.length}`,
  );
  s.line(`Unexpected answers (not judged): ${kinds('unexpected')}.`);
  process.stdout.write(s.markdown());
  cluster = null;
  await c.down();
  return failedHard ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  async (err: unknown) => {
    log(`soak: ${String((err as Error)?.stack ?? err)}`);
    const c = cluster;
    cluster = null;
    if (c) await c.down();
    process.exit(2);
  },
);
