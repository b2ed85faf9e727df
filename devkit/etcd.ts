// A real single-member etcd for tests, drills and benchmarks: free loopback ports (unless given),
// a data folder of its own, ready once a read answers; pause/resume/kill/restart by pid, and
// `stop` kills exactly that process and removes the folder it made.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { freePort, procs as sharedProcs, sleep, type Managed, type Procs } from './proc.js';

export interface EtcdOptions {
  /** Data lives in `<dir>/data`; default a fresh temp folder, removed by `stop`. */
  dir?: string;
  clientPort?: number;
  peerPort?: number;
  /** Append etcd's output to this file (else the last 20 kB are kept in memory). */
  log?: string;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  procs?: Procs;
}

export interface EtcdProcess {
  endpoint: string;
  dir: string;
  readonly pid: number;
  readonly process: Managed;
  pause(): void;
  resume(): void;
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same ports and data (after `kill`). */
  restart(): Promise<void>;
  /** Kills it and removes the folder when it was made here. */
  stop(): Promise<void>;
}

export async function startEtcd(options: EtcdOptions = {}): Promise<EtcdProcess> {
  const procs = options.procs ?? sharedProcs;
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'callfs-etcd-')));
  const clientPort = options.clientPort ?? (await freePort());
  const peerPort = options.peerPort ?? (await freePort());
  const endpoint = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const argv = [
    'etcd',
    '--name',
    'n1',
    '--data-dir',
    join(dir, 'data'),
    '--listen-client-urls',
    endpoint,
    '--advertise-client-urls',
    endpoint,
    '--listen-peer-urls',
    peer,
    '--initial-advertise-peer-urls',
    peer,
    '--initial-cluster',
    `n1=${peer}`,
    '--log-level',
    options.logLevel ?? 'error',
  ];
  let proc!: Managed;
  const launch = async (): Promise<void> => {
    proc = procs.spawn('etcd', argv, { log: options.log });
    try {
      await untilAnswering(endpoint, proc);
    } catch (err) {
      await proc.kill('SIGKILL');
      throw err;
    }
  };
  const stop = async (): Promise<void> => {
    await proc?.kill('SIGKILL');
    if (ownDir) await rm(dir, { recursive: true, force: true });
  };
  try {
    await launch();
  } catch (err) {
    if (ownDir) await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    endpoint,
    dir,
    get pid() {
      return proc.pid;
    },
    get process() {
      return proc;
    },
    pause: () => proc.pause(),
    resume: () => proc.resume(),
    kill: (sig: NodeJS.Signals = 'SIGKILL') => proc.kill(sig),
    restart: launch,
    stop,
  };
}

async function untilAnswering(endpoint: string, proc: Managed): Promise<void> {
  const client = new Etcd3({ hosts: endpoint, dialTimeout: 500 });
  try {
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (!proc.alive()) throw new Error(`etcd exited: ${proc.output()}`);
      try {
        await client.get('health-probe').string();
        return;
      } catch (err) {
        if (Date.now() > deadline)
          throw new Error(`etcd not ready: ${String(err)} ${proc.output()}`);
        await sleep(100);
      }
    }
  } finally {
    client.close();
  }
}

/** Waits until a paused etcd really stops answering (SIGSTOP can land late on a busy host). */
export async function untilHung(endpoint: string): Promise<void> {
  const probe = new Etcd3({ hosts: endpoint });
  try {
    for (const until = Date.now() + 5_000; Date.now() < until;) {
      const answered = await probe.kv
        .range({ key: Buffer.from('hung-probe') }, { deadline: Date.now() + 200 })
        .then(
          () => true,
          () => false,
        );
      if (!answered) return;
    }
    throw new Error('etcd kept answering after it was paused');
  } finally {
    probe.close();
  }
}
