// Process helpers of the reliability drills and the soak: signal a pid, tell whether it is
// still alive (a zombie is not), wait for it to exit, and start a detached process in its own
// session with its output appended to a log. Every wait is bounded.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Alive and not a zombie (pid 1 of a container may never reap orphans). */
export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2);
    return !rest.startsWith('Z');
  } catch {
    return false;
  }
}

/** The command line of a live process, or null. */
export function cmdlineOf(pid: number): string[] | null {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    const parts = raw.split('\0');
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

/** Children this process launched, so their exit codes can be read. */
const launched = new Map<number, ChildProcess>();

/** Exit code (or signal) of a process launched here, once it exited; undefined otherwise. */
export function exitOf(pid: number): string | undefined {
  const child = launched.get(pid);
  if (!child) return undefined;
  if (child.exitCode !== null) return `exit ${child.exitCode}`;
  if (child.signalCode !== null) return child.signalCode;
  return undefined;
}

/** Starts argv in its own session (setsid), output appended to `log`; returns its pid. */
export function launchDetached(argv: string[], log: string, env: NodeJS.ProcessEnv): number {
  const fd = openSync(log, 'a');
  try {
    const child = spawn(argv[0] as string, argv.slice(1), {
      detached: true,
      stdio: ['ignore', fd, fd],
      env,
    });
    if (child.pid === undefined) throw new Error(`could not start ${argv.join(' ')}`);
    child.on('error', () => undefined);
    child.unref();
    launched.set(child.pid, child);
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

/** Runs a command to its end, bounded by `timeoutMs` (then SIGKILLed). */
export async function run(
  argv: string[],
  timeoutMs: number,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(argv[0] as string, argv.slice(1), {
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr?.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const timer = setTimeout(() => {
    stderr += `\n[timeout after ${timeoutMs} ms]`;
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
