// The instrumented ports on in-memory fakes, driven through a real files service: storage
// (backend op durations, file operations counted once done), metadata (etcd latency with the
// outcome, membership left alone) and the owner client (proxy latency to another node).
import { expect } from 'chai';
import { InProcessOwnerClient } from '../../../src/files/in-process-owner-client.js';
import { AlreadyExistsError, NotFoundError } from '../../../src/files/errors.js';
import type { Inode, NodeRecord } from '../../../src/files/ports.js';
import { FilesService } from '../../../src/files/service.js';
import { MemoryMetadata, MemoryStore } from '../../../src/metadata/memory-metadata.js';
import { instrumentFiles } from '../../../src/metrics/files.js';
import { instrumentMetadata } from '../../../src/metrics/metadata.js';
import { Metrics } from '../../../src/metrics/metrics.js';
import { instrumentOwnerClient } from '../../../src/metrics/owner-client.js';
import { instrumentStorage } from '../../../src/metrics/storage.js';
import { createMemoryStorage, type MemoryStorage } from '../../../src/storage/memory.js';
import { caller, FAKE_CURSOR_KEY, readFile, rejection, writeFile } from '../../support/fakes.js';
import { sample } from './samples.js';

interface Node {
  id: string;
  metrics: Metrics;
  metadata: MemoryMetadata;
  storage: MemoryStorage;
  files: FilesService;
}

/** Two nodes on one in-memory namespace, each with instrumented ports and its own metrics. */
async function twoNodes(): Promise<[Node, Node]> {
  const store = new MemoryStore();
  const byId = new Map<string, Node>();
  const nodes: Node[] = [];
  for (const id of ['node-a', 'node-b']) {
    const metrics = new Metrics();
    const metadata = new MemoryMetadata({ instanceId: id, store, autoReregister: false });
    const storage = createMemoryStorage({ backendType: 'memfs' });
    const owners = new InProcessOwnerClient((owner) =>
      owner === id ? undefined : byId.get(owner)?.files,
    );
    const files = new FilesService({
      instanceId: id,
      metadata: instrumentMetadata(metadata, metrics),
      membership: metadata,
      storage: instrumentStorage(storage, metrics),
      owners: instrumentOwnerClient(owners, metrics),
      maxBodyBytes: 1024 * 1024,
      cursorKey: FAKE_CURSOR_KEY,
    });
    const record: NodeRecord = {
      instance_id: id,
      http_url: `http://${id}.test`,
      grpc_addr: `${id}.test:9443`,
      backends: ['memfs'],
      started: Date.now(),
    };
    await metadata.register(record);
    const node = { id, metrics, metadata, storage, files };
    byId.set(id, node);
    nodes.push(node);
  }
  return nodes as [Node, Node];
}

const alice = caller('alice');

