// A node serves again right after a pause ends: etcd paused (SIGSTOP) then resumed, or the
// node process itself paused then resumed. The etcd client must not keep refusing calls for
// seconds once etcd answers again (its default circuit breaker stayed open for 5 s).
import { expect } from 'chai';
import { Etcd3 } from 'etcd3';
import { startEtcd, untilHung, type EtcdHandle } from '../support/etcd.js';
import { call } from '../support/http.js';
import { startChildNode, uniquePrefix, type ChildNode } from '../support/node.js';

const PAUSE_MS = 2_500;
/** Longer than the test lease TTL (3 s): the node must notice and register again. */
const NODE_PAUSE_MS = 4_000;
/** Attempts of a write after the pause, spaced ATTEMPT_GAP_MS apart. */
const ATTEMPTS = 10;
const ATTEMPT_GAP_MS = 100;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** How many PUT attempts it took to get a 2xx (Infinity when none of ATTEMPTS did). */
async function attemptsUntilWrite(base: string, path: string): Promise<number> {
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const res = await call(base, 'PUT', path, { body: `attempt ${attempt}` });
    await res.arrayBuffer();
    if (res.status === 200 || res.status === 201) return attempt;
    await sleep(ATTEMPT_GAP_MS);
  }
  return Infinity;
}

/** Waits until etcd answers a fresh client (the moment "etcd is back"). */
async function untilEtcdAnswers(endpoint: string): Promise<void> {
  const probe = new Etcd3({ hosts: endpoint, dialTimeout: 500 });
  try {
    for (let i = 0; i < 200; i++) {
      const ok = await probe.kv
        .range({ key: Buffer.from('resume-probe') }, { deadline: Date.now() + 500 })
        .then(
          () => true,
          () => false,
        );
      if (ok) return;
      await sleep(50);
    }
    throw new Error('etcd did not answer after it was resumed');
  } finally {
    probe.close();
  }
}

describe('cluster: serving again after a pause', function () {
  this.timeout(60_000);
  let etcd: EtcdHandle;
  let node: ChildNode;

  before(async () => {
    etcd = await startEtcd();
    node = await startChildNode({
      etcdEndpoint: etcd.endpoint,
      prefix: uniquePrefix(),
      instanceId: 'pause-1',
    });
  });
  after(async () => {
    await node?.stop();
    await etcd?.stop();
  });

  it('should accept a write within 10 attempts when etcd resumes from a pause', async () => {
    etcd.pause();
    try {
      await untilHung(etcd.endpoint);
      // Failed calls during the pause are what open the client's circuit breaker.
      const until = Date.now() + PAUSE_MS;
      while (Date.now() < until) {
        await (await call(node.url, 'GET', '/v1/files/paused.txt')).arrayBuffer();
      }
    } finally {
      etcd.resume();
    }
    await untilEtcdAnswers(etcd.endpoint);
    expect(await attemptsUntilWrite(node.url, '/v1/files/after-etcd-pause.txt')).to.be.at.most(
      ATTEMPTS,
    );
  });

  it('should accept a write within 10 attempts when the node resumes from a pause', async () => {
    node.proc.kill('SIGSTOP');
    try {
      await sleep(NODE_PAUSE_MS);
    } finally {
      node.proc.kill('SIGCONT');
    }
    expect(await attemptsUntilWrite(node.url, '/v1/files/after-node-pause.txt')).to.be.at.most(
      ATTEMPTS,
    );
  });
});
