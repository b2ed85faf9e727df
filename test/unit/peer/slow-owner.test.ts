// A call that changes state waits for its owner to accept it, not to finish it: an owner that is
// slow but alive (a loaded machine) does the work and says so, where a total deadline made the
// caller answer 503 for work the owner then did. A hung owner, which never accepts, still fails
// with OWNER_UNAVAILABLE after the ready timeout (the test's own timeout is far longer, and these
// calls have no other bound).
import { createServer, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import { pino } from 'pino';
import { createAuthenticator } from '../../../src/auth/api-keys.js';
import { NotFoundError, OwnerUnavailableError } from '../../../src/files/errors.js';
import type { FilesApi, NodeRecord } from '../../../src/files/ports.js';
import { GrpcOwnerClient } from '../../../src/peer/client.js';
import { startPeerServer, type PeerServer } from '../../../src/peer/server.js';
import { OWNER_ID, seededOwner } from '../../contract/owner-client-contract.js';
import {
  bodyOf,
  caller,
  moveSpec,
  readStream,
  rejection,
  sha256,
  writeFile,
  type FakeCluster,
} from '../../support/fakes.js';

const INTERNAL_SECRET = 'internal-secret-0123456789abcdef';
/** The owner's work takes longer than this, so a total deadline of it would cut every call. */
const READY_MS = 300;
const SLOW_MS = 800;
const BYTES = Buffer.from('bytes the owner holds');

function newClient(): GrpcOwnerClient {
  return new GrpcOwnerClient({
    internalSecret: INTERNAL_SECRET,
    chunkSize: 64 * 1024,
    flowControlWindow: 1024 * 1024,
    readyTimeoutMs: READY_MS,
    keepaliveTimeMs: 10_000,
    writeIdleTimeoutMs: 60_000,
  });
}

/** Blocks this whole process (owner and caller alike), as a machine far past its cores does. */
function stallProcess(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

describe('GrpcOwnerClient to an owner slower than the ready timeout', function () {
  this.timeout(10_000);
  let cluster: FakeCluster;
  let server: PeerServer;
  let owner: NodeRecord;
  let client: GrpcOwnerClient;
  /** Runs at the start of the owner's remove, move, stat, read, openWrite and finishStaged. */
  let slowness: () => Promise<void> | void;
  const staged: Array<[string, boolean]> = [];

  before(async () => {
    ({ cluster } = await seededOwner());
    const files = cluster.node(OWNER_ID).files;
    const slowed = (name: 'remove' | 'move' | 'stat' | 'read' | 'openWrite') => ({
      value: async (...args: unknown[]) => {
        await slowness();
        return (files[name] as (...a: unknown[]) => Promise<unknown>).apply(files, args);
      },
    });
    const owned = Object.create(files, {
      remove: slowed('remove'),
      move: slowed('move'),
      stat: slowed('stat'),
      read: slowed('read'),
      openWrite: slowed('openWrite'),
      finishStaged: {
        value: async (stageId: string, commit: boolean) => {
          await slowness();
          staged.push([stageId, commit]);
        },
      },
    }) as FilesApi;
    server = await startPeerServer(
      {
        files: owned,
        auth: createAuthenticator({
          apiKeys: [],
          apiKeyUsers: {},
          internalSecret: INTERNAL_SECRET,
        }),
        logger: pino({ level: 'silent' }),
        chunkSize: 64 * 1024,
        flowControlWindow: 1024 * 1024,
        writeIdleTimeoutMs: 60_000,
        readAcceptAfterMs: READY_MS / 3,
      },
      '127.0.0.1',
      0,
    );
    owner = { ...cluster.node(OWNER_ID).record, grpc_addr: `127.0.0.1:${server.port}` };
    client = newClient();
  });
  let n = 0;
  /** A file of its own for each test, on the owner. */
  let file: string;
  beforeEach(async () => {
    slowness = () => undefined;
    file = `/slow/${++n}.bin`;
    await writeFile(cluster.node(OWNER_ID).files, caller('alice'), file, BYTES);
  });
  after(async () => {
    client?.close();
    await server?.close();
    await cluster?.close();
  });

  const ownerStat = (p: string) => cluster.node(OWNER_ID).files.stat(caller('root'), p);

  it('should delete the file when the owner takes longer than the ready timeout to do it', async () => {
    slowness = () => sleep(SLOW_MS);
    await client.remove(owner, caller('alice'), file);
    expect(await rejection(ownerStat(file))).to.be.instanceOf(NotFoundError);
  });

  it('should rename the file when the owner takes longer than the ready timeout to do it', async () => {
    slowness = () => sleep(SLOW_MS);
    const info = await client.move(owner, caller('alice'), file, moveSpec(`${file}.renamed`));
    expect(info.size).to.equal(BYTES.length);
    expect((await ownerStat(`${file}.renamed`)).size).to.equal(BYTES.length);
  });

  it('should tell the node to commit what it staged when it takes longer than the ready timeout', async () => {
    slowness = () => sleep(SLOW_MS);
    await client.finishStaged(owner, 'stage-slow', true);
    expect(staged).to.deep.include(['stage-slow', true]);
  });

  it('should delete the file when the process stalls past the ready timeout after the owner accepted', async () => {
    // The owner's headers reach the socket while the stall lasts; the caller's timer is due
    // before its loop reads them, and must not take the stall for a hung owner.
    slowness = () => stallProcess(2 * READY_MS);
    await client.remove(owner, caller('alice'), file);
    expect(await rejection(ownerStat(file))).to.be.instanceOf(NotFoundError);
  });

  it('should read the file when the process stalls past the ready timeout while the owner opens it', async () => {
    // A read changes nothing, yet a header already in the socket is an answer in time.
    slowness = () => stallProcess(2 * READY_MS);
    const { body } = await client.read(owner, caller('alice'), file);
    expect(sha256(await readStream(body))).to.equal(sha256(BYTES));
  });

  it('should read the file when the owner waits longer than the ready timeout before it opens it', async () => {
    // A read waiting there (a write of the path committing, a slow disk or bucket) sends its
    // headers first; before, the caller cut it at the ready timeout and answered 503.
    slowness = () => sleep(SLOW_MS);
    const { body } = await client.read(owner, caller('alice'), file);
    expect(sha256(await readStream(body))).to.equal(sha256(BYTES));
  });

  it('should write the file when the process stalls past the ready timeout while the owner opens the write', async () => {
    slowness = () => stallProcess(2 * READY_MS);
    const session = await client.openWrite(owner, caller('alice'), {
      path: `${file}.new`,
      write_mode: 'WRITE_MODE_CREATE_ONLY',
      expected_size: BYTES.length,
    });
    await session.write(bodyOf(BYTES));
    expect((await ownerStat(`${file}.new`)).size).to.equal(BYTES.length);
  });

  it('should answer a stat when the process stalls past the ready timeout while the owner looks it up', async () => {
    slowness = () => stallProcess(2 * READY_MS);
    expect((await client.stat(owner, caller('alice'), file)).size).to.equal(BYTES.length);
  });

  it('should reject stat with OwnerUnavailableError when the owner takes longer than the ready timeout', async () => {
    // Stat changes nothing: its answer is still due within the ready timeout.
    slowness = () => sleep(SLOW_MS);
    const err = await rejection(client.stat(owner, caller('alice'), file));
    expect(err).to.be.instanceOf(OwnerUnavailableError);
    expect((err as OwnerUnavailableError).instanceId).to.equal(OWNER_ID);
  });
});

describe('GrpcOwnerClient to a hung owner', function () {
  // No call below has a total deadline: a call still waiting after the ready timeout would
  // wait for ever and fail this timeout.
  this.timeout(10_000);
  let hung: Server;
  let node: NodeRecord;
  let client: GrpcOwnerClient;
  const sockets = new Set<Socket>();

  before(async () => {
    // The kernel completes the connection, as it does for a stopped process; nothing answers.
    hung = createServer((s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    const address = hung.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    node = {
      instance_id: 'hung-node',
      http_url: 'http://127.0.0.1:1',
      grpc_addr: `127.0.0.1:${port}`,
      backends: ['localfs'],
      started: Date.now(),
    };
    client = newClient();
  });
  after(async () => {
    client?.close();
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => hung?.close(() => resolve()));
  });

  const expectUnavailable = (err: unknown): void => {
    expect(err).to.be.instanceOf(OwnerUnavailableError);
    expect((err as OwnerUnavailableError).instanceId).to.equal('hung-node');
  };

  it('should reject remove with OwnerUnavailableError naming the owner when it never accepts', async () => {
    expectUnavailable(await rejection(client.remove(node, caller('alice'), '/h/file')));
  });

  it('should reject a move on the owner with OwnerUnavailableError naming it when it never accepts', async () => {
    expectUnavailable(
      await rejection(client.move(node, caller('alice'), '/h/file', moveSpec('/h/other'))),
    );
  });

  it('should reject read with OwnerUnavailableError naming the owner when it never accepts', async () => {
    expectUnavailable(await rejection(client.read(node, caller('alice'), '/h/file')));
  });

  it('should reject finishStaged with OwnerUnavailableError naming the node when it never accepts', async () => {
    expectUnavailable(await rejection(client.finishStaged(node, 'stage-hung', true)));
  });
});
