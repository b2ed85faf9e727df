// The etcd adapter against a real etcd: the shared metadata contract, then what only etcd
// shows: the documented key layout, the empty-range compare that remove relies on, fast
// failure while etcd hangs, and losing and regaining the membership lease.
import { expect } from 'chai';
import { CompareResult, CompareTarget, Etcd3 } from 'etcd3';
import { MetadataUnavailableError, NodeNotServingError } from '../../../src/files/errors.js';
import { EtcdMetadata, type EtcdMetadataOptions } from '../../../src/metadata/etcd-metadata.js';
import { prefixEnd } from '../../../src/metadata/keys.js';
import { untilHung, etcdPerSuite } from '../../support/etcd.js';
import {
  dirInode,
  fileInode,
  metadataContract,
  nodeRecord,
  parentsOf,
  waitFor,
} from '../../contract/metadata-contract.js';

describe('EtcdMetadata against etcd', function () {
  this.timeout(30_000);
  const suite = etcdPerSuite();

  /** Opens adapters on one fresh prefix; `close()` closes them all and wipes the prefix. */
  function namespace(prefix = suite.prefix('t')) {
    const opened: EtcdMetadata[] = [];
    const open = (instanceId: string, extra: Partial<EtcdMetadataOptions> = {}) => {
      const m = new EtcdMetadata({
        endpoints: suite.etcd.endpoint,
        prefix,
        instanceId,
        leaseTtlSeconds: 2,
        requestTimeoutMs: 2_000,
        registerRetryMs: 300,
        ...extra,
      });
      opened.push(m);
      return m;
    };
    const close = async () => {
      for (const m of opened) await m.close();
      await suite.raw.delete().prefix(prefix);
    };
    return { prefix, open, close };
  }

  /** Revokes a node's lease from outside, as if it had expired. */
  async function revokeLeaseOf(prefix: string, instanceId: string): Promise<void> {
    const res = await suite.raw.kv.range({ key: Buffer.from(`${prefix}nodes/${instanceId}`) });
    const lease = res.kvs[0]?.lease;
    if (!lease || lease === '0') throw new Error(`${instanceId} holds no lease`);
    await suite.raw.leaseClient.leaseRevoke({ ID: lease });
  }

  metadataContract('EtcdMetadata', async () => {
    const ns = namespace();
    const metadata = ns.open('node-a');
    return {
      metadata,
      instanceId: 'node-a',
      peer: async (instanceId) => ns.open(instanceId),
      expireLease: () => revokeLeaseOf(ns.prefix, 'node-a'),
      compact: async (revision) => {
        await suite.raw.kv.compact({ revision });
      },
      cleanup: ns.close,
    };
  });

  describe('etcd specifics', () => {
    let ns: ReturnType<typeof namespace>;
    afterEach(async () => {
      await ns?.close();
    });

    it('should store the inode JSON at the documented key when a nested file is created', async () => {
      ns = namespace('/callfs/');
      const m = ns.open('node-a');
      await m.register(nodeRecord('node-a'));
      const inode = fileInode('node-a');
      await m.create('/shared/report.docx', inode, parentsOf('node-a'));
      // Stored without the fields at their default (localfs, 0644, ready): records.ts.
      const { backend_type: _b, mode: _m, state: _s, ...stored } = inode;
      expect([inode.backend_type, inode.mode, inode.state]).to.deep.equal([
        'localfs',
        0o644,
        'ready',
      ]);
      expect(await suite.raw.get('/callfs/fs/shared//report.docx').json()).to.deep.equal(stored);
      expect(await suite.raw.get('/callfs/fs//shared').exists()).to.equal(true);
      expect(await suite.raw.get('/callfs/nodes/node-a').exists()).to.equal(true);
    });

    it('should name an ops/ entry that is not JSON as unreadable when the journal is read', async () => {
      ns = namespace();
      const m = ns.open('node-a');
      const value = { type: 'move-file', node: 'node-a', from: '/a', to: '/b' };
      await m.putJournal({ id: 'good', value });
      await suite.raw.put(`${ns.prefix}ops/torn`).value('{"type": "move-fi');
      expect(await m.journal('node-a')).to.deep.equal({
        entries: [{ id: 'good', value }],
        unreadable: [`${ns.prefix}ops/torn`],
      });
    });

    /** Counts the unary etcd requests (range, txn) a client sends from now on. */
    function countRequests(client: Etcd3): { range: number; txn: number } {
      const counts = { range: 0, txn: 0 };
      const kv = client.kv as unknown as Record<'range' | 'txn', (...a: unknown[]) => unknown>;
      for (const name of ['range', 'txn'] as const) {
        const original = kv[name].bind(kv);
        kv[name] = (...args: unknown[]) => {
          counts[name]++;
          return original(...args);
        };
      }
      return counts;
    }

    it('should create with one txn and no read when the parent directory was seen', async () => {
      ns = namespace();
      const client = new Etcd3({ hosts: suite.etcd.endpoint });
      try {
        const m = ns.open('node-a', { client });
        await m.register(nodeRecord('node-a'));
        await m.create('/warm', dirInode('node-a'), parentsOf('node-a'));
        await m.create('/warm/first', fileInode('node-a'), parentsOf('node-a'));
        const counts = countRequests(client);
        await m.create('/warm/second', fileInode('node-a'), parentsOf('node-a'));
        await m.create('/top-level', fileInode('node-a'), parentsOf('node-a'));
        expect(counts).to.deep.equal({ range: 0, txn: 2 });
        expect(await suite.raw.get(`${ns.prefix}fs/warm//second`).exists()).to.equal(true);
      } finally {
        client.close();
      }
    });

    it('should answer FILE_ALREADY_EXISTS with the owner when a warm create loses', async () => {
      ns = namespace();
      const a = ns.open('node-a');
      const b = ns.open('node-b');
      await a.register(nodeRecord('node-a'));
      await b.register(nodeRecord('node-b'));
      await a.create('/d', dirInode('node-a'), parentsOf('node-a'));
      await a.create('/d/seen', fileInode('node-a'), parentsOf('node-a'));
      await b.create('/d/x', fileInode('node-b'), parentsOf('node-b'));
      const err = await a.create('/d/x', fileInode('node-a'), parentsOf('node-a')).catch((e) => e);
      expect(err).to.have.property('code', 'FILE_ALREADY_EXISTS');
      expect(err).to.have.nested.property('existing.instanceId', 'node-b');
    });

    it('should refuse a warm create with STALE_REVISION when a seen grandparent is being moved', async () => {
      ns = namespace();
      const a = ns.open('node-a');
      const b = ns.open('node-b');
      await a.register(nodeRecord('node-a'));
      await b.register(nodeRecord('node-b'));
      await a.create('/g/p/seen', fileInode('node-a'), parentsOf('node-a'));
      await a.get('/g');
      const top = await b.get('/g');
      await b.replace(top!, { ...top!.inode, state: 'moving' });
      const err = await a
        .create('/g/p/x', fileInode('node-a'), parentsOf('node-a'))
        .catch((e) => e);
      expect(err).to.have.property('code', 'STALE_REVISION');
    });

    it('should refuse with PARENT_NOT_A_DIRECTORY when a seen parent became a file', async () => {
      ns = namespace();
      const a = ns.open('node-a');
      const b = ns.open('node-b');
      await a.register(nodeRecord('node-a'));
      await b.register(nodeRecord('node-b'));
      await a.create('/p', dirInode('node-a'), parentsOf('node-a'));
      const dir = await b.get('/p');
      await b.remove(dir!);
      await b.create('/p', fileInode('node-b'), parentsOf('node-b'));
      const err = await a.create('/p/x', fileInode('node-a'), parentsOf('node-a')).catch((e) => e);
      expect(err).to.have.property('code', 'PARENT_NOT_A_DIRECTORY');
      expect(await suite.raw.get(`${ns.prefix}fs/p//x`).exists()).to.equal(false);
    });

    it('should create the parents again when a seen parent was removed', async () => {
      ns = namespace();
      const a = ns.open('node-a');
      const b = ns.open('node-b');
      await a.register(nodeRecord('node-a'));
      await b.register(nodeRecord('node-b'));
      await a.create('/gone', dirInode('node-a'), parentsOf('node-a'));
      await b.remove((await b.get('/gone'))!);
      await a.create('/gone/x', fileInode('node-a'), parentsOf('node-a'));
      expect((await a.get('/gone'))?.inode.type).to.equal('directory');
      expect((await a.get('/gone/x'))?.inode.type).to.equal('file');
    });

    it('should refuse with NODE_NOT_SERVING when a warm create runs after the lease is lost', async () => {
      ns = namespace();
      const a = ns.open('node-a');
      await a.register(nodeRecord('node-a'));
      await a.create('/l', dirInode('node-a'), parentsOf('node-a'));
      await revokeLeaseOf(ns.prefix, 'node-a');
      const err = await a.create('/l/x', fileInode('node-a'), parentsOf('node-a')).catch((e) => e);
      expect(err).to.have.property('code', 'NODE_NOT_SERVING');
      expect(await suite.raw.get(`${ns.prefix}fs/l//x`).exists()).to.equal(false);
    });

    it('should match a version 0 range compare when the range is empty', async () => {
      ns = namespace();
      const start = Buffer.from(`${ns.prefix}fs/empty//`);
      const res = await suite.raw.kv.txn({
        compare: [
          {
            key: start,
            range_end: prefixEnd(start),
            target: CompareTarget.Version,
            result: CompareResult.Equal,
            version: 0,
          },
        ],
      });
      expect(res.succeeded).to.equal(true);
    });

    it('should fail a version 0 range compare when the range holds a key', async () => {
      ns = namespace();
      const start = Buffer.from(`${ns.prefix}fs/full//`);
      await suite.raw.put(`${ns.prefix}fs/full//child`).value('{}');
      const res = await suite.raw.kv.txn({
        compare: [
          {
            key: start,
            range_end: prefixEnd(start),
            target: CompareTarget.Version,
            result: CompareResult.Equal,
            version: 0,
          },
        ],
      });
      expect(res.succeeded).to.equal(false);
    });

    it('should reject with MetadataUnavailableError when etcd hangs', async function () {
      // The bound is the deadline (500 ms) plus slack; mocha fails the test past it.
      ns = namespace();
      const m = ns.open('node-a', { requestTimeoutMs: 500 });
      await m.register(nodeRecord('node-a'));
      this.timeout(10_000);
      suite.etcd.pause();
      try {
        await untilHung(suite.etcd.endpoint);
        const err = await m.get('/x').catch((e: unknown) => e);
        expect(err).to.be.instanceOf(MetadataUnavailableError);
      } finally {
        suite.etcd.resume();
      }
    });

    it('should reject a commit with MetadataUnavailableError when etcd hangs', async function () {
      ns = namespace();
      const m = ns.open('node-a', { requestTimeoutMs: 500 });
      await m.register(nodeRecord('node-a'));
      this.timeout(10_000);
      suite.etcd.pause();
      try {
        await untilHung(suite.etcd.endpoint);
        const err = await m.create('/x', fileInode('node-a'), parentsOf('node-a')).catch((e) => e);
        expect(err).to.be.instanceOf(MetadataUnavailableError);
      } finally {
        suite.etcd.resume();
      }
    });

    it('should reject with MetadataUnavailableError when nothing listens at the endpoint', async () => {
      const m = new EtcdMetadata({
        endpoints: 'http://127.0.0.1:1',
        instanceId: 'node-a',
        requestTimeoutMs: 500,
      });
      try {
        expect(await m.get('/x').catch((e) => e)).to.be.instanceOf(MetadataUnavailableError);
      } finally {
        await m.close();
      }
    });

    it('should stop serving then register again when its lease is lost', async () => {
      ns = namespace();
      const m = ns.open('node-a');
      await m.register(nodeRecord('node-a'));
      const seen: boolean[] = [];
      m.onServingChange((serving) => seen.push(serving));
      await revokeLeaseOf(ns.prefix, 'node-a');
      await waitFor('re-registration', () => seen.length >= 2);
      expect(seen.slice(0, 2)).to.deep.equal([false, true]);
      expect(await suite.raw.get(`${ns.prefix}nodes/node-a`).exists()).to.equal(true);
    });

    it('should reject a commit with NodeNotServingError when its membership key vanished', async () => {
      ns = namespace();
      const m = ns.open('node-a');
      await m.register(nodeRecord('node-a'));
      // The lease stays alive, so only the fence in the txn can notice.
      await suite.raw.delete().key(`${ns.prefix}nodes/node-a`);
      const err = await m.create('/f', fileInode('node-a'), parentsOf('node-a')).catch((e) => e);
      expect(err).to.be.instanceOf(NodeNotServingError);
    });

    it('should serve again when its membership key vanished and it re-registered', async () => {
      ns = namespace();
      const m = ns.open('node-a');
      await m.register(nodeRecord('node-a'));
      await suite.raw.delete().key(`${ns.prefix}nodes/node-a`);
      await m.create('/f', fileInode('node-a'), parentsOf('node-a')).catch(() => undefined);
      const vanished = Date.now();
      await waitFor('serving again', () => m.isServing());
      const { leased, ...published } = (await m.getNode('node-a'))!;
      expect(published).to.deep.equal(nodeRecord('node-a'));
      // A new lease took the record: its age starts again.
      expect(leased).to.be.at.least(vanished);
    });

    it('should register once the previous holder lets go when the id is taken', async () => {
      ns = namespace();
      const first = ns.open('node-a');
      await first.register(nodeRecord('node-a'));
      const second = ns.open('node-a', { registerRetryMs: 5_000 });
      const registering = second.register(nodeRecord('node-a'));
      await first.deregister();
      await registering;
      expect(second.isServing()).to.equal(true);
    });
  });
});
