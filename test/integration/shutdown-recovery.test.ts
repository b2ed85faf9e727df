// A node resumes, once it serves, the directory moves its start-up found journaled. Stopped
// while such a move still runs, it must not return from close() (and release its lease and
// etcd client) under the job: the job would go on writing to etcd and other nodes after the
// node is gone, or race the node's next start. Here the move's disk step on another node is
// held by a fake NodeService until the node says it waits for the job.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import * as grpc from '@grpc/grpc-js';
import { expect } from 'chai';
import pino from 'pino';
import { inodeKey, nodeKey } from '../../src/metadata/keys.js';
import { SHUTDOWN_WAITS_FOR_JOBS, startNode } from '../../src/node.js';
import { loadNodeProto } from '../../src/peer/proto.js';
import { etcdPerSuite } from '../support/etcd.js';
import { call } from '../support/http.js';
import { startInProcessNode, testConfig, uniquePrefix } from '../support/node.js';

interface HeldNodeService {
  addr: string;
  /** Resolves once an ApplyMove call arrived (and was accepted). */
  asked: Promise<void>;
  /** Answers the held call. */
  release(): void;
  close(): Promise<void>;
}

/** A NodeService whose ApplyMove is accepted at once and answered only when released. */
async function heldNodeService(): Promise<HeldNodeService> {
  let arrived!: () => void;
  const asked = new Promise<void>((resolve) => (arrived = resolve));
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const server = new grpc.Server();
  server.addService(loadNodeProto().callfs.v1.NodeService.service, {
    ApplyMove: (
      call: grpc.ServerUnaryCall<unknown, unknown>,
      cb: grpc.sendUnaryData<{ files: number }>,
    ) => {
      call.sendMetadata(new grpc.Metadata());
      arrived();
      void released.then(() => cb(null, { files: 0 }));
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  return {
    addr: `127.0.0.1:${port}`,
    asked,
    release,
    close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}

describe('a node stopped while start-up recovery still runs', function () {
  this.timeout(60_000);
  const suite = etcdPerSuite();

  it('should return from close only after a resumed directory move ends when its step is still held', async () => {
    const prefix = uniquePrefix();
    const fake = await heldNodeService();
    const root = await mkdtemp(join(tmpdir(), 'callfs-shutdown-'));
    const client = suite.raw;
    const etcd = suite.etcd;
    try {
      const first = await startInProcessNode(etcd.endpoint, { prefix, instanceId: 'node-1' });
      const put = await call(first.url, 'PUT', '/v1/files/d/f.txt', { body: 'bytes' });
      expect(put.status).to.equal(201);
      await first.stop();
      // While node-1 is stopped: the file belongs to node-2 (the fake), and a move of its
      // folder was journaled by node-1, which resumes it once it serves again.
      const key = inodeKey(prefix, '/d/f.txt');
      const inode = JSON.parse((await client.get(key).string())!) as Record<string, unknown>;
      await client.put(key).value(JSON.stringify({ ...inode, instance_id: 'node-2' }));
      await client.put(nodeKey(prefix, 'node-2')).value(
        JSON.stringify({
          http_url: 'http://127.0.0.1:9',
          grpc_addr: fake.addr,
          backends: ['localfs'],
          started: Date.now(),
        }),
      );
      await client
        .put(`${prefix}ops/resumed`)
        .value(
          JSON.stringify({ type: 'move-dir', node: 'node-1', from: '/d', to: '/e', user: 'u' }),
        );

      let waits!: () => void;
      const waiting = new Promise<void>((resolve) => (waits = resolve));
      const logs = new Writable({
        write(line: Buffer, _enc, done) {
          if ((JSON.parse(line.toString()) as { msg?: string }).msg === SHUTDOWN_WAITS_FOR_JOBS)
            waits();
          done();
        },
      });
      const config = testConfig({
        etcdEndpoint: etcd.endpoint,
        prefix,
        instanceId: 'node-1',
        root,
      });
      const node = await startNode(config, pino({ level: 'info' }, logs));
      await fake.asked;

      const events: string[] = [];
      const closing = node.close().then(() => events.push('closed'));
      await Promise.race([closing, waiting.then(() => events.push('close waits'))]);
      fake.release();
      events.push('step answered');
      await closing;
      expect(events).to.deep.equal(['close waits', 'step answered', 'closed']);
      // The job ran to its end before the node let go of etcd.
      const [job, moved] = await Promise.all([
        client.get(`${prefix}ops/resumed`).string(),
        client.get(inodeKey(prefix, '/e/f.txt')).string(),
      ]);
      expect([job, moved === null]).to.deep.equal([null, false]);
    } finally {
      fake.release();
      await fake.close();
      await rm(root, { recursive: true, force: true });
    }
  });
});
