// Child processes of the bench: each one's pid is written to <tmp>/pids/ (so the scripts/bench
// wrapper can stop it even if the bench itself is killed), each run is bounded by a timeout,
// and `stopAll` ends exactly the processes still running, by pid.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export class Procs {
  private readonly live = new Map<number, ChildProcess>();
  private seq = 0;
  private readonly pidDir: string;

  constructor(
    tmp: string,
    private readonly cwd: string,
  ) {
    this.pidDir = join(tmp, 'pids');
    mkdirSync(this.pidDir, { recursive: true });
  }

  private track(name: string, child: ChildProcess): void {
    const pid = child.pid;
    if (pid === undefined) return;
    const file = join(this.pidDir, `${name}-${++this.seq}.pid`);
    writeFileSync(file, `${pid}\n`);
    this.live.set(pid, child);
    child.once('exit', () => {
      this.live.delete(pid);
      rmSync(file, { force: true });
    });
  }

  /** Runs a command to its end (killed after timeoutMs) and returns its output. */
  async run(
    name: string,
    cmd: string,
    args: string[],
    timeoutMs: number,
    env: NodeJS.ProcessEnv = process.env,
  ): Promise<RunResult> {
    const child = spawn(cmd, args, { cwd: this.cwd, stdio: ['ignore', 'pipe', 'pipe'], env });
    this.track(name, child);
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr?.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const timer = setTimeout(() => {
      stderr += `\n[bench] ${name} exceeded ${timeoutMs / 1000} s; stopped\n`;
      this.kill(child);
    }, timeoutMs);
    const [code] = (await once(child, 'close')) as [number | null];
    clearTimeout(timer);
    return { code, stdout, stderr };
  }

  /** Runs a command whose last stdout line is JSON; throws with its stderr when it fails. */
  async runJson<T>(name: string, cmd: string, args: string[], timeoutMs: number): Promise<T> {
    const r = await this.run(name, cmd, args, timeoutMs);
    const last = r.stdout.trim().split('\n').pop() ?? '';
    if (r.code !== 0 || !last.startsWith('{')) {
      throw new Error(`${name} failed (exit ${r.code}): ${r.stderr.trim().slice(-2000)}`);
    }
    return JSON.parse(last) as T;
  }

  /** Starts a server that prints one JSON line when ready; its stdin is kept open (EOF = stop). */
  async startServer<T>(
    name: string,
    cmd: string,
    args: string[],
    timeoutMs: number,
  ): Promise<{ child: ChildProcess; info: T }> {
    const child = spawn(cmd, args, { cwd: this.cwd, stdio: ['pipe', 'pipe', 'inherit'] });
    this.track(name, child);
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => this.kill(child), timeoutMs);
    try {
      for await (const line of lines) {
        if (line.startsWith('{')) return { child, info: JSON.parse(line) as T };
      }
      throw new Error(`${name} exited before it was ready`);
    } finally {
      clearTimeout(timer);
    }
  }

  /** SIGTERM, then SIGKILL after 5 s, by pid. */
  kill(child: ChildProcess): void {
    const pid = child.pid;
    if (pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      return;
    }
    setTimeout(() => {
      if (this.live.has(pid)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }, 5000).unref();
  }

  async stop(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    this.kill(child);
    await exited;
  }

  /** Synchronous, for exit paths: SIGTERM every child still running, by pid. */
  killAllSync(): void {
    for (const pid of this.live.keys()) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.live.values()].map((c) => this.stop(c)));
  }
}
