// Runs the OwnerClient contract on the in-process reference client and on the gRPC client
// talking to a real peer server on a loopback port, plus what only a transport can get wrong:
// a refused port, the internal secret, and the caller's identity travelling in call metadata.
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import * as grpc from '@grpc/grpc-js';
import { expect } from 'chai';
import { pino } from 'pino';
import { createAuthenticator } from '../../../src/auth/api-keys.js';
import {
  AuthenticationError,
  InternalError,
  OwnerUnavailableError,
  PermissionDeniedError,
} from '../../../src/files/errors.js';
import { InProcessOwnerClient } from '../../../src/files/in-process-owner-client.js';
import type { FilesApi, NodeRecord, ReadResult } from '../../../src/files/ports.js';
import { wholeBody, wholeBytesOf } from '../../../src/files/whole-body.js';
import { GrpcOwnerClient, type GrpcOwnerClientOptions } from '../../../src/peer/client.js';
import { startPeerServer, type PeerServer } from '../../../src/peer/server.js';
import { loadProto } from '../../../src/peer/proto.js';
import type { FileServiceClient } from '../../../src/generated/callfs/v1/FileService.js';
import type { ReadRequest } from '../../../src/generated/callfs/v1/ReadRequest.js';
import type {
  ReadResponse,
  ReadResponse__Output,
} from '../../../src/generated/callfs/v1/ReadResponse.js';
import {
  OWNER_ID,
  SEED,
  ownerClientContract,
  seededOwner,
} from '../../contract/owner-client-contract.js';
import { freePort } from '../../support/etcd.js';
import {
  caller,
  fakeCluster,
  readStream,
  rejection,
  sha256,
  writeFile,
  type FakeCluster,
} from '../../support/fakes.js';

const INTERNAL_SECRET = 'internal-secret-0123456789abcdef';
const API_KEY = 'api-key-0123456789abcdef';

function clientOptions(overrides: Partial<GrpcOwnerClientOptions> = {}): GrpcOwnerClientOptions {
  return {
    internalSecret: INTERNAL_SECRET,
    chunkSize: 64 * 1024,
    flowControlWindow: 1024 * 1024,
    readyTimeoutMs: 5_000,
    keepaliveTimeMs: 10_000,
    writeIdleTimeoutMs: 60_000,
    ...overrides,
  };
}

async function startOwnerServer(
  cluster: FakeCluster,
  files: FilesApi = cluster.node(OWNER_ID).files,
  chunkSize = 64 * 1024,
): Promise<PeerServer> {
  return startPeerServer(
    {
      files,
      auth: createAuthenticator({
        apiKeys: [API_KEY],
        apiKeyUsers: {},
        internalSecret: INTERNAL_SECRET,
      }),
      logger: pino({ level: 'silent' }),
      chunkSize,
      flowControlWindow: 1024 * 1024,
      writeIdleTimeoutMs: 60_000,
    },
    '127.0.0.1',
    0,
  );
}

ownerClientContract('InProcessOwnerClient', async () => {
  const { cluster, node } = await seededOwner();
  return {
    client: new InProcessOwnerClient((id) => (id === OWNER_ID ? node.files : undefined)),
    owner: node.record,
    ownerFiles: node.files,
    cleanup: () => cluster.close(),
  };
});

ownerClientContract('GrpcOwnerClient', async () => {
  const { cluster, node } = await seededOwner();
  const server = await startOwnerServer(cluster);
  const client = new GrpcOwnerClient(clientOptions());
  return {
    client,
    owner: { ...node.record, grpc_addr: `127.0.0.1:${server.port}` },
    ownerFiles: node.files,
    cleanup: async () => {
      client.close();
      await server.close();
      await cluster.close();
    },
  };
});

describe('InProcessOwnerClient', () => {
  it('should reject with OwnerUnavailableError naming the owner when the resolver does not know it', async () => {
    const cluster = await fakeCluster(['n1']);
    const client = new InProcessOwnerClient(() => undefined);
    const err = await rejection(client.stat(cluster.node('n1').record, caller('alice'), '/x'));
    await cluster.close();
    expect(err).to.be.instanceOf(OwnerUnavailableError);
    expect((err as OwnerUnavailableError).instanceId).to.equal('n1');
  });
});

