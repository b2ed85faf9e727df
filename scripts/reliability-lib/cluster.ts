// A fresh 3-node dev cluster for one drill or soak: `scripts/cluster.sh up` in a state folder
// of our own on non-default ports, plus what cluster.sh does not do — kill, pause, resume and
// restart one node or etcd by pid. A process restarted here is launched in its own session
// with the same command line and its new pid is written back to cluster.sh's pid file, so
// `scripts/cluster.sh down` (and the shell wrapper's trap) stops exactly it.
import { cpSync, existsSync, lstatSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parse, stringify } from 'yaml';
import { parseConfig } from '../../src/config/index.js';
import { decodeInode } from '../../src/metadata/records.js';
import { send } from './http.js';
import { callfsArgv, REPO } from '../../devkit/node-process.js';
import { cmdlineOf, procs, run, signal, sleep, stopPid } from '../../devkit/proc.js';

export { REPO };
export const NODE_IDS = ['node-1', 'node-2', 'node-3'] as const;
export const PREFIX = '/callfs/';

export interface ClusterPorts {
  http: number;
  grpc: number;
  etcd: number;
}

export interface NodeInfo {
  index: number;
  id: string;
  url: string;
  root: string;
  config: string;
  log: string;
}

export interface EtcdKv {
  key: string;
  value: string;
  lease: string;
  modRevision: number;
}

/** The environment of node processes: no CALLFS_* config overrides (as cluster.sh does). */
function nodeEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('CALLFS_') || k.startsWith('CALLFS_DEV_')) env[k] = v;
  }
  return env;
}

export class DevCluster {
  readonly nodes: NodeInfo[];
  readonly etcdEndpoint: string;
  readonly apiKey: string;
  private etcdArgv: string[] | null = null;
  /** Lease TTL of the nodes, read from their configuration after `up`. */
  leaseTtlSeconds = 0;

  constructor(
    readonly state: string,
    readonly ports: ClusterPorts,
    apiKey = 'reliability-key-7c1e9a4b2d6f8035',
  ) {
    this.apiKey = apiKey;
    this.etcdEndpoint = `http://127.0.0.1:${ports.etcd}`;
    this.nodes = NODE_IDS.map((id, index) => ({
      index,
      id,
      url: `http://127.0.0.1:${ports.http + index}`,
      root: join(state, id, 'data'),
      config: join(state, 'config', `${id}.yaml`),
      log: join(state, 'logs', `${id}.log`),
    }));
  }

