// Small relayed Reads on one ReadMany stream per node (read-mux.ts, read-many.ts), against real
// grpc-js servers on loopback ports: answers matched to their requests, errors as a Read call
// gives them, and every way a stream can fail (cut, an older node, no answer) ending in a Read
// call or the call's own failure, never in a hang.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import { expect } from 'chai';
import { createAuthenticator } from '../../../src/auth/api-keys.js';
import {
  NotFoundError,
  OwnerUnavailableError,
  RangeNotSatisfiableError,
  WrongOwnerError,
} from '../../../src/files/errors.js';
import type { FilesApi, NodeRecord } from '../../../src/files/ports.js';
import { wholeBytesOf } from '../../../src/files/whole-body.js';
import type { NodeServiceHandlers } from '../../../src/generated/callfs/v1/NodeService.js';
import { GrpcOwnerClient, type GrpcOwnerClientOptions } from '../../../src/peer/client.js';
import { createPeerHandlers } from '../../../src/peer/file-handlers.js';
import type { PeerHandlerOptions } from '../../../src/peer/handler-context.js';
import { createNodeHandlers } from '../../../src/peer/node-handlers.js';
import { loadNodeProto, loadProto } from '../../../src/peer/proto.js';
import { serveReadMany } from '../../../src/peer/read-many.js';
import { startPeerServer } from '../../../src/peer/server.js';
import { pino } from 'pino';
import {
  FOREIGN_PATH,
  OTHER_ID,
  OWNER_ID,
  SEED,
  seededOwner,
} from '../../contract/owner-client-contract.js';
import { caller, readStream, rejection, writeFile, type FakeCluster } from '../../support/fakes.js';

const INTERNAL_SECRET = 'internal-secret-0123456789abcdef';
const READY_MS = 400;

/** Read calls and ReadMany streams this process's clients started. */
const started = { reads: 0, streams: 0 };
before(() => {
  const files = loadProto().callfs.v1.FileService.prototype as unknown as Record<string, unknown>;
  const nodes = loadNodeProto().callfs.v1.NodeService.prototype as unknown as Record<
    string,
    unknown
  >;
  const count = (proto: Record<string, unknown>, name: string, key: 'reads' | 'streams') => {
    const original = proto[name] as (...a: unknown[]) => unknown;
    proto[name] = function (this: unknown, ...a: unknown[]) {
      started[key]++;
      return original.apply(this, a);
    };
    return () => void (proto[name] = original);
  };
  const undo = [count(files, 'Read', 'reads'), count(nodes, 'ReadMany', 'streams')];
  after(() => undo.forEach((u) => u()));
});
const counts = (): { reads: number; streams: number } => ({ ...started });
const since = (from: { reads: number; streams: number }) => ({
  reads: started.reads - from.reads,
  streams: started.streams - from.streams,
});

interface Holder {
  node: NodeRecord;
  stop(): Promise<void>;
}

/**
 * A node holding the seeded files: FileService as a node serves it, and NodeService with
 * `readMany` as its ReadMany (the real one by default; none at all: an older node).
 */