describe('GrpcOwnerClient transport', function () {
  // The ready deadline is far longer than the test timeout, so a refused port that waited
  // for the deadline instead of failing at once would fail these tests.
  this.timeout(10_000);
  let cluster: FakeCluster;
  let server: PeerServer;
  let owner: NodeRecord;
  let refused: NodeRecord;
  const clients: GrpcOwnerClient[] = [];
  const newClient = (o: Partial<GrpcOwnerClientOptions> = {}): GrpcOwnerClient => {
    const c = new GrpcOwnerClient(clientOptions(o));
    clients.push(c);
    return c;
  };

  before(async () => {
    ({ cluster } = await seededOwner());
    server = await startOwnerServer(cluster);
    owner = { ...cluster.node(OWNER_ID).record, grpc_addr: `127.0.0.1:${server.port}` };
    refused = { ...owner, instance_id: 'gone-node', grpc_addr: `127.0.0.1:${await freePort()}` };
  });
  after(async () => {
    for (const c of clients) c.close();
    await server?.close();
    await cluster?.close();
  });

  it('should reject stat with OwnerUnavailableError naming the owner when its port refuses', async () => {
    const client = newClient({ readyTimeoutMs: 60_000 });
    const err = await rejection(client.stat(refused, caller('alice'), SEED.path));
    expect(err).to.be.instanceOf(OwnerUnavailableError);
    expect((err as OwnerUnavailableError).instanceId).to.equal('gone-node');
  });

  it('should reject read with OwnerUnavailableError naming the owner when its port refuses', async () => {
    const client = newClient({ readyTimeoutMs: 60_000 });
    const err = await rejection(client.read(refused, caller('alice'), SEED.path));
    expect(err).to.be.instanceOf(OwnerUnavailableError);
    expect((err as OwnerUnavailableError).instanceId).to.equal('gone-node');
  });

  it('should reject openWrite with OwnerUnavailableError naming the owner when its port refuses', async () => {
    const client = newClient({ readyTimeoutMs: 60_000 });
    const err = await rejection(
      client.openWrite(refused, caller('alice'), {
        path: SEED.path,
        write_mode: 'WRITE_MODE_CREATE_OR_REPLACE',
        expected_size: 1,
      }),
    );
    expect(err).to.be.instanceOf(OwnerUnavailableError);
    expect((err as OwnerUnavailableError).instanceId).to.equal('gone-node');
  });

  it('should reject remove with OwnerUnavailableError naming the owner when its port refuses', async () => {
    const client = newClient({ readyTimeoutMs: 60_000 });
    const err = await rejection(client.remove(refused, caller('alice'), SEED.path));
    expect(err).to.be.instanceOf(OwnerUnavailableError);
    expect((err as OwnerUnavailableError).instanceId).to.equal('gone-node');
  });

  it('should reject with AuthenticationError when the internal secret is wrong', async () => {
    const client = newClient({ internalSecret: 'not-the-secret-0123456789abcdef' });
    const err = await rejection(client.stat(owner, caller('alice'), SEED.path));
    expect(err).to.be.instanceOf(AuthenticationError);
    expect((err as AuthenticationError).code).to.equal('AUTHENTICATION_FAILED');
  });

  it('should reject stageFile once, with nothing unhandled, when the target refuses while the body is still being read', async () => {
    // The target answers at once (wrong secret) while the source is still waiting for its disk:
    // the call's rejection must be held until the sender looks at it, or the process dies of an
    // unhandled rejection (a node crashed this way when a drain's moves were refused).
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => {
      unhandled.push(reason);
    };
    process.prependListener('unhandledRejection', onUnhandled);
    try {
      const client = newClient({ internalSecret: 'not-the-secret-0123456789abcdef' });
      let bodyDone = false;
      const slowBody = async function* (): AsyncGenerator<Buffer> {
        try {
          await new Promise((r) => setTimeout(r, 300));
          yield Buffer.alloc(1024, 1);
        } finally {
          bodyDone = true;
        }
      };
      const err = await rejection(
        client.stageFile(
          owner,
          { stageId: 'st-1', path: '/x/staged', gen: 1, size: 1024 },
          slowBody(),
        ),
      );
      expect(err).to.be.instanceOf(AuthenticationError);
      await new Promise((r) => setTimeout(r, 50));
      expect(unhandled, 'unhandled rejections').to.deep.equal([]);
      expect(bodyDone, 'the body was closed').to.equal(true);
    } finally {
      process.removeListener('unhandledRejection', onUnhandled);
    }
  });

  it('should act as the original user, not the internal user, when the owner authorizes', async () => {
    // The internal secret alone would be the admin `internal-proxy`; carrying bob must deny.
    const err = await rejection(newClient().remove(owner, caller('bob'), SEED.path));
    expect(err).to.be.instanceOf(PermissionDeniedError);
  });

  it('should record the original user as owner when a file is created through the client', async () => {
    const session = await newClient().openWrite(owner, caller('dave'), {
      path: '/dave/x.txt',
      write_mode: 'WRITE_MODE_CREATE_ONLY',
      expected_size: 1,
    });
    await session.write(
      (async function* () {
        yield Buffer.from('x');
      })(),
    );
    const info = await cluster.node(OWNER_ID).files.stat(caller('root'), '/dave/x.txt');
    expect(info.owner).to.equal('dave');
  });
});

