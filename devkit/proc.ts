// Process primitives shared by the tests (test/support), the reliability drills and soak, and
// the benchmarks: free loopback ports, liveness of a pid (a zombie is not alive), signals by
// pid, bounded waits and runs, and `Procs`, a registry of the children one caller started so
// that it can stop exactly those, by pid, whatever happens. Every wait here is bounded.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A port that was free on 127.0.0.1 a moment ago (the kernel's choice for port 0). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** The fields of /proc/<pid>/stat after the command name: [0] is the state, [7] minflt. */
function statFields(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** Alive and not a zombie (pid 1 of a container may never reap orphans). */
export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    return statFields(pid)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** CPU time a process has used, in clock ticks (100 per second): user and system. */
export function cpuTicksOf(pid: number): { user: number; sys: number; total: number } {
  const f = statFields(pid);
  const user = Number(f[11]);
  const sys = Number(f[12]);
  return { user, sys, total: user + sys };
}

/** Minor page faults of a process (fresh memory touched for the first time). */
export function minorFaultsOf(pid: number): number {
  return Number(statFields(pid)[7]);
}

/** The command line of a live process, or null. */
export function cmdlineOf(pid: number): string[] | null {
  try {
    const parts = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    if (parts.at(-1) === '') parts.pop();
    return parts.length > 0 ? parts : null;
  } catch {
    return null;
  }
}

/** Sends a signal; false when the process is gone. */
export function signal(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

/** Waits until the pid is gone; true when it exited within `ms`. */
export async function waitExit(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await sleep(20);
  }
  return !isAlive(pid);
}

/**
 * Stops a pid: SIGCONT first (a paused process cannot act on SIGTERM), then `sig`, then SIGKILL
 * when it has not exited within `graceMs`. True when it exited on `sig` alone.
 */
export async function stopPid(
  pid: number,
  sig: NodeJS.Signals = 'SIGTERM',
  graceMs = 45_000,
): Promise<boolean> {
  if (!isAlive(pid)) return true;
  signal(pid, 'SIGCONT');
  signal(pid, sig);
  if (await waitExit(pid, graceMs)) return true;
  signal(pid, 'SIGKILL');
  await waitExit(pid, 10_000);
  return false;
}

/** Polls `url` until it answers `status`; throws after `timeoutMs` or when `alive()` turns false. */
export async function waitForStatus(
  url: string,
  options: {
    status?: number;
    timeoutMs?: number;
    intervalMs?: number;
    alive?: () => boolean;
    what?: string;
  } = {},
): Promise<number> {
  const { status = 200, timeoutMs = 30_000, alive = () => true, what = url } = options;
  const { intervalMs = 100 } = options;
  const t0 = performance.now();
  for (;;) {
    if (!alive()) throw new Error(`${what} exited before ${url} answered ${status}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status === status) return performance.now() - t0;
    } catch {
      // not listening yet
    }
    if (performance.now() - t0 > timeoutMs) throw new Error(`${what}: ${url} not ${status}`);
    await sleep(intervalMs);
  }
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Exit code (or signal) of a child, once it exited; undefined while it runs. */
export function exitOfChild(child: ChildProcess): string | undefined {
  if (child.exitCode !== null) return `exit ${child.exitCode}`;
  if (child.signalCode !== null) return child.signalCode;
  return undefined;
}

export interface SpawnOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Append stdout and stderr to this file (else they are kept in memory, the last 20 kB). */
  log?: string;
  /** Own session (setsid): a Ctrl-C to the caller's terminal does not reach it. */
  detached?: boolean;
}

/**
 * Registry of the processes one caller started. With a `pidDir`, each live child's pid is also
 * written there (and removed at its exit), so a shell wrapper can stop it by pid even when the
 * caller itself was killed.
 */
export class Procs {
  private readonly live = new Map<number, ChildProcess>();
  /** Every child started here, live or not, so an exit status can still be read. */
  private readonly started = new Map<number, ChildProcess>();
  private seq = 0;

  constructor(private readonly options: { pidDir?: string; cwd?: string } = {}) {
    if (options.pidDir) mkdirSync(options.pidDir, { recursive: true });
  }

  private track(name: string, child: ChildProcess): void {
    const pid = child.pid;
    if (pid === undefined) return;
    this.live.set(pid, child);
    this.started.set(pid, child);
    const file = this.options.pidDir
      ? join(this.options.pidDir, `${name}-${++this.seq}.pid`)
      : undefined;
    if (file) writeFileSync(file, `${pid}\n`);
    child.once('exit', () => {
      this.live.delete(pid);
      if (file) rmSync(file, { force: true });
    });
  }

  /** Starts a long-running process; `output()` of the returned handle is its recent output. */
  spawn(name: string, argv: string[], options: SpawnOptions = {}): Managed {
    const fd = options.log ? openSync(options.log, 'a') : undefined;
    let out = '';
    let child: ChildProcess;
    try {
      child = spawn(argv[0] as string, argv.slice(1), {
        cwd: options.cwd ?? this.options.cwd,
        env: options.env ?? process.env,
        detached: options.detached ?? false,
        stdio: fd === undefined ? ['ignore', 'pipe', 'pipe'] : ['ignore', fd, fd],
      });
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
    if (child.pid === undefined) throw new Error(`could not start ${argv.join(' ')}`);
    child.on('error', () => undefined);
    const keep = (d: Buffer): void => {
      out = (out + d.toString()).slice(-20_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    if (options.detached) child.unref();
    this.track(name, child);
    const pid = child.pid;
    const exited = new Promise<void>((resolve) => {
      if (exitOfChild(child) !== undefined) resolve();
      else child.once('exit', () => resolve());
    });
    const output = (): string => {
      if (!options.log) return out;
      try {
        return readFileSync(options.log, 'utf8').slice(-20_000);
      } catch {
        return '';
      }
    };
    return {
      pid,
      child,
      output,
      alive: () => exitOfChild(child) === undefined && isAlive(pid),
      exit: () => exitOfChild(child),
      exited,
      pause: () => void signal(pid, 'SIGSTOP'),
      resume: () => void signal(pid, 'SIGCONT'),
      kill: async (sig: NodeJS.Signals = 'SIGKILL', graceMs = 45_000) => {
        if (exitOfChild(child) !== undefined) return;
        signal(pid, 'SIGCONT');
        signal(pid, sig);
        const timer = setTimeout(() => signal(pid, 'SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      },
    };
  }

  /** Runs a command to its end (SIGKILLed after timeoutMs) and returns its output. */
  async run(
    name: string,
    argv: string[],
    timeoutMs: number,
    env: NodeJS.ProcessEnv = process.env,
  ): Promise<RunResult> {
    const child = spawn(argv[0] as string, argv.slice(1), {
      cwd: this.options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env,
    });
    this.track(name, child);
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr?.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const timer = setTimeout(() => {
      stderr += `\n[${name} exceeded ${timeoutMs / 1000} s; stopped]\n`;
      child.kill('SIGKILL');
    }, timeoutMs);
    const code = await new Promise<number | null>((resolve) => {
      child.once('error', (err) => {
        stderr += String(err);
        resolve(null);
      });
      child.once('close', (c) => resolve(c));
    });
    clearTimeout(timer);
    return { code, stdout, stderr };
  }

  /** Runs a command whose last stdout line is JSON; throws with its stderr when it fails. */
  async runJson<T>(name: string, argv: string[], timeoutMs: number): Promise<T> {
    const r = await this.run(name, argv, timeoutMs);
    const last = r.stdout.trim().split('\n').pop() ?? '';
    if (r.code !== 0 || !last.startsWith('{')) {
      throw new Error(`${name} failed (exit ${r.code}): ${r.stderr.trim().slice(-2000)}`);
    }
    return JSON.parse(last) as T;
  }

  /** Starts a server that prints one JSON line when ready; its stdin stays open (EOF = stop). */
  async startServer<T>(
    name: string,
    argv: string[],
    timeoutMs: number,
    env: NodeJS.ProcessEnv = process.env,
  ): Promise<{ child: ChildProcess; info: T }> {
    const child = spawn(argv[0] as string, argv.slice(1), {
      cwd: this.options.cwd,
      env,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    this.track(name, child);
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    try {
      for await (const line of lines) {
        if (line.startsWith('{')) return { child, info: JSON.parse(line) as T };
      }
      throw new Error(`${name} exited before it was ready`);
    } finally {
      clearTimeout(timer);
    }
  }

  /** SIGTERM (SIGKILL after 5 s) and wait for the exit. */
  async stop(child: ChildProcess): Promise<void> {
    if (exitOfChild(child) !== undefined || child.pid === undefined) return;
    const exited = once(child, 'exit');
    await stopPid(child.pid, 'SIGTERM', 5000);
    await exited;
  }

  /** Exit code (or signal) of a child started here, once it exited; undefined otherwise. */
  exitOf(pid: number): string | undefined {
    const child = this.started.get(pid);
    return child ? exitOfChild(child) : undefined;
  }

  /** Synchronous, for exit paths: SIGCONT + SIGTERM to every child still running, by pid. */
  killAllSync(): void {
    for (const pid of this.live.keys()) {
      signal(pid, 'SIGCONT');
      signal(pid, 'SIGTERM');
    }
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.live.values()].map((c) => this.stop(c)));
  }
}

/** A long-running child started by `Procs.spawn`. */
export interface Managed {
  pid: number;
  child: ChildProcess;
  /** Recent stdout and stderr (or the tail of its log file). */
  output(): string;
  alive(): boolean;
  /** `exit N` or the signal, once it exited. */
  exit(): string | undefined;
  exited: Promise<void>;
  /** SIGSTOP / SIGCONT, for fault tests. */
  pause(): void;
  resume(): void;
  /** SIGCONT + `sig` (SIGKILL by default), SIGKILL after graceMs; resolves at the exit. */
  kill(sig?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

/** One shared registry for callers that need no pid folder (tests, the drills). */
export const procs = new Procs();

/** Runs argv to its end, bounded by `timeoutMs` (then SIGKILLed). */
export function run(
  argv: string[],
  timeoutMs: number,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RunResult> {
  return procs.run(argv[0] ?? 'run', argv, timeoutMs, env);
}

/** Exit code (or signal) of a process started through `procs`, once it exited. */
export function exitOf(pid: number): string | undefined {
  return procs.exitOf(pid);
}
