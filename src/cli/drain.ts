// `callfs drain --config node.yaml --instance node-N`: moves every file node-N owns to the other
// live nodes, so that node-N can leave the cluster.
//
// It orchestrates and nothing more. Each file goes through the public move of a file's bytes to
// another node (`PATCH /v1/files/{path}` with `instance`), sent to node-N itself: that move
// stages the bytes on the target, fsynced and journaled, before one etcd transaction switches
// the owner, so a move that fails leaves the file where it was, whole, and a crash of either
// node is finished by its start-up recovery. What the drain reads comes straight from etcd (the
// inodes that name node-N, and the live members), with the configuration of any node of the
// cluster: its etcd endpoints, and its internal secret as the bearer (the cluster's admin, who
// may move any user's file). It takes no membership and never touches a disk.
//
// Resumable by construction: every run starts from what etcd says node-N owns now, so running
// it again after an interruption, a failure or new writes continues with what is left.
import type { Config } from '../config/index.js';
import type { InodeRecord, NodeRecord } from '../files/ports.js';
import { subtreeRecords } from '../files/subtree-records.js';
import { etcdMetadataFromConfig } from '../metadata/from-config.js';
import type { Logger } from 'pino';

/** What the drain needs from the cluster; the real one is etcd + HTTP (`clusterAccess`). */
export interface DrainAccess {
  liveNodes(): Promise<NodeRecord[]>;
  /** The file inodes that name `instance` as their owning node, at one revision. */
  filesOf(instance: string): Promise<InodeRecord[]>;
  /** Moves one file's bytes to `target`, asking `via` (a node's HTTP base URL). */
  move(via: string, path: string, target: string): Promise<MoveOutcome>;
  close(): Promise<void>;
}

export interface MoveOutcome {
  status: number;
  code?: string;
  message?: string;
}

export interface DrainOptions {
  instance: string;
  /** Only these nodes receive files (all live ones but `instance` when absent). */
  to?: string[];
  /** Moves in flight at once. */
  concurrency?: number;
  onProgress?(line: string): void;
}

export interface DrainReport {
  instance: string;
  targets: string[];
  moved: number;
  bytes: number;
  /** Moves that failed: the file is still on `instance`, unchanged. */
  failed: Array<{ path: string; target: string; status: number; code: string; message: string }>;
  /** Files not moved on purpose: uploads still in flight, files deleted during the drain. */
  skipped: Array<{ path: string; reason: string }>;
  /** Files `instance` still owns when the drain ends (0: it can leave). */
  remaining: number;
}

/** A drain that must not start: it would lose data or cannot make progress. */
export class DrainRefused extends Error {}

/** At most this many scans: new files landing on the node while it drains are picked up. */
const MAX_PASSES = 5;