describe('GrpcOwnerClient small reads', function () {
  this.timeout(10_000);
  let cluster: FakeCluster;
  let server: PeerServer;
  let owner: NodeRecord;
  let client: GrpcOwnerClient;
  /** What the owner's files service answers a Read with, from what it read. */
  let answer: (r: ReadResult) => Promise<ReadResult>;
  const SMALL = randomBytes(40 * 1024 + 7);

  before(async () => {
    ({ cluster } = await seededOwner());
    const files = cluster.node(OWNER_ID).files;
    await writeFile(files, caller('alice'), '/small/40k.bin', SMALL);
    // The owner's service, with its Read answers passed through `answer`.
    const tweaked = Object.create(files, {
      read: {
        value: async (...args: Parameters<FilesApi['read']>) => answer(await files.read(...args)),
      },
    }) as FilesApi;
    // A chunk size below the file's size, so a small body still goes out in several messages.
    server = await startOwnerServer(cluster, tweaked, 16 * 1024);
    owner = { ...cluster.node(OWNER_ID).record, grpc_addr: `127.0.0.1:${server.port}` };
    client = new GrpcOwnerClient(clientOptions());
  });
  beforeEach(() => {
    answer = async (r) => r;
  });
  after(async () => {
    client?.close();
    await server?.close();
    await cluster?.close();
  });

  /** The owner answers with its bytes already read, as localfs does for a small file. */
  const asWhole = async (r: ReadResult): Promise<ReadResult> => ({
    ...r,
    body: wholeBody(await readStream(r.body)),
  });

  it('should give the exact bytes as one whole body when a file of at most 64 KiB is read', async () => {
    const { info, body } = await client.read(owner, caller('alice'), '/small/40k.bin');
    expect(info.size).to.equal(SMALL.length);
    const bytes = wholeBytesOf(body);
    expect(bytes, 'a whole body').to.not.equal(undefined);
    expect(sha256(bytes!)).to.equal(sha256(SMALL));
  });

  it('should give the exact bytes when the owner read a small file whole', async () => {
    answer = asWhole;
    const { body } = await client.read(owner, caller('alice'), '/small/40k.bin');
    expect(sha256(await readStream(body))).to.equal(sha256(SMALL));
  });

  it('should give the exact span as one whole body when a small range of a large file is read', async () => {
    answer = asWhole;
    const { range, body } = await client.read(owner, caller('alice'), SEED.path, {
      range: { offset: 1000, length: 5000 },
    });
    expect(range).to.deep.equal({ start: 1000, end: 5999 });
    expect(sha256(wholeBytesOf(body)!)).to.equal(sha256(SEED.bytes.subarray(1000, 6000)));
  });

  it('should stream without gathering when a file over 64 KiB is read', async () => {
    const { body } = await client.read(owner, caller('alice'), SEED.path);
    expect(wholeBytesOf(body), 'not a whole body').to.equal(undefined);
    expect(sha256(await readStream(body))).to.equal(sha256(SEED.bytes));
  });

  it('should reject with InternalError when the owner sends more bytes than its header announces', async () => {
    answer = async (r) => ({ ...r, info: { ...r.info, size: r.info.size - 1 } });
    const err = await rejection(client.read(owner, caller('alice'), '/small/40k.bin'));
    expect(err).to.be.instanceOf(InternalError);
    expect((err as InternalError).code).to.equal('INTERNAL_ERROR');
  });

  it("should reject the read with the owner's error when a small body fails after the header", async () => {
    answer = async (r) => {
      r.body.destroy();
      const failing = Readable.from(
        (async function* () {
          yield SMALL.subarray(0, 20 * 1024);
          throw new OwnerUnavailableError('disk', 'the disk went away');
        })(),
      );
      return { ...r, body: failing };
    };
    const err = await rejection(client.read(owner, caller('alice'), '/small/40k.bin'));
    expect(err).to.be.instanceOf(OwnerUnavailableError);
    expect((err as OwnerUnavailableError).code).to.equal('OWNER_UNAVAILABLE');
  });
});

