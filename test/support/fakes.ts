// Fakes for unit tests: a cluster of FilesService nodes in one process that share one in-memory
// "etcd" (MemoryStore), each with its own registered membership, its own memory storage and an
// in-process OwnerClient reaching the other nodes, plus small helpers to call them as a user.
import { callerFor } from '../../src/auth/api-keys.js';
import { deriveCursorKey } from '../../src/files/cursor.js';
import { InProcessOwnerClient } from '../../src/files/in-process-owner-client.js';
import type {
  CallContext,
  FilesApi,
  Membership,
  Metadata,
  MoveSpec,
  NodeRecord,
  QuarantinedEntry,
  WriteRequestHeader,
  WriteResult,
} from '../../src/files/ports.js';
import { FilesService } from '../../src/files/service.js';
import { MemoryMetadata, MemoryStore } from '../../src/metadata/memory-metadata.js';
import { createMemoryStorage, type MemoryStorage } from '../../src/storage/memory.js';
import { readStream } from './checks.js';

export { readStream, rejection, sha256 } from './checks.js';

export const MiB = 1024 * 1024;
/** The body limit of fake nodes unless a test asks for another one. */
export const FAKE_MAX_BODY_BYTES = 8 * MiB;
/** The cursor key every fake node shares, as real nodes share the internal secret. */
export const FAKE_CURSOR_KEY = deriveCursorKey('fake-cluster-internal-secret-0123456789');

export interface FakeNode {
  id: string;
  /** The membership record the node registered. */
  record: NodeRecord;
  metadata: MemoryMetadata;
  storage: MemoryStorage;
  files: FilesService;
}

export interface FakeCluster {
  store: MemoryStore;
  nodes: FakeNode[];
  node(id: string): FakeNode;
  /** Peers can no longer reach the node (as if its port refused), yet its membership stays. */
  disconnect(id: string): void;
  reconnect(id: string): void;
  /** Deregisters every node. */
  close(): Promise<void>;
}

export interface FakeClusterOptions {
  maxBodyBytes?: number;
  /** POSTs of a known length up to this take the one-transaction create (default: off). */
  smallBodyBytes?: number;
  backendType?: string;
  /** The advertised HTTP URL of each node (default: `fakeHttpUrl(id)`). */
  httpUrl?: (id: string) => string;
  /** Hears what each node set aside for an operator (what the node logs and counts). */
  onSetAside?: (node: string, entry: QuarantinedEntry) => void;
  /** What a node's files service reads etcd through (default: its MemoryMetadata itself). */
  metadataOf?: (node: string, metadata: MemoryMetadata) => Metadata & Membership;
}

/** The advertised HTTP URL of a fake node. */
export function fakeHttpUrl(id: string): string {
  return `http://${id}.callfs.test:8443`;
}

/** N nodes on one shared namespace, each registered and reaching the others in process. */
export async function fakeCluster(
  ids: string[],
  options: FakeClusterOptions = {},
): Promise<FakeCluster> {
  const store = new MemoryStore();
  const byId = new Map<string, FakeNode>();
  const unreachable = new Set<string>();
  const nodes: FakeNode[] = [];
  for (const id of ids) {
    const metadata = new MemoryMetadata({ instanceId: id, store, autoReregister: false });
    const storage = createMemoryStorage({ backendType: options.backendType ?? 'localfs' });
    const owners = new InProcessOwnerClient((ownerId) =>
      ownerId === id || unreachable.has(ownerId) ? undefined : byId.get(ownerId)?.files,
    );
    const files = fakeFiles({ id, metadata, storage }, owners, options);
    const record: NodeRecord = {
      instance_id: id,
      http_url: (options.httpUrl ?? fakeHttpUrl)(id),
      grpc_addr: `${id}.callfs.test:9443`,
      backends: [storage.backendType],
      started: Date.now(),
    };
    await metadata.register(record);
    const node = { id, record, metadata, storage, files };
    byId.set(id, node);
    nodes.push(node);
  }
  return {
    store,
    nodes,
    node(id) {
      const node = byId.get(id);
      if (!node) throw new Error(`no fake node ${id}`);
      return node;
    },
    disconnect: (id) => void unreachable.add(id),
    reconnect: (id) => void unreachable.delete(id),
    close: async () => {
      for (const node of nodes) await node.metadata.deregister();
    },
  };
}

