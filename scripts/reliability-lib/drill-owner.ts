// Drill (b), owner down or hung: requests for a path of a node killed with SIGKILL, and of a
// node stopped with SIGSTOP, must get 503 OWNER_UNAVAILABLE naming it, fast (target < 2 s),
// from each other node, while every other path keeps working; once the node is back (restart,
// SIGCONT) its files must be served again with no manual step.
import { type DevCluster } from './cluster.js';
import { filesUrl, outcome, send, type Reply } from './http.js';
import { sleep } from '../../devkit/proc.js';
import { Section, log, ms, percentile, table, tally } from './report.js';

const REQUESTS = 20;
const SPACING_MS = 400;
const TARGET_MS = 2000;

interface Probe {
  from: string;
  atMs: number;
  reply: Reply;
}

/** ~20 GETs of `path` from node `from`, one every SPACING_MS (sequential), from `t0` on. */
async function probeOwner(c: DevCluster, from: number, path: string, t0: number): Promise<Probe[]> {
  const out: Probe[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const due = t0 + i * SPACING_MS;
    if (Date.now() < due) await sleep(due - Date.now());
    const atMs = Date.now() - t0;
    const reply = await send({
      base: c.node(from).url,
      method: 'GET',
      path: filesUrl(path),
      key: c.apiKey,
      timeoutMs: 30_000,
    });
    out.push({ from: c.node(from).id, atMs, reply });
  }
  return out;
}

/** Requests to paths of live owners, run until `stop` says so (bounded to 60 s / 2000 requests). */
async function keepWorking(
  c: DevCluster,
  live: number[],
  files: string[],
  stop: () => boolean,
): Promise<Reply[]> {
  const out: Reply[] = [];
  const t0 = Date.now();
  for (let i = 0; !stop() && i < 2000 && Date.now() - t0 < 60_000; i++) {
    const from = c.node(live[i % live.length] as number);
    const kind = i % 3;
    const path = kind === 2 ? `/od/live-${from.id}-${i}.txt` : (files[i % files.length] as string);
    const r = await send({
      base: from.url,
      method: kind === 2 ? 'PUT' : 'GET',
      path: filesUrl(path),
      key: c.apiKey,
      body: kind === 2 ? `live ${i}` : undefined,
      timeoutMs: 10_000,
    });
    out.push(r);
    await sleep(50);
  }
  return out;
}

/** Polls a GET (and a PUT) of `path` via `via` until 2xx; ms from `t0`, or null after 60 s. */
async function firstSuccess(
  c: DevCluster,
  via: number,
  method: 'GET' | 'PUT',
  path: string,
  t0: number,
): Promise<number | null> {
  while (Date.now() - t0 < 60_000) {
    const r = await send({
      base: c.node(via).url,
      method,
      path: filesUrl(path),
      key: c.apiKey,
      body: method === 'PUT' ? `back ${Date.now()}` : undefined,
      timeoutMs: 10_000,
    });
    if (r.status >= 200 && r.status < 300) return Date.now() - t0;
    await sleep(100);
  }
  return null;
}

function latencyChecks(s: Section, what: string, ownerId: string, probes: Probe[]): void {
  const right = probes.filter(
    (p) =>
      p.reply.status === 503 &&
      p.reply.code === 'OWNER_UNAVAILABLE' &&
      p.reply.json?.instance_id === ownerId,
  );
  s.check(
    `${what}: 503 OWNER_UNAVAILABLE naming ${ownerId}`,
    right.length === probes.length,
    `${right.length}/${probes.length}; answers: ${tally(probes.map((p) => `${outcome(p.reply)}${p.reply.json?.instance_id ? ` (${String(p.reply.json.instance_id)})` : ''}`))}`,
  );
  const lat = probes.map((p) => p.reply.ms);
  const perNode = [...new Set(probes.map((p) => p.from))].map((from) => {
    const l = probes.filter((p) => p.from === from).map((p) => p.reply.ms);
    return `from ${from}: p50 ${ms(percentile(l, 50))}, max ${ms(Math.max(...l))}`;
  });
  const slow = probes.filter((p) => p.reply.ms >= TARGET_MS);
  s.check(
    `${what}: latency under ${TARGET_MS / 1000} s`,
    slow.length === 0,
    `${probes.length} requests: p50 ${ms(percentile(lat, 50))}, max ${ms(Math.max(...lat))} (${perNode.join('; ')})` +
      (slow.length
        ? `; ${slow.length} at or over ${TARGET_MS} ms, sent at +${slow.map((p) => ms(p.atMs)).join(', +')} after the fault`
        : ''),
  );
}