describe('GrpcOwnerClient inline small reads', function () {
  this.timeout(10_000);
  let cluster: FakeCluster;
  let server: PeerServer;
  let raw: FileServiceClient;
  const SMALL = randomBytes(40 * 1024 + 7);
  const md = (): grpc.Metadata => {
    const m = new grpc.Metadata();
    m.set('authorization', `Bearer ${API_KEY}`);
    return m;
  };
  /** Every message of a Read, as a caller of proto/ receives them. */
  const messages = (request: ReadRequest): Promise<ReadResponse__Output[]> =>
    new Promise((resolve, reject) => {
      const got: ReadResponse__Output[] = [];
      const call = raw.Read(request, md());
      call.on('data', (m: ReadResponse__Output) => got.push(m));
      call.on('error', reject);
      call.on('end', () => resolve(got));
    });

  before(async () => {
    ({ cluster } = await seededOwner());
    await writeFile(cluster.node(OWNER_ID).files, caller('alice'), '/small/40k.bin', SMALL);
    server = await startOwnerServer(cluster, undefined, 16 * 1024);
    raw = new (loadProto().callfs.v1.FileService)(
      `127.0.0.1:${server.port}`,
      grpc.credentials.createInsecure(),
    );
  });
  after(async () => {
    raw?.close();
    await server?.close();
    await cluster?.close();
  });

  it('should answer a small Read in one message with the bytes in body when the caller asks for it', async () => {
    const got = await messages({ path: '/small/40k.bin', inline_small_body: true });
    expect(got).to.have.length(1);
    expect(got[0]!.header?.size).to.equal(SMALL.length);
    expect(sha256(got[0]!.body)).to.equal(sha256(SMALL));
  });

  it('should answer a small range in one message when the caller asks for it', async () => {
    const got = await messages({
      path: SEED.path,
      offset: 10,
      length: 100,
      inline_small_body: true,
    });
    expect(got).to.have.length(1);
    expect(got[0]!.range).to.deep.include({ start: 10, end: 109 });
    expect(sha256(got[0]!.body)).to.equal(sha256(SEED.bytes.subarray(10, 110)));
  });

  it('should answer a header and chunks, with no body, when the caller does not ask for it', async () => {
    const got = await messages({ path: '/small/40k.bin' });
    expect(got.length).to.equal(4);
    expect(got[0]!.body).to.have.length(0);
    const chunks = got.slice(1).map((m) => m.chunk!);
    expect(sha256(Buffer.concat(chunks))).to.equal(sha256(SMALL));
  });

  it('should send chunks, not an inline body, when a file over 64 KiB is read', async () => {
    const got = await messages({ path: SEED.path, inline_small_body: true });
    expect(got[0]!.body).to.have.length(0);
    expect(got.length).to.be.greaterThan(1);
  });

  describe('from an owner that answers in its own way', () => {
    let fake: grpc.Server;
    let owner: NodeRecord;
    let client: GrpcOwnerClient;
    /** The messages the fake owner sends for any Read. */
    let send: ReadResponse[];

    before(async () => {
      fake = new grpc.Server();
      fake.addService(loadProto().callfs.v1.FileService.service, {
        Read: (call: grpc.ServerWritableStream<ReadRequest, ReadResponse>) => {
          for (const m of send) call.write(m);
          call.end();
        },
      });
      const port = await new Promise<number>((resolve, reject) =>
        fake.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
          err ? reject(err) : resolve(p),
        ),
      );
      owner = { ...cluster.node(OWNER_ID).record, grpc_addr: `127.0.0.1:${port}` };
      client = new GrpcOwnerClient(clientOptions());
    });
    after(() => {
      client?.close();
      fake?.forceShutdown();
    });
    const header = async (size: number): Promise<ReadResponse> => ({
      header: {
        ...(await cluster.node(OWNER_ID).files.stat(caller('alice'), '/small/40k.bin')),
        size,
      },
    });

    it('should give the exact bytes as one whole body when an owner without inline bodies sends chunks', async () => {
      send = [
        await header(SMALL.length),
        { chunk: SMALL.subarray(0, 30_000) },
        { chunk: SMALL.subarray(30_000) },
      ];
      const { body } = await client.read(owner, caller('alice'), '/small/40k.bin');
      expect(sha256(wholeBytesOf(body)!)).to.equal(sha256(SMALL));
    });

    it('should reject with InternalError when an owner sends chunks after an inline body', async () => {
      send = [{ ...(await header(SMALL.length)), body: SMALL }, { chunk: SMALL.subarray(0, 10) }];
      const err = await rejection(client.read(owner, caller('alice'), '/small/40k.bin'));
      expect(err).to.be.instanceOf(InternalError);
    });

    it('should reject with InternalError when an inline body is longer than the header announces', async () => {
      send = [{ ...(await header(SMALL.length - 1)), body: SMALL }];
      const err = await rejection(client.read(owner, caller('alice'), '/small/40k.bin'));
      expect(err).to.be.instanceOf(InternalError);
    });

    it('should reject with InternalError when an owner sends a large file inline', async () => {
      send = [{ ...(await header(200_000)), body: SMALL }];
      const err = await rejection(client.read(owner, caller('alice'), '/small/40k.bin'));
      expect(err).to.be.instanceOf(InternalError);
    });
  });
});