  private env(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      CALLFS_DEV_STATE_DIR: this.state,
      CALLFS_DEV_HTTP_BASE_PORT: String(this.ports.http),
      CALLFS_DEV_GRPC_BASE_PORT: String(this.ports.grpc),
      CALLFS_DEV_ETCD_PORT: String(this.ports.etcd),
      CALLFS_DEV_API_KEY: this.apiKey,
      CALLFS_DEV_SKIP_SETUP: '1',
      CALLFS_DEV_READY_TIMEOUT: '90',
      // The drills and the soak are about nodes owning bytes on their own disks (a dead owner's
      // files answer 503; disks are compared with etcd); S3's own faults are cluster tests.
      CALLFS_DEV_S3: '0',
    };
  }

  async up(): Promise<void> {
    const r = await run([join(REPO, 'scripts/cluster.sh'), 'up'], 150_000, this.env());
    if (r.code !== 0)
      throw new Error(`cluster.sh up failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
    const etcdPid = this.pid('etcd');
    this.etcdArgv = cmdlineOf(etcdPid);
    const cfg = parse(readFileSync(this.nodes[0]!.config, 'utf8')) as {
      metadata_store?: { lease_ttl_seconds?: number };
    };
    this.leaseTtlSeconds = cfg.metadata_store?.lease_ttl_seconds ?? 10;
  }

  async down(): Promise<void> {
    if (!existsSync(this.state)) return;
    // RELIABILITY_KEEP_LOGS=dir keeps the node and etcd logs (the state folder is removed).
    const keep = process.env.RELIABILITY_KEEP_LOGS;
    if (keep) {
      try {
        cpSync(join(this.state, 'logs'), join(keep, basename(this.state)), { recursive: true });
      } catch (err) {
        process.stderr.write(`could not keep the logs: ${String(err)}\n`);
      }
    }
    const r = await run([join(REPO, 'scripts/cluster.sh'), 'down'], 90_000, this.env());
    if (r.code !== 0) process.stderr.write(`cluster.sh down: ${r.stdout}${r.stderr}\n`);
  }

  private pidFile(name: string): string {
    return join(this.state, 'pids', `${name}.pid`);
  }

  pid(name: string): number {
    try {
      return Number(readFileSync(this.pidFile(name), 'utf8').trim());
    } catch {
      return 0;
    }
  }

  node(i: number): NodeInfo {
    const n = this.nodes[i];
    if (!n) throw new Error(`no node ${i}`);
    return n;
  }

  signalNode(i: number, sig: NodeJS.Signals): boolean {
    return signal(this.pid(this.node(i).id), sig);
  }

  /** Sends `sig` (SIGCONT first, so a paused node can act on it) and waits for the exit. */
  async stopNode(i: number, sig: NodeJS.Signals, waitMs = 45_000): Promise<boolean> {
    return stopPid(this.pid(this.node(i).id), sig, waitMs);
  }

  /** Starts node i again with its configuration; returns the new pid. */
  startNode(i: number): number {
    const n = this.node(i);
    const argv = callfsArgv('dist', ['server', '--config', n.config]);
    const { pid } = procs.spawn(n.id, argv, { log: n.log, env: nodeEnv(), detached: true });
    writeFileSync(this.pidFile(n.id), `${pid}\n`);
    return pid;
  }

  /** Polls /ready until 200; returns the ms waited, or null when not ready within `ms`. */
  async waitReady(i: number, ms = 60_000): Promise<number | null> {
    const t0 = Date.now();
    while (Date.now() - t0 < ms) {
      const r = await send({
        base: this.node(i).url,
        method: 'GET',
        path: '/ready',
        key: this.apiKey,
        timeoutMs: 1000,
      });
      if (r.status === 200) return Date.now() - t0;
      await sleep(50);
    }
    return null;
  }

  /** Effective timeouts of node i (its YAML file with the project's defaults applied). */
  peerConfig(i = 0): { readyTimeoutMs: number; requestTimeoutMs: number; leaseTtlSeconds: number } {
    const raw = parse(readFileSync(this.node(i).config, 'utf8')) as Record<string, unknown>;
    const { config } = parseConfig(raw);
    return {
      readyTimeoutMs: config.peer.ready_timeout_ms,
      requestTimeoutMs: config.metadata_store.request_timeout_ms,
      leaseTtlSeconds: config.metadata_store.lease_ttl_seconds,
    };
  }

  /** Rewrites one key of a node's YAML configuration (takes effect on its next start). */
  setConfig(i: number, section: string, key: string, value: unknown): void {
    const file = this.node(i).config;
    const cfg = parse(readFileSync(file, 'utf8')) as Record<string, Record<string, unknown>>;
    cfg[section] = { ...cfg[section], [key]: value };
    writeFileSync(file, stringify(cfg));
  }

  etcdSignal(sig: NodeJS.Signals): boolean {
    return signal(this.pid('etcd'), sig);
  }

  async killEtcd(): Promise<void> {
    await stopPid(this.pid('etcd'), 'SIGKILL', 10_000);
  }

  /** Starts etcd again with its original command line (same data dir); returns the pid. */
  startEtcd(): number {
    if (!this.etcdArgv) throw new Error('etcd command line unknown');
    const log = join(this.state, 'logs', 'etcd.log');
    const { pid } = procs.spawn('etcd', this.etcdArgv, { log, detached: true });
    writeFileSync(this.pidFile('etcd'), `${pid}\n`);
    return pid;
  }

  /** `etcdctl get --prefix` under the cluster prefix; null when etcd did not answer. */
  async etcdGet(sub: string, timeoutMs = 3000): Promise<EtcdKv[] | null> {
    const r = await run(
      [
        'etcdctl',
        `--endpoints=${this.etcdEndpoint}`,
        '--dial-timeout=1s',
        `--command-timeout=${Math.max(1, Math.floor(timeoutMs / 1000))}s`,
        '-w',
        'json',
        'get',
        '--prefix',
        PREFIX + sub,
      ],
      timeoutMs + 2000,
      { ...process.env, ETCDCTL_API: '3' },
    );
    if (r.code !== 0) return null;
    const out = JSON.parse(r.stdout) as {
      kvs?: Array<{ key: string; value?: string; lease?: number | string; mod_revision: number }>;
    };
    return (out.kvs ?? []).map((kv) => ({
      key: Buffer.from(kv.key, 'base64').toString('utf8'),
      value: kv.value ? Buffer.from(kv.value, 'base64').toString('utf8') : '',
      lease: String(kv.lease ?? '0'),
      modRevision: kv.mod_revision,
    }));
  }

  /** Names in `<root>/.callfs/tmp/` of node i, readiness probes excluded. */
  tempFiles(i: number): string[] {
    const dir = join(this.node(i).root, '.callfs', 'tmp');
    try {
      return readdirSync(dir).filter((n) => !n.endsWith('.probe'));
    } catch {
      return [];
    }
  }

  /** Every regular file on node i's disk outside `.callfs`, as API path → size. */
  diskFiles(i: number): Map<string, number> {
    const out = new Map<string, number>();
    const walk = (dir: string, api: string): void => {
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch {
        return;
      }
      for (const name of names) {
        if (api === '' && name === '.callfs') continue;
        const full = join(dir, name);
        const info = lstatSync(full, { throwIfNoEntry: false });
        if (!info) continue;
        if (info.isDirectory()) walk(full, `${api}/${name}`);
        else if (info.isFile()) out.set(`${api}/${name}`, info.size);
      }
    };
    walk(this.node(i).root, '');
    return out;
  }

  /** Absolute disk path of an API path on node i. */
  diskPath(i: number, path: string): string {
    return join(this.node(i).root, path);
  }
}

/** API path of an inode key `<prefix>fs<parent>//<name>`, or null for other keys. */
export function pathOfKey(key: string): string | null {
  const base = `${PREFIX}fs`;
  if (!key.startsWith(base)) return null;
  const rest = key.slice(base.length);
  const cut = rest.lastIndexOf('//');
  if (cut < 0) return null;
  return `${rest.slice(0, cut)}/${rest.slice(cut + 2)}`;
}

export interface InodeValue {
  type: string;
  instance_id: string;
  size: number;
  gen: number;
  state: string;
}

/** An inode as the nodes read it (stored records leave out fields at their defaults). */
export function inodeOf(kv: EtcdKv): InodeValue | null {
  try {
    return decodeInode(pathOfKey(kv.key) ?? kv.key, kv.value) as InodeValue;
  } catch {
    return null;
  }
}
