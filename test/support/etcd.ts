// Test harness: a real etcd on free loopback ports with a fresh data folder (devkit/etcd.ts,
// shared with the scripts and the bench); `stop` kills exactly that process and removes it.
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

export async function startEtcd(): Promise<EtcdHandle> {
  const etcd = await startEtcdProcess();
  return {
    endpoint: etcd.endpoint,
    pause: () => etcd.pause(),
    resume: () => etcd.resume(),
    stop: () => etcd.stop(),
  };
}
