// One CallFS node as a child process: `callfs server --config FILE`, either the compiled build
// (`bin/callfs`, which runs dist/) or the TypeScript sources through tsx (tests, which must not
// depend on a fresh build). Ready means /ready answers 200 (membership registered, not only
// HTTP listening). Killable, pausable and restartable by pid with the same command line.
import { join } from 'node:path';
import { procs as sharedProcs, waitForStatus, type Managed, type Procs } from './proc.js';

export const REPO = new URL('..', import.meta.url).pathname.replace(/\/$/, '');

/**
 * The environment a node runs with in production (docs/operations.md's unit, scripts/cluster.sh):
 * glibc's malloc limited to two arenas. Its default, eight per core, leaves each thread that
 * ever allocated (libuv's pool, V8's helpers, the configuration worker) an arena whose freed
 * pages stay resident: an idle node keeps about 5 MB less with two (BENCHMARKS.md), and the
 * CPU per request did not change measurably (devkit/small-probe.ts, SMALL_PROBE_ENVS). Keys the
 * caller's environment sets win.
 */
export const NODE_ENV_DEFAULTS: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2' };

/**
 * Per-build environments of an A/B probe, `'A=1 B=2;A=3'` (one `;`-separated spec per build, in
 * the order of the builds; a spec is space-separated `NAME=value`s): each over this process's.
 */
export function buildEnvs(spec: string | undefined, builds: number): NodeJS.ProcessEnv[] {
  const specs = (spec ?? '').split(';');
  return Array.from({ length: builds }, (_, i) => ({
    ...process.env,
    ...Object.fromEntries(
      (specs[i] ?? '')
        .split(' ')
        .filter(Boolean)
        .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
    ),
  }));
}

/** `dist`: bin/callfs (compiled JavaScript, as in production); `tsx`: src/main.ts via tsx. */
export type Runtime = 'dist' | 'tsx';

export function callfsArgv(
  runtime: Runtime,
  args: string[],
  nodeArgs: string[] = [],
  repo = REPO,
): string[] {
  return runtime === 'dist'
    ? [process.execPath, ...nodeArgs, join(repo, 'bin/callfs'), ...args]
    : [process.execPath, ...nodeArgs, '--import', 'tsx', join(repo, 'src/main.ts'), ...args];
}

export interface NodeProcessOptions {
  name: string;
  configFile: string;
  /** Base URL of its HTTP API (where /ready is polled). */
  url: string;
  runtime?: Runtime;
  /** Options for node itself (e.g. --cpu-prof, which NODE_OPTIONS does not allow). */
  nodeArgs?: string[];
  /** The checkout whose build runs (default this one): another build for an A/B. */
  repo?: string;
  /** The node's environment (default this process's), over NODE_ENV_DEFAULTS. */
  env?: NodeJS.ProcessEnv;
  /** The process umask (e.g. 0o077), set by a shell that then execs the node (same pid). */
  umask?: number;
  log?: string;
  detached?: boolean;
  readyTimeoutMs?: number;
  /** How often /ready is polled (finer for start-up measurements). */
  pollMs?: number;
  procs?: Procs;
}

export interface NodeProcess {
  name: string;
  url: string;
  readonly pid: number;
  readonly process: Managed;
  output(): string;
  pause(): void;
  resume(): void;
  /** SIGCONT + `sig` (SIGKILL by default); resolves at the exit. */
  kill(sig?: NodeJS.Signals): Promise<void>;
  /** Starts the same command line again and waits until ready; returns the ms it took. */
  restart(): Promise<number>;
}

/** Starts a node and waits for /ready 200; the returned handle's `restart` re-launches it. */
export async function startNodeProcess(options: NodeProcessOptions): Promise<NodeProcess> {
  const procs = options.procs ?? sharedProcs;
  const node = callfsArgv(
    options.runtime ?? 'dist',
    ['server', '--config', options.configFile],
    options.nodeArgs,
    options.repo,
  );
  const argv =
    options.umask === undefined
      ? node
      : [
          '/bin/sh',
          '-c',
          `umask ${options.umask.toString(8).padStart(3, '0')} && exec "$@"`,
          'sh',
          ...node,
        ];
  let proc!: Managed;
  const launch = async (): Promise<number> => {
    proc = procs.spawn(options.name, argv, {
      cwd: REPO,
      env: { ...NODE_ENV_DEFAULTS, ...(options.env ?? process.env) },
      log: options.log,
      detached: options.detached,
    });
    try {
      return await waitForStatus(`${options.url}/ready`, {
        timeoutMs: options.readyTimeoutMs ?? 60_000,
        intervalMs: options.pollMs,
        alive: () => proc.alive(),
        what: options.name,
      });
    } catch (err) {
      await proc.kill('SIGKILL');
      throw new Error(`${(err as Error).message}: ${proc.output()}`);
    }
  };
  await launch();
  return {
    name: options.name,
    url: options.url,
    get pid() {
      return proc.pid;
    },
    get process() {
      return proc;
    },
    output: () => proc.output(),
    pause: () => proc.pause(),
    resume: () => proc.resume(),
    kill: (sig: NodeJS.Signals = 'SIGKILL') => proc.kill(sig),
    restart: launch,
  };
}