/**
 * A fresh cluster of `ids` for each test of the enclosing describe, closed after it. `seed`
 * runs once the nodes are up, before the test: the files every test starts from. The handle
 * returned stands for the current test's cluster.
 */
export function fakeClusterEach(
  ids: string[],
  seed?: (cluster: FakeCluster) => Promise<void>,
  options?: FakeClusterOptions,
): FakeCluster {
  let current: FakeCluster | undefined;
  const cluster = (): FakeCluster => {
    if (!current) throw new Error('the fake cluster exists only while a test runs');
    return current;
  };
  beforeEach(async () => {
    current = await fakeCluster(ids, options);
    await seed?.(current);
  });
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });
  return {
    get store() {
      return cluster().store;
    },
    get nodes() {
      return cluster().nodes;
    },
    node: (id) => cluster().node(id),
    disconnect: (id) => cluster().disconnect(id),
    reconnect: (id) => cluster().reconnect(id),
    close: () => cluster().close(),
  };
}

/**
 * The files service of `node` as after a restart: what it held in memory is gone, its
 * metadata and its disk remain, and it reaches no other node.
 */
export function restartedFiles(node: FakeNode): FilesService {
  return fakeFiles(node, new InProcessOwnerClient(() => undefined), {});
}

function fakeFiles(
  node: Pick<FakeNode, 'id' | 'metadata' | 'storage'>,
  owners: InProcessOwnerClient,
  options: FakeClusterOptions,
): FilesService {
  const metadata = options.metadataOf?.(node.id, node.metadata) ?? node.metadata;
  return new FilesService({
    instanceId: node.id,
    metadata,
    membership: metadata,
    storage: node.storage,
    cursorKey: FAKE_CURSOR_KEY,
    owners,
    maxBodyBytes: options.maxBodyBytes ?? FAKE_MAX_BODY_BYTES,
    smallBodyBytes: options.smallBodyBytes,
    onSetAside: options.onSetAside && ((entry) => options.onSetAside?.(node.id, entry)),
  });
}

/** The call context of an authenticated user (`root` is an admin, as at the edge). */
export function caller(user: string): CallContext {
  return { caller: callerFor(user) };
}

/** A body of the given parts, as the edge hands it to the files service. */
export async function* bodyOf(...parts: Array<Buffer | string>): AsyncGenerator<Buffer> {
  for (const part of parts) yield Buffer.isBuffer(part) ? part : Buffer.from(part);
}

/** Splits data into chunks, as a streamed upload arrives. */
export async function* chunked(data: Buffer, size = 64 * 1024): AsyncGenerator<Buffer> {
  for (let offset = 0; offset < data.length; offset += size) {
    yield data.subarray(offset, offset + size);
  }
}

/** Opens a write and sends the whole body (PUT by default, POST with create-only). */
export async function writeFile(
  files: FilesApi,
  ctx: CallContext,
  path: string,
  data: Buffer | string,
  mode: WriteRequestHeader['write_mode'] = 'WRITE_MODE_CREATE_OR_REPLACE',
): Promise<WriteResult> {
  const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data);
  const session = await files.openWrite(ctx, {
    path,
    write_mode: mode,
    expected_size: bytes.length,
  });
  return session.write(chunked(bytes));
}

/** The bytes a read of `path` serves. */
export async function readFile(files: FilesApi, ctx: CallContext, path: string): Promise<Buffer> {
  return readStream((await files.read(ctx, path)).body);
}

/** A move request as the edge builds it (defaults of the PATCH body). */
export function moveSpec(destination: string, extra: Partial<MoveSpec> = {}): MoveSpec {
  return {
    destination,
    overwrite: false,
    create_parents: false,
    instance: '',
    backend: '',
    ...extra,
  };
}
