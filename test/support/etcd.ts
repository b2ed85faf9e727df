// Test harness: starts a real etcd server on free loopback ports with a fresh data folder,
// waits until it answers, and on stop kills exactly that process and removes its data.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';

export interface EtcdHandle {
  endpoint: string;
  /** SIGSTOPs / SIGCONTs the server, for fault tests. */
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
}

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

export async function startEtcd(): Promise<EtcdHandle> {
  const dir = await mkdtemp(join(tmpdir(), 'callfs-etcd-'));
  const clientPort = await freePort();
  const peerPort = await freePort();
  const endpoint = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const proc: ChildProcess = spawn(
    'etcd',
    [
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
      'error',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGCONT');
      proc.kill('SIGKILL');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  const client = new Etcd3({ hosts: endpoint, dialTimeout: 500 });
  try {
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`etcd exited: ${stderr}`);
      try {
        await client.get('health-probe').string();
        break;
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`etcd not ready: ${String(err)} ${stderr}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } catch (err) {
    client.close();
    await stop();
    throw err;
  }
  client.close();
  return {
    endpoint,
    pause: () => proc.kill('SIGSTOP'),
    resume: () => proc.kill('SIGCONT'),
    stop,
  };
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
