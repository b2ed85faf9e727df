// Test harness for real CallFS nodes: builds a valid config for a node on free loopback ports
// against a given etcd, and starts it either in this process (fast, for API tests) or as a
// child process through the shared devkit/ helper (for cluster and fault tests: killable by pid).
import { type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { parseConfig, type Config } from '../../src/config/index.js';
import { startNode, type RunningNode } from '../../src/node.js';
import { REPO, startNodeProcess, type Runtime } from '../../devkit/node-process.js';
import { freePort } from '../../devkit/proc.js';

/** The environment switch of the metadata cache, read here so in-process nodes honour it too. */
const CACHE_SWITCH = 'CALLFS_METADATA_STORE__CACHE_ENABLED';
/**
 * Child nodes and CLI runs use the build when it is newer than every source file (as after
 * `make test`'s build step): a process then loads in about half the CPU time it takes through
 * tsx, and a suite starts some ninety nodes and more CLI runs. Without a fresh build they run
 * the sources, so no test needs one.
 */
export const CHILD_RUNTIME: Runtime = freshBuild() ? 'dist' : 'tsx';

/** The build (dist/main.js) is there and newer than every .ts file in src/ (as bin/callfs checks). */
function freshBuild(): boolean {
  let built: number;
  try {
    built = statSync(join(REPO, 'dist/main.js')).mtimeMs;
  } catch {
    return false;
  }
  const src = join(REPO, 'src');
  return readdirSync(src, { recursive: true }).every(
    (name) => !String(name).endsWith('.ts') || statSync(join(src, String(name))).mtimeMs <= built,
  );
}

/** Start-up bound: generous, since three nodes compiling their TypeScript on a busy 2-core host take a while. */
const START_MS = 90_000;

export const API_KEY = 'test-key-0123456789abcdef';
export const OTHER_KEY = 'other-key-0123456789abcdef';
export const ROOT_KEY = 'root-key-0123456789abcdef';
export const INTERNAL_SECRET = 'internal-' + 'a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6';
export const LINK_SECRET = 'links-' + 'f6e5d4c3b2a1f6e5d4c3b2a1f6e5d4c3';

export interface NodeSpec {
  etcdEndpoint: string;
  prefix: string;
  instanceId: string;
  root: string;
  httpPort?: number;
  grpcPort?: number;
  overrides?: Record<string, Record<string, unknown>>;
}

export function rawConfig(spec: NodeSpec): Record<string, Record<string, unknown>> {
  const httpPort = spec.httpPort ?? 0;
  const grpcPort = spec.grpcPort ?? 0;
  const base: Record<string, Record<string, unknown>> = {
    server: {
      listen_addr: `127.0.0.1:${httpPort}`,
      external_url: `http://127.0.0.1:${httpPort}`,
    },
    peer: {
      listen_addr: `127.0.0.1:${grpcPort}`,
      advertise_addr: `127.0.0.1:${grpcPort}`,
      ready_timeout_ms: 1500,
    },
    auth: {
      api_keys: [API_KEY],
      api_key_users: { alice: OTHER_KEY, root: ROOT_KEY },
      internal_proxy_secret: INTERNAL_SECRET,
      single_use_link_secret: LINK_SECRET,
    },
    backend: { default_backend: 'localfs', localfs_root_path: spec.root },
    metadata_store: {
      type: 'etcd',
      etcd_endpoints: [spec.etcdEndpoint],
      etcd_prefix: spec.prefix,
      lease_ttl_seconds: 3,
      request_timeout_ms: 1500,
      // `CALLFS_METADATA_STORE__CACHE_ENABLED=false npm test` runs the suite without the cache.
      cache_enabled: process.env[CACHE_SWITCH] !== 'false',
    },
    instance_discovery: { instance_id: spec.instanceId },
    log: { level: 'warn', format: 'json' },
  };
  for (const [section, values] of Object.entries(spec.overrides ?? {})) {
    base[section] = { ...base[section], ...values };
  }
  return base;
}

export function testConfig(spec: NodeSpec): Config {
  return parseConfig(rawConfig(spec)).config;
}

export function uniquePrefix(): string {
  return `/t-${randomBytes(4).toString('hex')}/`;
}

export interface InProcessNode extends RunningNode {
  root: string;
  url: string;
  stop(): Promise<void>;
}

/** Starts a node inside the test process on free ports, with its own temp storage root. */
export async function startInProcessNode(
  etcdEndpoint: string,
  options: { prefix?: string; instanceId?: string; overrides?: NodeSpec['overrides'] } = {},
): Promise<InProcessNode> {
  const root = await madeTemp('callfs-node-');
  const config = testConfig({
    etcdEndpoint,
    prefix: options.prefix ?? uniquePrefix(),
    instanceId: options.instanceId ?? 'node-1',
    root,
    overrides: options.overrides,
  });
  const node = await startNode(config, pino({ level: 'silent' }));
  return {
    ...node,
    root,
    url: node.httpUrl,
    stop: async () => {
      try {
        await node.close();
      } finally {
        await removeTemp(root);
      }
    },
  };
}

export interface ChildNode {
  instanceId: string;
  url: string;
  grpcAddr: string;
  root: string;
  httpPort: number;
  grpcPort: number;
  proc: ChildProcess;
  /** Output of the process so far (for failure messages). */
  output(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts the same node again (same ports, root and instance id). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Folders made here for child nodes (config folders, storage roots) that are not removed yet.
 * `stop` removes a node's; whatever a failed start, an `after` hook cut by its timeout or a test
 * that never stopped its node left is removed when the test process exits (mocha's --exit ends
 * it with nodes still running, which no longer need their config by then).
 */
const leftover = new Set<string>();
let removeAtExit = false;

async function madeTemp(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  leftover.add(dir);
  if (!removeAtExit) {
    removeAtExit = true;
    process.once('exit', () => {
      for (const d of leftover) rmSync(d, { recursive: true, force: true });
    });
  }
  return dir;
}

async function removeTemp(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  leftover.delete(dir);
}

/**
 * Starts a node as a child process (devkit/node-process.ts) and waits until /ready answers.
 * It runs the build when that is fresh, else the sources through tsx (CHILD_RUNTIME).
 */
export async function startChildNode(
  spec: Omit<NodeSpec, 'root' | 'httpPort' | 'grpcPort'> & {
    root?: string;
    umask?: number;
    /** Picks each port to try (a test of the retry below hands out a taken one). */
    pickPort?: () => Promise<number>;
  },
): Promise<ChildNode> {
  const root = spec.root ?? (await madeTemp('callfs-node-'));
  const dir = await madeTemp('callfs-cfg-');
  const removeFolders = async (): Promise<void> => {
    await removeTemp(root);
    await removeTemp(dir);
  };
  let node;
  try {
    node = await onFreePorts(spec.pickPort ?? freePort, async (httpPort, grpcPort) => {
      const configFile = join(dir, 'callfs.json');
      await writeFile(configFile, JSON.stringify(rawConfig({ ...spec, root, httpPort, grpcPort })));
      return {
        httpPort,
        grpcPort,
        process: await startNodeProcess({
          name: spec.instanceId,
          configFile,
          url: `http://127.0.0.1:${httpPort}`,
          runtime: CHILD_RUNTIME,
          readyTimeoutMs: START_MS,
          umask: spec.umask,
          // The config file already carries the cache switch (and a test's override of it).
          env: withoutCacheSwitch(process.env),
        }),
      };
    });
  } catch (err) {
    await removeFolders();
    throw err;
  }
  const { httpPort, grpcPort, process: proc } = node;
  return {
    instanceId: spec.instanceId,
    url: proc.url,
    grpcAddr: `127.0.0.1:${grpcPort}`,
    root,
    httpPort,
    grpcPort,
    get proc() {
      return proc.process.child;
    },
    output: () => proc.output(),
    kill: (signal: NodeJS.Signals = 'SIGKILL') => proc.kill(signal),
    restart: async () => void (await proc.restart()),
    stop: async () => {
      try {
        await proc.kill('SIGTERM');
      } finally {
        await removeFolders();
      }
    },
  };
}

/**
 * Runs `start` on two free ports, again on two others when one was taken before the node bound
 * it (a port found free is free only until someone else binds it: another node starting beside
 * this one, or an outgoing connection given it as its local port).
 */
async function onFreePorts<T>(
  pickPort: () => Promise<number>,
  start: (httpPort: number, grpcPort: number) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start(await pickPort(), await pickPort());
    } catch (err) {
      if (attempt >= 3 || !/EADDRINUSE/.test(String((err as Error)?.message))) throw err;
    }
  }
}

function withoutCacheSwitch(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out = { ...env };
  delete out[CACHE_SWITCH];
  return out;
}
