// Test harness: a real etcd on free loopback ports with a fresh data folder (devkit/etcd.ts,
// shared with the scripts and the bench); `stop` kills exactly that process and removes it.
// The data folder is in memory (/dev/shm) where the host has one: every write to etcd is an
// fsync, and on a disk shared with other work each one costs milliseconds that nothing the
// tests check depends on (a killed etcd process keeps its data either way).
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { startEtcd as startEtcdProcess } from '../../devkit/etcd.js';

export { freePort } from '../../devkit/proc.js';
export { untilHung } from '../../devkit/etcd.js';

export interface EtcdHandle {
  endpoint: string;
  /** SIGSTOPs / SIGCONTs the server, for fault tests. */
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
}

const MEMORY_DIR = '/dev/shm';

export async function startEtcd(): Promise<EtcdHandle> {
  const base = existsSync(MEMORY_DIR) ? MEMORY_DIR : tmpdir();
  const dir = await mkdtemp(join(base, 'callfs-etcd-'));
  const removeDir = (): Promise<void> => rm(dir, { recursive: true, force: true });
  let etcd;
  try {
    etcd = await startEtcdProcess({ dir });
  } catch (err) {
    await removeDir();
    throw err;
  }
  return {
    endpoint: etcd.endpoint,
    pause: () => etcd.pause(),
    resume: () => etcd.resume(),
    stop: async () => {
      await etcd.stop();
      await removeDir();
    },
  };
}

export interface SuiteEtcd {
  /** The etcd of the suite (started by its `before` hook). */
  readonly etcd: EtcdHandle;
  /** A plain etcd3 client on it, for set-up and assertions below the adapter. */
  readonly raw: Etcd3;
  /** A key prefix no other test of the suite uses: `/<tag><n>/`. */
  prefix(tag: string): string;
}

/**
 * One etcd for the enclosing `describe`: started in its `before` hook with a plain client,
 * both stopped in its `after` hook. Call it at the top of the describe body.
 */
export function etcdPerSuite(): SuiteEtcd {
  let etcd: EtcdHandle | undefined;
  let raw: Etcd3 | undefined;
  let seq = 0;
  before(async () => {
    etcd = await startEtcd();
    raw = new Etcd3({ hosts: etcd.endpoint });
  });
  after(async () => {
    raw?.close();
    await etcd?.stop();
  });
  const started = <T>(v: T | undefined): T => {
    if (v === undefined) throw new Error('the suite etcd is used before its before hook ran');
    return v;
  };
  return {
    get etcd() {
      return started(etcd);
    },
    get raw() {
      return started(raw);
    },
    prefix: (tag) => `/${tag}${++seq}/`,
  };
}
