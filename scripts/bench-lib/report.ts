// Turns one bench run into BENCHMARKS.md: a machine line, one Markdown table per group (figure,
// value, baseline, command), peak RSS per node, and a few observations computed from the
// figures of the same run (nothing beyond what was measured).
import type { RssStats } from './rss.js';

export interface LoadFigure {
  reqPerSec: number;
  seconds: number;
  p50: number;
  p99: number;
  total: number;
  statuses: Record<string, number>;
  command: string;
}

export interface TransferFigure {
  label: string;
  size: number;
  mbps: number;
  seconds: number;
  rss: Record<string, RssStats>;
  command: string;
  shaOk: boolean;
}

export interface Report {
  quick: boolean;
  size: number;
  sweepSize: number;
  loadSeconds: number;
  warmupRequests: number;
  connections: number;
  createsCount: number;
  createConcurrency: number;
  rssBoundMB: number;
  key: string;
  ports: { http: number; grpc: number; etcd: number };
  machine: {
    nproc: string;
    free: string;
    node: string;
    date: string;
    commit: string;
    loadavg: string;
    loadavgEnd?: string;
  };
  expectedSha?: string;
  baseline: {
    dd?: { mbps: number; command: string };
    hash?: TransferFigure;
    put?: TransferFigure;
    get?: TransferFigure;
    smallGet?: LoadFigure;
    serverCommand?: string;
  };
  large: TransferFigure[];
  creates: { nodes: number; perSec: number; seconds: number; command: string }[];
  small: {
    getOwner?: LoadFigure;
    getRelay?: LoadFigure;
    headRelay?: LoadFigure;
    getRelayNode?: LoadFigure;
    conflict?: LoadFigure;
  };
  seconds: number;
}

const MiB = 1024 * 1024;
const num = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const pct = (a: number, b: number): string => `${num((100 * a) / b)}%`;
const size = (bytes: number): string =>
  bytes >= 1024 * MiB ? `${bytes / (1024 * MiB)} GiB` : `${bytes / MiB} MiB`;
const code = (s: string): string => `\`${s.replace(/\|/g, '\\|')}\``;
const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const NODES = ['node-1', 'node-2', 'node-3'];

