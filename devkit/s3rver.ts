// A real S3-compatible server for tests, scripts and benchmarks: s3rver (npm; see docs/s3.md
// for why, and for what it lacks) in a child process on a free loopback port (unless given),
// its objects in a folder of its own, one bucket, one key pair. Ready once it prints that it
// listens; `stop` kills exactly that process and removes the folder it made.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from './node-process.js';
import { freePort, procs as sharedProcs, sleep, type Managed, type Procs } from './proc.js';

export const S3RVER_DEFAULT_ACCESS_KEY = 'callfs-dev-access';
export const S3RVER_DEFAULT_SECRET_KEY = 'callfs-dev-secret-key';

export interface S3rverOptions {
  /** Objects live in `<dir>/data`; default a fresh temp folder, removed by `stop`. */
  dir?: string;
  port?: number;
  bucket?: string;
  accessKey?: string;
  secretKey?: string;
  log?: string;
  procs?: Procs;
}

export interface S3rverProcess {
  /** `http://127.0.0.1:<port>`: give it as `s3_endpoint` (path-style addressing). */
  endpoint: string;
  bucket: string;
  accessKey: string;
  secretKey: string;
  region: string;
  dir: string;
  readonly pid: number;
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Kills it and removes the folder when it was made here. */
  stop(): Promise<void>;
}

export async function startS3rver(options: S3rverOptions = {}): Promise<S3rverProcess> {
  const procs = options.procs ?? sharedProcs;
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'callfs-s3rver-')));
  const port = options.port ?? (await freePort());
  const bucket = options.bucket ?? 'callfs-test';
  const accessKey = options.accessKey ?? S3RVER_DEFAULT_ACCESS_KEY;
  const secretKey = options.secretKey ?? S3RVER_DEFAULT_SECRET_KEY;
  const argv = [
    process.execPath,
    join(REPO, 'devkit/s3rver-main.cjs'),
    String(port),
    join(dir, 'data'),
    bucket,
    accessKey,
    secretKey,
  ];
  let proc: Managed | undefined;
  try {
    proc = procs.spawn('s3rver', argv, { cwd: REPO, log: options.log });
    await untilListening(proc);
  } catch (err) {
    await proc?.kill('SIGKILL');
    if (ownDir) await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const running = proc;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    accessKey,
    secretKey,
    region: 'us-east-1',
    dir,
    get pid() {
      return running.pid;
    },
    kill: (sig: NodeJS.Signals = 'SIGKILL') => running.kill(sig),
    stop: async () => {
      await running.kill('SIGKILL');
      if (ownDir) await rm(dir, { recursive: true, force: true });
    },
  };
}

async function untilListening(proc: Managed): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (/^listening \d+$/m.test(proc.output())) return;
    if (!proc.alive()) throw new Error(`s3rver exited: ${proc.output()}`);
    if (Date.now() > deadline) throw new Error(`s3rver not listening: ${proc.output()}`);
    await sleep(50);
  }
}