describe('instrumented ports', () => {
  let a: Node;
  let b: Node;

  beforeEach(async () => {
    [a, b] = await twoNodes();
  });
  afterEach(async () => {
    await a.metadata.deregister();
    await b.metadata.deregister();
  });

  describe('storage', () => {
    it('should count one create on the backend type when a new file is written', async () => {
      await writeFile(a.files, alice, '/w.txt', 'data');
      const labels = { operation: 'create', backend_type: 'memfs' };
      expect(await sample(a.metrics, 'callfs_file_operations_total', labels)).to.equal(1);
    });

    it('should count an update, not a create, when a file is replaced', async () => {
      await writeFile(a.files, alice, '/u.txt', 'one');
      await writeFile(a.files, alice, '/u.txt', 'two');
      const count = (operation: string) =>
        sample(a.metrics, 'callfs_file_operations_total', { operation, backend_type: 'memfs' });
      expect([await count('create'), await count('update')]).to.deep.equal([1, 1]);
    });

    it('should count a move when a file is renamed', async () => {
      await writeFile(a.files, alice, '/m.txt', 'data');
      await a.files.move(alice, '/m.txt', {
        destination: '/m2.txt',
        overwrite: false,
        create_parents: false,
        instance: '',
        backend: '',
      });
      expect(
        await sample(a.metrics, 'callfs_file_operations_total', { operation: 'move' }),
      ).to.equal(1);
    });

    it('should count reads and deletes when a file is read and deleted', async () => {
      await writeFile(a.files, alice, '/rd.txt', 'data');
      await readFile(a.files, alice, '/rd.txt');
      await a.files.remove(alice, '/rd.txt');
      const m = a.metrics;
      expect(await sample(m, 'callfs_file_operations_total', { operation: 'read' })).to.equal(1);
      expect(await sample(m, 'callfs_file_operations_total', { operation: 'delete' })).to.equal(1);
    });

    it('should time each step of a write when a file is written', async () => {
      await writeFile(a.files, alice, '/steps.txt', 'data');
      const count = (operation: string) =>
        sample(a.metrics, 'callfs_backend_op_duration_seconds_count', {
          operation,
          backend_type: 'memfs',
        });
      expect(await count('create_temp')).to.equal(1);
      expect(await count('temp_write')).to.equal(1);
      expect(await count('temp_commit')).to.equal(1);
    });

    it('should not count a file operation when the backend operation fails', async () => {
      const storage = instrumentStorage(createMemoryStorage({ backendType: 'memfs' }), a.metrics);
      expect(await rejection(storage.open({ path: '/missing' }))).to.be.instanceOf(NotFoundError);
      expect(
        await sample(a.metrics, 'callfs_file_operations_total', { operation: 'read' }),
      ).to.equal(undefined);
      expect(
        await sample(a.metrics, 'callfs_backend_op_duration_seconds_count', { operation: 'open' }),
      ).to.equal(1);
    });

    it('should count a list and a directory create when the files service is instrumented', async () => {
      const files = instrumentFiles(a.files, a.metrics, 'memfs');
      await files.mkdir(alice, '/d');
      await files.mkdir(alice, '/d');
      await files.list(alice, '/d');
      const count = (operation: string) =>
        sample(a.metrics, 'callfs_file_operations_total', { operation, backend_type: 'memfs' });
      expect([await count('create'), await count('list')]).to.deep.equal([1, 1]);
    });

    it('should keep the backend type and sync methods when the storage is wrapped', () => {
      const storage = instrumentStorage(createMemoryStorage({ backendType: 'memfs' }), a.metrics);
      expect(storage.backendType).to.equal('memfs');
    });
  });

  describe('metadata', () => {
    it('should time metadata reads with outcome ok when a file is stated', async () => {
      await a.files.mkdir(alice, '/d');
      await a.files.stat(alice, '/d');
      const labels = { operation: 'get', outcome: 'ok' };
      expect(
        await sample(a.metrics, 'callfs_etcd_request_duration_seconds_count', labels),
      ).to.be.at.least(1);
    });

    it('should label the outcome with the error code when a create conflicts', async () => {
      const wrapped = instrumentMetadata(a.metadata, a.metrics);
      const dir: Inode = {
        type: 'directory',
        instance_id: 'node-a',
        backend_type: 'memfs',
        size: 0,
        mode: 0o755,
        owner: 'alice',
        mtime: Date.now(),
        gen: 1,
        state: 'ready',
      };
      const parents = { owner: 'alice', instance_id: 'node-a', backend_type: 'memfs', mtime: 0 };
      await wrapped.create('/dup', dir, { parents });
      expect(await rejection(wrapped.create('/dup', dir, { parents }))).to.be.instanceOf(
        AlreadyExistsError,
      );
      const labels = { operation: 'create', outcome: 'FILE_ALREADY_EXISTS' };
      expect(
        await sample(a.metrics, 'callfs_etcd_request_duration_seconds_count', labels),
      ).to.equal(1);
    });

    it('should keep membership working and time its reads when the metadata is wrapped', async () => {
      const wrapped = instrumentMetadata(a.metadata, a.metrics);
      expect(wrapped.isServing()).to.equal(true);
      expect((await wrapped.getNode('node-b'))?.instance_id).to.equal('node-b');
      expect(
        await sample(a.metrics, 'callfs_etcd_request_duration_seconds_count', {
          operation: 'get_node',
        }),
      ).to.equal(1);
    });
  });

  describe('owner client', () => {
    it('should time the proxied read with outcome ok when a file of another node is read', async () => {
      await writeFile(b.files, alice, '/on-b.txt', 'from b');
      expect((await readFile(a.files, alice, '/on-b.txt')).toString()).to.equal('from b');
      const labels = { operation: 'read', outcome: 'ok' };
      expect(
        await sample(a.metrics, 'callfs_proxy_request_duration_seconds_count', labels),
      ).to.equal(1);
    });

    it('should time the Ready and the upload when a file of another node is replaced', async () => {
      await writeFile(b.files, alice, '/put-b.txt', 'v1');
      await writeFile(a.files, alice, '/put-b.txt', 'v2');
      const count = (operation: string) =>
        sample(a.metrics, 'callfs_proxy_request_duration_seconds_count', { operation });
      expect(await count('open_write')).to.equal(1);
      expect(await count('write')).to.equal(1);
    });

    it('should label the outcome OWNER_UNAVAILABLE when the owner cannot be reached', async () => {
      const owners = instrumentOwnerClient(new InProcessOwnerClient(() => undefined), a.metrics);
      const owner = (await a.metadata.getNode('node-b')) as NodeRecord;
      await rejection(owners.stat(owner, alice, '/x'));
      const labels = { operation: 'stat', outcome: 'OWNER_UNAVAILABLE' };
      expect(
        await sample(a.metrics, 'callfs_proxy_request_duration_seconds_count', labels),
      ).to.equal(1);
    });
  });
});