function table(head: string[], rows: string[][]): string {
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

const loadValue = (f: LoadFigure): string =>
  `${num(f.reqPerSec)} req/s; p50 ${num(f.p50)} ms, p99 ${num(f.p99)} ms (${num(f.total)} in ${num(f.seconds, 1)} s)`;
const loadBase = (f: LoadFigure): string =>
  `${num(f.reqPerSec)} req/s; p50 ${num(f.p50)} ms, p99 ${num(f.p99)} ms`;

function peakOfNodes(t: TransferFigure): number {
  return Math.max(...NODES.map((n) => t.rss[n]?.peakMB ?? 0));
}

function memLine(free: string): string {
  const mem = free.split('\n').find((l) => l.startsWith('Mem:'));
  if (!mem) return cell(free);
  const [, total, used, freeG, , , available] = mem.split(/\s+/);
  return `total ${total}, used ${used}, free ${freeG}, available ${available} (GiB)`;
}

export function renderReport(r: Report): string {
  const b = r.baseline;
  const S = size(r.size);
  const out: string[] = [];
  const transferLink =
    'client `scripts/bench-lib/transfer.ts` (node:http, `pipeline`, one connection; GET hashes ' +
    'the bytes inline with SHA-256)';

  out.push('# Benchmarks', '');
  out.push(
    `Written by \`scripts/bench\` (about ${num(r.seconds / 60, 1)} min${r.quick ? '' : ' for this run'}). ` +
      '`BENCH_QUICK=1 scripts/bench` is a smaller run for development (256 MiB transfers, 3 s ' +
      'load runs) and overwrites this file too. The bench starts everything it measures itself ' +
      'and sends traffic only to 127.0.0.1: a plain `node:http` baseline server in its own ' +
      'process, then etcd and three CallFS nodes (node-1..node-3) with `scripts/cluster.sh up` ' +
      `on HTTP ports ${r.ports.http}–${r.ports.http + 2}, gRPC ${r.ports.grpc}–${r.ports.grpc + 2} ` +
      `and etcd ${r.ports.etcd}, state in a temp folder; it stops all of them by pid and removes ` +
      'the folder. **The load generator, etcd and the three nodes share the 2 cores of this ' +
      'machine**, so every figure is what the whole set-up reaches together, not what one node ' +
      'could do alone; compare a figure with its baseline from the same run rather than across ' +
      'machines. MB/s means 10^6 bytes per second. In the commands, `$KEY` is the bench ' +
      `cluster's API key (\`${r.key}\`).`,
  );
  out.push('');
  const m = r.machine;
  out.push(
    `**Machine:** \`nproc\` ${m.nproc} · \`free -g\` ${memLine(m.free)} · node ${m.node} · ` +
      `${m.date} · commit ${m.commit} · load average (1/5/15 min) ${m.loadavg} at the start, ` +
      `${m.loadavgEnd ?? '?'} at the end${r.quick ? ' · **quick run (BENCH_QUICK=1)**' : ''}`,
  );
  out.push('');

  // Baselines
  out.push('## Baselines (same run)', '');
  const rows: string[][] = [];
  if (b.dd)
    rows.push([
      `Disk write, ${S}, \`conv=fdatasync\``,
      `${num(b.dd.mbps)} MB/s`,
      '—',
      code(b.dd.command),
    ]);
  if (b.hash)
    rows.push([
      `Client CPU alone: make ${S} of bench data and SHA-256 it, one thread, no network`,
      `${num(b.hash.mbps)} MB/s`,
      '—',
      code(b.hash.command),
    ]);
  if (b.put)
    rows.push([
      `node:http PUT ${S} to disk (\`pipeline\` to a file, fsync, rename)`,
      `${num(b.put.mbps)} MB/s, SHA-256 ok`,
      '—',
      code(b.put.command),
    ]);
  if (b.get)
    rows.push([
      `node:http GET ${S} file (\`pipeline\` from the file)`,
      `${num(b.get.mbps)} MB/s, SHA-256 ok`,
      '—',
      code(b.get.command),
    ]);
  if (b.smallGet)
    rows.push([
      `node:http GET 1 KiB file (opened per request), ${r.connections} connections, ~${r.loadSeconds} s`,
      loadValue(b.smallGet),
      '—',
      code(b.smallGet.command),
    ]);
  out.push(table(['Figure', 'Value', 'Baseline', 'Command'], rows), '');
  if (b.serverCommand) {
    out.push(
      `The baseline server is ${code(b.serverCommand)} (127.0.0.1, port 0); the ${transferLink} ` +
        'is the same one that times the CallFS nodes below.',
      '',
    );
  }

  // Large transfers
  out.push(`## Large transfers (${S}, and ${size(r.sweepSize)} through a non-owner)`, '');
  const baselineFor = (t: TransferFigure): string => {
    const base = t.label.startsWith('PUT') ? b.put : b.get;
    if (!base || t.size !== r.size) return '—';
    return `${num(base.mbps)} MB/s (node:http ${t.label.slice(0, 3)}; ${pct(t.mbps, base.mbps)})`;
  };
  out.push(
    table(
      ['Figure', 'Value', 'Baseline', 'Command'],
      [...r.large]
        .sort((x, y) => y.size - x.size)
        .map((t) => [
          cell(t.label),
          `${num(t.mbps)} MB/s (${num(t.seconds, 2)} s), SHA-256 ok`,
          baselineFor(t),
          code(t.command),
        ]),
    ),
    '',
  );
  out.push(
    `Data: a 1 MiB pseudo-random block repeated, each copy numbered in its first 8 bytes ` +
      `(\`scripts/bench-lib/data.ts\`); SHA-256 of the ${S} stream ${code(r.expectedSha ?? '?')}. ` +
      'Each PUT replaces a file created on node-1 beforehand; its SHA-256 is checked on the file ' +
      "node-1 stored, each GET's on the bytes received. A mismatch fails the bench.",
    '',
  );

  out.push(`### Peak RSS per node during each transfer (bound: < ${r.rssBoundMB} MB per node)`, '');
  const rssRows = r.large.map((t) => [
    cell(t.label),
    ...NODES.map((n) => {
      const s = t.rss[n];
      return s ? `${num(s.startMB)} → **${num(s.peakMB)}** MB` : '?';
    }),
    peakOfNodes(t) < r.rssBoundMB ? 'yes' : `**no** (${num(peakOfNodes(t))} MB)`,
  ]);
  for (const [label, t] of [
    ['Baseline server, PUT', b.put],
    ['Baseline server, GET', b.get],
  ] as const) {
    const s = t?.rss.server;
    if (s)
      rssRows.push([
        `${label} ${S} (one process)`,
        `${num(s.startMB)} → **${num(s.peakMB)}** MB`,
        '',
        '',
        '—',
      ]);
  }
  out.push(
    table(['Transfer', 'node-1 (owner)', 'node-2', 'node-3', `All < ${r.rssBoundMB} MB`], rssRows),
    '',
  );
  out.push(
    'RSS at the start of the transfer → peak, sampled from `/proc/<pid>/status` (VmRSS) every ' +
      '100 ms by `scripts/bench.ts` while the transfer client runs in another process; the node ' +
      'pids come from `<state>/pids/node-*.pid`.',
    '',
  );

  // Small files
  out.push('## Small files (1 KiB)', '');
  const srows: string[][] = [];
  for (const c of r.creates) {
    srows.push([
      `Create ${num(r.createsCount)} files (POST, ${r.createConcurrency} concurrent) ` +
        (c.nodes === 1 ? 'on node-1' : `spread over node-1..node-${c.nodes}`),
      `${num(c.perSec)} creates/s (${num(c.seconds, 2)} s, all 201)`,
      '—',
      code(c.command),
    ]);
  }
  const sg = b.smallGet;
  const vsBase = (f: LoadFigure): string =>
    sg ? `${loadBase(sg)} (node:http; this is ${pct(f.reqPerSec, sg.reqPerSec)})` : '—';
  const s = r.small;
  const conn = `${r.connections} connections, ~${r.loadSeconds} s`;
  if (s.getOwner)
    srows.push([
      `GET from the owner (node-1), ${conn}`,
      loadValue(s.getOwner),
      vsBase(s.getOwner),
      code(s.getOwner.command),
    ]);
  if (s.getRelay)
    srows.push([
      `GET through a non-owner (node-2 → node-1), ${conn}`,
      loadValue(s.getRelay),
      vsBase(s.getRelay),
      code(s.getRelay.command),
    ]);
  if (s.headRelay)
    srows.push([
      `HEAD through a non-owner (node-2 → node-1), ${conn}, node:http client`,
      loadValue(s.headRelay),
      s.getRelayNode ? `${loadBase(s.getRelayNode)} (GET, same client; next row)` : '—',
      code(s.headRelay.command),
    ]);
  if (s.getRelayNode)
    srows.push([
      `GET through a non-owner (node-2 → node-1), ${conn}, node:http client`,
      loadValue(s.getRelayNode),
      '—',
      code(s.getRelayNode.command),
    ]);
  if (s.conflict)
    srows.push([
      `POST of a path that exists on node-1, via node-2 (409), ${conn}`,
      loadValue(s.conflict),
      '—',
      code(s.conflict.command),
    ]);
  out.push(table(['Figure', 'Value', 'Baseline', 'Command'], srows), '');
  out.push(
    `req/s = completed requests / duration of the measured autocannon run. Each run ends by a ` +
      `request count (\`-a\`), not a duration, so that no request is in flight when autocannon ` +
      `closes its connections; the count is sized to last about ${r.loadSeconds} s from the rate of ` +
      `an uncounted warm-up run of ${num(r.warmupRequests)} requests with the same options. The ` +
      'bench fails unless every answer has the expected status (200, or 409 for the conflict ' +
      "row). The nodes run the dev cluster's configuration (a JSON log line per request, level " +
      'info).',
    '',
  );

  out.push('## Reading the figures', '');
  out.push(...observations(r).map((o) => `- ${o}`), '');
  return out.join('\n');
}

function observations(r: Report): string[] {
  const obs: string[] = [];
  const find = (prefix: string, sz: number): TransferFigure | undefined =>
    r.large.find((t) => t.label.startsWith(prefix) && t.size === sz);
  const S = size(r.size);
  const putD = find('PUT', r.size);
  const putR = r.large.find(
    (t) => t.label.startsWith('PUT') && t.size === r.size && t.label.includes('non-owner'),
  );
  const getD = r.large.find(
    (t) => t.label.startsWith('GET') && t.size === r.size && t.label.includes('from the owner'),
  );
  const getR = r.large.find(
    (t) => t.label.startsWith('GET') && t.size === r.size && t.label.includes('non-owner'),
  );
  if (putD && putR && getD && getR) {
    obs.push(
      `Through a non-owner, the ${S} PUT ran at ${num(putR.mbps)} MB/s against ${num(putD.mbps)} MB/s ` +
        `direct (${pct(putR.mbps, putD.mbps)}), and the GET at ${num(getR.mbps)} against ` +
        `${num(getD.mbps)} MB/s (${pct(getR.mbps, getD.mbps)}).`,
    );
  }
  if (putD && getD && r.baseline.put && r.baseline.get && r.baseline.dd) {
    obs.push(
      `Direct to the owner, PUT reached ${pct(putD.mbps, r.baseline.put.mbps)} of the plain ` +
        `node:http upload (${num(r.baseline.put.mbps)} MB/s; \`dd\` wrote ${num(r.baseline.dd.mbps)} MB/s) ` +
        `and GET ${pct(getD.mbps, r.baseline.get.mbps)} of the plain download (${num(r.baseline.get.mbps)} MB/s).`,
    );
  }
  const relay = (sz: number): TransferFigure[] =>
    r.large.filter((t) => t.size === sz && t.label.includes('non-owner'));
  const peaks = (ts: TransferFigure[]): string =>
    NODES.map((n) => `${n} ${num(Math.max(...ts.map((t) => t.rss[n]?.peakMB ?? 0)))}`).join(', ');
  if (relay(r.size).length && relay(r.sweepSize).length) {
    const all = Math.max(...r.large.map(peakOfNodes));
    obs.push(
      `Peak RSS during the non-owner PUT and GET: ${peaks(relay(r.sweepSize))} MB at ` +
        `${size(r.sweepSize)}; ${peaks(relay(r.size))} MB at ${S}. The highest of any node in ` +
        `any transfer was ${num(all)} MB, ${all < r.rssBoundMB ? 'under' : '**over**'} the ` +
        `${r.rssBoundMB} MB bound.`,
    );
  }
  const s = r.small;
  const busy = Number(r.machine.loadavg.split(' ')[0]);
  if (busy > 1) {
    obs.push(
      `The 1-minute load average was ${r.machine.loadavg.split(' ')[0]} when the bench started ` +
        '(before it had started anything) and ' +
        `${(r.machine.loadavgEnd ?? '?').split(' ')[0]} at the end: other processes were using ` +
        'the 2 cores during this run, so its figures are lower and noisier than on an idle machine.',
    );
  }
  if (s.getOwner && s.getRelay && r.baseline.smallGet) {
    obs.push(
      `1 KiB GETs: ${num(s.getOwner.reqPerSec)} req/s from the owner ` +
        `(${pct(s.getOwner.reqPerSec, r.baseline.smallGet.reqPerSec)} of plain node:http) and ` +
        `${num(s.getRelay.reqPerSec)} req/s through a non-owner ` +
        `(${pct(s.getRelay.reqPerSec, s.getOwner.reqPerSec)} of the owner's rate).`,
    );
  }
  return obs;
}