export async function drain(access: DrainAccess, o: DrainOptions): Promise<DrainReport> {
  const say = o.onProgress ?? (() => undefined);
  const live = new Map((await access.liveNodes()).map((n) => [n.instance_id, n]));
  const source = live.get(o.instance);
  if (!source) {
    // Its bytes are only on its disk: no move can read them while it is down.
    throw new DrainRefused(
      `${o.instance} is not a live member of the cluster: its files can only be read from it; ` +
        'start it, then drain (a node whose disk is lost cannot be drained: see docs/operations.md)',
    );
  }
  for (const id of o.to ?? []) {
    if (id === o.instance) throw new DrainRefused(`--to names ${id}, the node being drained`);
    if (!live.has(id)) throw new DrainRefused(`--to names ${id}, which is not a live node`);
  }
  const targets = (o.to ?? [...live.keys()].filter((id) => id !== o.instance)).sort();
  if (targets.length === 0) {
    throw new DrainRefused(`no other live node to move the files of ${o.instance} to`);
  }

  const report: DrainReport = {
    instance: o.instance,
    targets,
    moved: 0,
    bytes: 0,
    failed: [],
    skipped: [],
    remaining: 0,
  };
  // Balances by bytes, so one large file does not pile everything else on the same node.
  const assigned = new Map(targets.map((t) => [t, 0]));
  const pick = (): string =>
    targets.reduce((best, t) => (assigned.get(t)! < assigned.get(best)! ? t : best));
  const settled = new Set<string>();

  for (let pass = 1; pass <= MAX_PASSES; pass++) {
    const owned = await access.filesOf(o.instance);
    const todo: InodeRecord[] = [];
    for (const rec of owned) {
      if (settled.has(rec.path)) continue;
      if (rec.inode.state !== 'ready') {
        settled.add(rec.path);
        report.skipped.push({ path: rec.path, reason: 'an upload to it is still in flight' });
      } else todo.push(rec);
    }
    if (todo.length === 0) break;
    say(
      `drain ${o.instance}: pass ${pass}, ${todo.length} file(s) to move to ${targets.join(', ')}`,
    );
    let done = 0;
    const moveOne = async (rec: InodeRecord): Promise<void> => {
      const target = pick();
      assigned.set(target, assigned.get(target)! + rec.inode.size);
      const out = await access.move(source.http_url, rec.path, target);
      settled.add(rec.path);
      done += 1;
      const at = `[${done}/${todo.length}]`;
      if (out.status === 200) {
        report.moved += 1;
        report.bytes += rec.inode.size;
        say(`drain ${o.instance}: ${at} ${rec.path} → ${target} (${rec.inode.size} bytes)`);
      } else if (out.status === 404) {
        report.skipped.push({ path: rec.path, reason: 'deleted during the drain' });
        say(`drain ${o.instance}: ${at} ${rec.path} was deleted meanwhile`);
      } else {
        assigned.set(target, assigned.get(target)! - rec.inode.size);
        const failure = {
          path: rec.path,
          target,
          status: out.status,
          code: out.code ?? `HTTP_${out.status}`,
          message: out.message ?? '',
        };
        report.failed.push(failure);
        say(
          `drain ${o.instance}: ${at} ${rec.path} NOT moved (${failure.status} ${failure.code}: ` +
            `${failure.message}); it stays on ${o.instance}`,
        );
      }
    };
    const queue = [...todo];
    const workers = Array.from({ length: Math.max(1, o.concurrency ?? 2) }, async () => {
      for (let rec = queue.shift(); rec; rec = queue.shift()) await moveOne(rec);
    });
    await Promise.all(workers);
  }
  report.remaining = (await access.filesOf(o.instance)).length;
  say(
    `drain ${o.instance}: moved ${report.moved} file(s), ${report.bytes} bytes; ` +
      `${report.failed.length} failed, ${report.remaining} still on ${o.instance}`,
  );
  return report;
}

/** The cluster as the drain sees it: etcd for what exists, a node's HTTP API for moves. */
export function clusterAccess(config: Config, logger: Logger): DrainAccess {
  const metadata = etcdMetadataFromConfig(config, { logger });
  const secret = config.auth.internal_proxy_secret;
  return {
    liveNodes: () => metadata.listNodes(),
    async filesOf(instance) {
      const out: InodeRecord[] = [];
      for await (const rec of subtreeRecords(metadata, '/', 1000)) {
        if (rec.inode.type === 'file' && rec.inode.instance_id === instance) out.push(rec);
      }
      return out;
    },
    async move(via, path, target) {
      const url = `${via.replace(/\/+$/, '')}/v1/files/${path
        .split('/')
        .filter((s) => s !== '')
        .map(encodeURIComponent)
        .join('/')}`;
      let res: Response;
      try {
        res = await fetch(url, {
          method: 'PATCH',
          headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
          body: JSON.stringify({ destination: path, instance: target }),
        });
      } catch (err) {
        const why = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
        return { status: 0, code: 'UNREACHABLE', message: `cannot reach ${via}: ${why}` };
      }
      if (res.status === 200) {
        await res.body?.cancel();
        return { status: 200 };
      }
      const body = (await res.json().catch(() => ({}))) as { code?: string; message?: string };
      return { status: res.status, code: body.code, message: body.message };
    },
    close: () => metadata.close(),
  };
}