async function startHolder(
  files: FilesApi,
  record: NodeRecord,
  readMany?: (o: PeerHandlerOptions) => NodeServiceHandlers['ReadMany'] | null,
): Promise<Holder> {
  const o: PeerHandlerOptions = {
    files,
    auth: createAuthenticator({ apiKeys: [], apiKeyUsers: {}, internalSecret: INTERNAL_SECRET }),
    chunkSize: 64 * 1024,
    writeIdleTimeoutMs: 60_000,
    readAcceptAfterMs: READY_MS / 3,
  };
  const server = new grpc.Server();
  server.addService(loadProto().callfs.v1.FileService.service, createPeerHandlers(o));
  const handler: NodeServiceHandlers['ReadMany'] | null = readMany
    ? readMany(o)
    : (call) => serveReadMany(o, call);
  if (handler !== null) {
    server.addService(loadNodeProto().callfs.v1.NodeService.service, {
      ...createNodeHandlers(o),
      ReadMany: handler,
    });
  }
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  return {
    node: { ...record, grpc_addr: `127.0.0.1:${port}` },
    stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}

function newClient(o: Partial<GrpcOwnerClientOptions> = {}): GrpcOwnerClient {
  return new GrpcOwnerClient({
    internalSecret: INTERNAL_SECRET,
    chunkSize: 64 * 1024,
    flowControlWindow: 1024 * 1024,
    readyTimeoutMs: READY_MS,
    keepaliveTimeMs: 10_000,
    writeIdleTimeoutMs: 60_000,
    readMany: { reopenAfterMs: 50 },
    ...o,
  });
}

describe('GrpcOwnerClient small reads on a ReadMany stream', function () {
  this.timeout(10_000);
  let cluster: FakeCluster;
  let files: FilesApi;
  let record: NodeRecord;
  const small = Array.from({ length: 40 }, (_, i) => ({
    path: `/many/f${i}.bin`,
    bytes: randomBytes(1 + i * 97),
  }));
  const alice = caller(SEED.user);
  const cleanup: Array<() => Promise<void> | void> = [];

  before(async () => {
    let node;
    ({ cluster, node } = await seededOwner());
    files = node.files;
    record = node.record;
    for (const f of small) await writeFile(files, alice, f.path, f.bytes);
  });
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });
  after(() => cluster.close());

  async function holder(readMany?: Parameters<typeof startHolder>[2]): Promise<NodeRecord> {
    const h = await startHolder(files, record, readMany);
    cleanup.push(() => h.stop());
    return h.node;
  }
  function client(o: Partial<GrpcOwnerClientOptions> = {}): GrpcOwnerClient {
    const c = newClient(o);
    cleanup.push(() => c.close());
    return c;
  }
  async function readAll(c: GrpcOwnerClient, node: NodeRecord, times = 5): Promise<void> {
    const reads = [];
    for (let t = 0; t < times; t++) {
      for (const f of small) {
        reads.push(
          c.read(node, alice, f.path).then(({ body }) => {
            const bytes = wholeBytesOf(body);
            expect(bytes, f.path).to.not.equal(undefined);
            expect(bytes!.equals(f.bytes), f.path).to.equal(true);
          }),
        );
      }
    }
    await Promise.all(reads);
  }

  it('should answer many concurrent reads each with its own bytes on one stream', async () => {
    const node = await holder();
    const c = client();
    const from = counts();
    await readAll(c, node);
    expect(since(from)).to.deep.equal({ reads: 0, streams: 1 });
  });

  it('should give the exact span when a small range is read on the stream', async () => {
    const node = await holder();
    const c = client();
    const from = counts();
    const { body, range, info } = await c.read(node, alice, SEED.path, {
      range: { offset: 1000, length: 500 },
    });
    expect(range).to.deep.equal({ start: 1000, end: 1499 });
    expect(info.size).to.equal(SEED.bytes.length);
    expect((await readStream(body)).equals(SEED.bytes.subarray(1000, 1500))).to.equal(true);
    expect(since(from)).to.deep.equal({ reads: 0, streams: 1 });
  });

  it('should read a file over 64 KiB by a Read call when the node answers use_call', async () => {
    const node = await holder();
    const c = client();
    const from = counts();
    const { body } = await c.read(node, alice, SEED.path);
    expect((await readStream(body)).equals(SEED.bytes)).to.equal(true);
    expect(since(from)).to.deep.equal({ reads: 1, streams: 1 });
  });

  it('should read a file known to be over 64 KiB by a call at once, until a call shows it small', async () => {
    let requests = 0;
    const node = await holder((o) => (call) => {
      call.on('data', () => requests++);
      serveReadMany(o, call);
    });
    const c = client();
    const path = '/many/changes.bin';
    const big = randomBytes(100 * 1024);
    await writeFile(files, alice, path, big);
    const read = async (o?: Parameters<GrpcOwnerClient['read']>[3]) =>
      readStream((await c.read(node, alice, path, o)).body);
    expect((await read()).equals(big)).to.equal(true);
    expect((await read()).equals(big)).to.equal(true);
    expect(requests).to.equal(1);
    // A small range of it is still one message.
    const span = await read({ range: { offset: 10, length: 100 } });
    expect(span.equals(big.subarray(10, 110))).to.equal(true);
    expect(requests).to.equal(2);
    const small = Buffer.from('small now');
    await writeFile(files, alice, path, small);
    expect((await read()).equals(small)).to.equal(true);
    expect((await read()).equals(small)).to.equal(true);
    expect(requests).to.equal(3);
  });

  it('should answer not modified on the stream as the call does', async () => {
    const node = await holder();
    const c = client();
    const { info } = await c.read(node, alice, small[0]!.path);
    const res = await c.read(node, alice, small[0]!.path, {
      conditions: { ifNoneMatch: [info.etag] },
    });
    expect(res.notModified).to.equal(true);
    expect((await readStream(res.body)).length).to.equal(0);
  });

  it('should reject with the same errors as the Read call when the node refuses', async () => {
    const node = await holder();
    const onStream = client();
    const byCall = client({ readMany: false });
    const cases = [
      ['/many/missing.bin', undefined],
      [small[3]!.path, { range: { offset: 1_000_000 } }],
      [FOREIGN_PATH, undefined],
    ] as const;
    const from = counts();
    const viaStream = await Promise.all(
      cases.map(([p, o]) => rejection(onStream.read(node, alice, p, o))),
    );
    expect(since(from)).to.deep.equal({ reads: 0, streams: 1 });
    const viaCall = await Promise.all(
      cases.map(([p, o]) => rejection(byCall.read(node, alice, p, o))),
    );
    expect(viaStream[0]).to.be.instanceOf(NotFoundError);
    expect(viaStream[1]).to.be.instanceOf(RangeNotSatisfiableError);
    expect((viaStream[1] as RangeNotSatisfiableError).size).to.equal(small[3]!.bytes.length);
    expect(viaStream[2]).to.be.instanceOf(WrongOwnerError);
    expect((viaStream[2] as WrongOwnerError).instanceId).to.equal(OTHER_ID);
    const shape = (e: unknown) => {
      const err = e as Error & { code: string };
      return [err.constructor.name, err.code, err.message, JSON.stringify(err)];
    };
    expect(viaStream.map(shape)).to.deep.equal(viaCall.map(shape));
  });

  it('should read every pending request by a Read call when the node cuts the stream', async () => {
    let cuts = 0;
    const node = await holder((o) => (call) => {
      if (cuts > 0) return serveReadMany(o, call);
      // The first stream takes requests, answers none, and is reset after a while.
      call.on('data', () => undefined);
      setTimeout(() => {
        cuts++;
        call.emit('error', { code: grpc.status.UNAVAILABLE, details: 'reset' });
      }, 100);
    });
    const c = client();
    const from = counts();
    await readAll(c, node, 1);
    expect(since(from)).to.deep.equal({ reads: small.length, streams: 1 });
    // The stream is opened again, lazily, once the reopen pause has passed.
    await sleep(80);
    const again = counts();
    await readAll(c, node, 2);
    expect(since(again)).to.deep.equal({ reads: 0, streams: 1 });
  });

  it('should read by Read calls, and stop asking for a stream, when an older node lacks ReadMany', async () => {
    const node = await holder(() => null);
    const c = client();
    const from = counts();
    await readAll(c, node, 1);
    await sleep(80);
    await readAll(c, node, 1);
    expect(since(from)).to.deep.equal({ reads: 2 * small.length, streams: 1 });
  });

  it('should reject with OwnerUnavailableError naming the node when no answer comes within the ready timeout', async () => {
    const node = await holder(() => (call) => call.on('data', () => undefined));
    const c = client();
    const t0 = Date.now();
    const err = await rejection(c.read(node, alice, small[0]!.path));
    const took = Date.now() - t0;
    expect(err).to.be.instanceOf(OwnerUnavailableError);
    expect((err as OwnerUnavailableError).instanceId).to.equal(OWNER_ID);
    expect(took).to.be.within(READY_MS - 5, READY_MS * 1.25 + 200);
    // The stream that left an answer that long was cut: the next reads go by calls.
    const from = counts();
    await readAll(c, node, 1);
    expect(since(from).reads).to.equal(small.length);
  });

  it('should read by a Read call when the node does not answer within a third of the ready timeout', async () => {
    let slow = true;
    const slowed = Object.create(files, {
      read: {
        value: async (...a: Parameters<FilesApi['read']>) => {
          if (slow) {
            slow = false;
            await sleep(READY_MS / 2);
          }
          return files.read(...a);
        },
      },
    }) as FilesApi;
    const h = await startHolder(slowed, record);
    cleanup.push(() => h.stop());
    const c = client();
    const from = counts();
    const { body } = await c.read(h.node, alice, small[5]!.path);
    expect((await readStream(body)).equals(small[5]!.bytes)).to.equal(true);
    expect(since(from)).to.deep.equal({ reads: 1, streams: 1 });
  });

  it("should drop a pending read and reject it when the caller's signal aborts", async () => {
    const node = await holder(() => (call) => call.on('data', () => undefined));
    const c = client();
    const ac = new AbortController();
    const pending = rejection(c.read(node, { ...alice, signal: ac.signal }, small[0]!.path));
    await sleep(20);
    ac.abort();
    const err = await pending;
    expect(err).to.be.instanceOf(OwnerUnavailableError);
  });

  it('should read by Read calls what is over the in-flight bound of the stream', async () => {
    const node = await holder();
    const c = client({ readMany: { maxInFlight: 4 } });
    const from = counts();
    await readAll(c, node, 1);
    expect(since(from)).to.deep.equal({ reads: small.length - 4, streams: 1 });
  });

  it('should refuse a ReadMany stream without the internal secret', async () => {
    const node = await holder();
    const Ctor = loadNodeProto().callfs.v1.NodeService;
    const raw = new Ctor(node.grpc_addr, grpc.credentials.createInsecure());
    cleanup.push(() => raw.close());
    const md = new grpc.Metadata();
    md.set('authorization', 'Bearer not-the-secret-0123456789abcdef');
    const stream = raw.ReadMany(md);
    stream.write({ id: 1, user: 'alice', read: { path: small[0]!.path } });
    const status = await new Promise<grpc.StatusObject>((resolve) => {
      stream.on('error', () => undefined);
      stream.on('data', () => undefined);
      stream.on('status', resolve);
    });
    expect(status.code).to.equal(grpc.status.UNAUTHENTICATED);
    expect(status.metadata.get('x-callfs-code')).to.deep.equal(['AUTHENTICATION_FAILED']);
  });

  it('should end the open streams, and shut down at once, when the node that holds the files stops', async () => {
    const server = await startPeerServer(
      {
        files,
        auth: createAuthenticator({
          apiKeys: [],
          apiKeyUsers: {},
          internalSecret: INTERNAL_SECRET,
        }),
        logger: pino({ level: 'silent' }),
        chunkSize: 64 * 1024,
        flowControlWindow: 1024 * 1024,
        writeIdleTimeoutMs: 60_000,
      },
      '127.0.0.1',
      0,
    );
    const node = { ...record, grpc_addr: `127.0.0.1:${server.port}` };
    const c = client();
    const from = counts();
    await readAll(c, node, 1);
    expect(since(from)).to.deep.equal({ reads: 0, streams: 1 });
    const t0 = Date.now();
    await server.close();
    // Without the streams ended by the server, its graceful shutdown waits for its 5 s bound.
    expect(Date.now() - t0).to.be.below(2000);
  });
});