export async function drillOwner(c: DevCluster): Promise<Section> {
  const s = new Section('b. Owner down (kill -9) or hung (SIGSTOP)');
  const key = c.apiKey;
  const cfg = c.peerConfig();
  s.line(
    `Configuration of the nodes: peer.ready_timeout_ms ${cfg.readyTimeoutMs}, lease TTL ${c.leaseTtlSeconds} s. ` +
      `Each faulty owner is probed with ${REQUESTS} sequential GETs from each other node, one every ${SPACING_MS} ms ` +
      `(so the probes span the moment its membership lease expires), while other requests run to paths of the live nodes.`,
  );
  for (const n of c.nodes) {
    const r = await send({
      base: n.url,
      method: 'POST',
      path: filesUrl(`/od/${n.id}.txt`),
      key,
      body: `owned by ${n.id}`,
    });
    if (r.status !== 201) s.check(`set-up POST on ${n.id}`, false, outcome(r));
  }
  const rows: Array<Array<string | number>> = [];
  const scenarios: Array<{ what: string; victim: number; fault: 'kill' | 'stop' }> = [
    { what: 'killed owner (kill -9)', victim: 2, fault: 'kill' },
    { what: 'hung owner (SIGSTOP)', victim: 1, fault: 'stop' },
  ];
  for (const sc of scenarios) {
    const victim = c.node(sc.victim);
    const others = c.nodes.filter((n) => n.index !== sc.victim).map((n) => n.index);
    const liveFiles = others.map((i) => `/od/${c.node(i).id}.txt`);
    log(`drill b: ${sc.what} = ${victim.id}`);
    const t0 = Date.now();
    if (sc.fault === 'kill') await c.stopNode(sc.victim, 'SIGKILL', 5000);
    else c.signalNode(sc.victim, 'SIGSTOP');
    let done = false;
    const live = keepWorking(c, others, liveFiles, () => done);
    const probes = (
      await Promise.all(others.map((o) => probeOwner(c, o, `/od/${victim.id}.txt`, t0)))
    ).flat();
    done = true;
    const liveReplies = await live;
    latencyChecks(s, sc.what, victim.id, probes);
    const liveOk = liveReplies.filter((r) => r.status >= 200 && r.status < 300);
    const liveLat = liveReplies.map((r) => r.ms);
    s.check(
      `${sc.what}: other paths keep working`,
      liveReplies.length > 0 && liveOk.length === liveReplies.length,
      `${liveOk.length}/${liveReplies.length} GET/PUT to paths of ${others.map((i) => c.node(i).id).join(', ')} succeeded ` +
        `(p50 ${ms(percentile(liveLat, 50))}, max ${ms(Math.max(...liveLat))})` +
        (liveOk.length < liveReplies.length
          ? `; failures: ${tally(liveReplies.filter((r) => r.status < 200 || r.status >= 300).map(outcome))}`
          : ''),
    );
    // Bring it back: restart, or SIGCONT.
    const back = Date.now();
    if (sc.fault === 'kill') c.startNode(sc.victim);
    else c.signalNode(sc.victim, 'SIGCONT');
    const via = others[0] as number;
    const [getMs, putMs] = await Promise.all([
      firstSuccess(c, via, 'GET', `/od/${victim.id}.txt`, back),
      firstSuccess(c, via, 'PUT', `/od/${victim.id}.txt`, back),
    ]);
    const readyMs = await c.waitReady(sc.victim, 30_000);
    s.check(
      `${sc.what}: served again without manual steps`,
      getMs !== null && putMs !== null,
      `after ${sc.fault === 'kill' ? 'the restart' : 'SIGCONT'}: first GET via ${c.node(via).id} OK after ${getMs === null ? 'NEVER (60 s)' : ms(getMs)}, ` +
        `first PUT after ${putMs === null ? 'NEVER (60 s)' : ms(putMs)}`,
    );
    const lat = probes.map((p) => p.reply.ms);
    rows.push([
      sc.what,
      ms(percentile(lat, 50)),
      ms(Math.max(...lat)),
      probes.filter((p) => p.reply.ms >= 1000).length,
      getMs === null ? 'never' : ms(getMs),
      putMs === null ? 'never' : ms(putMs),
      readyMs === null ? 'not ready' : 'ready',
    ]);
    await sleep(500);
  }
  // Informational: the same hung-owner probe with a shorter caller deadline.
  const tuned = Number(process.env.DRILLS_TUNED_READY_TIMEOUT_MS ?? 1500);
  let tunedLine = '';
  if (tuned > 0 && tuned !== cfg.readyTimeoutMs) {
    log(`drill b: hung owner again with peer.ready_timeout_ms ${tuned} on the callers`);
    for (const i of [0, 2]) {
      c.setConfig(i, 'peer', 'ready_timeout_ms', tuned);
      await c.stopNode(i, 'SIGTERM');
      c.startNode(i);
      await c.waitReady(i, 60_000);
    }
    const h = await hungLatency(c, 1);
    tunedLine =
      `For comparison (informational, not judged): with peer.ready_timeout_ms ${tuned} on node-1 and node-3, ` +
      `the same hung-owner probe gave p50 ${ms(h.p50)}, max ${ms(h.max)} (${h.right}/${h.probes} answered OWNER_UNAVAILABLE).`;
  }
  s.line(
    '',
    ...table(
      [
        'fault',
        'p50',
        'max',
        'requests ≥ 1 s',
        'first GET OK after return',
        'first PUT OK after return',
        '/ready',
      ],
      rows,
    ),
  );
  if (tunedLine) s.line('', tunedLine);
  return s;
}

/** The hung-owner probe alone, for a second configuration (informational). */
export async function hungLatency(
  c: DevCluster,
  victim: number,
): Promise<{ p50: number; max: number; probes: number; right: number }> {
  const others = c.nodes.filter((n) => n.index !== victim).map((n) => n.index);
  const t0 = Date.now();
  c.signalNode(victim, 'SIGSTOP');
  const probes = (
    await Promise.all(others.map((o) => probeOwner(c, o, `/od/${c.node(victim).id}.txt`, t0)))
  ).flat();
  c.signalNode(victim, 'SIGCONT');
  await c.waitReady(victim, 30_000);
  const lat = probes.map((p) => p.reply.ms);
  return {
    p50: percentile(lat, 50),
    max: Math.max(...lat),
    probes: probes.length,
    right: probes.filter((p) => p.reply.code === 'OWNER_UNAVAILABLE').length,
  };
}
