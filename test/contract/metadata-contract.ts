// The behaviour every Metadata + Membership implementation must show, run against each of them
// (the etcd adapter in integration tests, the in-memory fake in unit tests), so the fake the
// files service is tested with cannot drift from the real thing.
import { expect } from 'chai';
import {
  AlreadyExistsError,
  BadRequestError,
  CursorExpiredError,
  DirectoryNotEmptyError,
  NodeNotServingError,
  ParentNotADirectoryError,
  StaleRevisionError,
} from '../../src/files/errors.js';
import type {
  CreateOptions,
  Inode,
  InodeRecord,
  Membership,
  Metadata,
  NodeRecord,
  ScanOptions,
  ScanPage,
} from '../../src/files/ports.js';
import { rejection } from '../support/checks.js';

export type MetadataUnderTest = Metadata & Membership & { close?(): Promise<void> };

export interface MetadataSubject {
  /** A fresh, unregistered instance on an empty namespace. */
  metadata: MetadataUnderTest;
  /** The instance id `metadata` was configured with. */
  instanceId: string;
  /**
   * Another process on the same namespace, configured with `instanceId`, with a short
   * register retry window (a few hundred ms at most).
   */
  peer(instanceId: string): Promise<MetadataUnderTest>;
  /** Makes `metadata`'s membership lease expire behind its back, if the store can. */
  expireLease?(): Promise<void>;
  /** Compacts the store's history at `revision` (etcd compaction), if the store can. */
  compact?(revision: string): Promise<void>;
  /** Closes every instance made and removes what the test stored. */
  cleanup(): Promise<void>;
}

/** A fresh subject whose metadata is registered under its instance id (a contract's set-up). */
export async function registered(
  make: () => Promise<MetadataSubject>,
): Promise<{ subject: MetadataSubject; m: MetadataUnderTest; id: string }> {
  const subject = await make();
  await subject.metadata.register(nodeRecord(subject.instanceId));
  return { subject, m: subject.metadata, id: subject.instanceId };
}

export function nodeRecord(instanceId: string): NodeRecord {
  return {
    instance_id: instanceId,
    http_url: `http://${instanceId}.test:8443`,
    grpc_addr: `${instanceId}.test:9443`,
    backends: ['localfs'],
    started: 1_700_000_000_000,
  };
}

export function fileInode(instanceId: string, overrides: Partial<Inode> = {}): Inode {
  return {
    type: 'file',
    instance_id: instanceId,
    backend_type: 'localfs',
    size: 5,
    mode: 0o644,
    owner: 'alice',
    mtime: 1_700_000_000_000,
    gen: 1,
    state: 'ready',
    ...overrides,
  };
}

export function dirInode(instanceId: string, overrides: Partial<Inode> = {}): Inode {
  return fileInode(instanceId, { type: 'directory', size: 0, mode: 0o755, ...overrides });
}

export function parentsOf(instanceId: string): CreateOptions {
  return {
    parents: {
      owner: 'bob',
      instance_id: instanceId,
      backend_type: 'localfs',
      mtime: 1_700_000_000_001,
    },
  };
}

export async function waitFor(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 8_000,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not yet
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function metadataContract(name: string, make: () => Promise<MetadataSubject>): void {
  describe(`${name} (metadata contract)`, function () {
    this.timeout(20_000);
    let s: MetadataSubject;
    let m: MetadataUnderTest;
    let id: string;
    const opts = (): CreateOptions => parentsOf(id);
    const file = (o: Partial<Inode> = {}): Inode => fileInode(id, o);

    beforeEach(async () => {
      s = await make();
      m = s.metadata;
      id = s.instanceId;
      await m.register(nodeRecord(id));
    });
    afterEach(async () => {
      await s.cleanup();
    });

    describe('reads', () => {
      it('should synthesize the root when / is read', async () => {
        const root = await m.get('/');
        expect(root?.inode).to.include({ type: 'directory', owner: 'root', instance_id: '' });
        expect(root?.revision).to.equal('0');
      });

      it('should return null when the path does not exist', async () => {
        expect(await m.get('/nope')).to.equal(null);
      });

      it('should return the stored inode and revision when a created file is read', async () => {
        const created = await m.create('/f.txt', file(), opts());
        expect(await m.get('/f.txt')).to.deep.equal(created);
      });

      it('should list only direct children in byte order when a directory is listed', async () => {
        for (const p of ['/a/b', '/a/c/d', '/ab/x', '/a/B', '/a/é']) {
          await m.create(p, file(), opts());
        }
        const names = (await m.list('/a')).map((r) => r.path);
        expect(names).to.deep.equal(['/a/B', '/a/b', '/a/c', '/a/é']);
      });

      it('should list the top level when the root is listed', async () => {
        await m.create('/a/b', file(), opts());
        await m.create('/ab', file(), opts());
        expect((await m.list('/')).map((r) => r.path)).to.deep.equal(['/a', '/ab']);
      });

      it('should list nothing when a directory is empty', async () => {
        await m.create('/empty', dirInode(id), opts());
        expect(await m.list('/empty')).to.deep.equal([]);
      });
    });

    describe('create', () => {
      it('should create missing ancestors as directories from the template when nested', async () => {
        await m.create('/a/b/c.txt', file(), opts());
        const a = await m.get('/a');
        expect(a?.inode).to.deep.equal({
          type: 'directory',
          instance_id: id,
          backend_type: 'localfs',
          size: 0,
          mode: 0o755,
          owner: 'bob',
          mtime: 1_700_000_000_001,
          gen: 1,
          state: 'ready',
        });
        expect((await m.get('/a/b'))?.inode.type).to.equal('directory');
      });

      it('should leave the parent untouched when a child is created', async () => {
        const dir = await m.create('/d', dirInode(id), opts());
        await m.create('/d/x', file(), opts());
        expect((await m.get('/d'))?.revision).to.equal(dir.revision);
      });

      it('should reject with the existing owner when the path exists', async () => {
        await m.create('/f', file(), opts());
        const err = await rejection(m.create('/f', dirInode(id), opts()));
        expect(err).to.be.instanceOf(AlreadyExistsError);
        expect((err as AlreadyExistsError).existing).to.deep.equal({
          path: '/f',
          type: 'file',
          instanceId: id,
          backendType: 'localfs',
        });
        expect((err as AlreadyExistsError).requestedType).to.equal('directory');
      });

      it('should reject with AlreadyExistsError when the root is created', async () => {
        expect(await rejection(m.create('/', dirInode(id), opts()))).to.be.instanceOf(
          AlreadyExistsError,
        );
      });

      it('should reject with ParentNotADirectoryError when the parent is a file', async () => {
        await m.create('/f', file(), opts());
        const err = await rejection(m.create('/f/x', file(), opts()));
        expect(err).to.be.instanceOf(ParentNotADirectoryError);
      });

      it('should reject with ParentNotADirectoryError when a farther ancestor is a file', async () => {
        await m.create('/f', file(), opts());
        const err = await rejection(m.create('/f/x/y/z', file(), opts()));
        expect(err).to.be.instanceOf(ParentNotADirectoryError);
        expect(await m.get('/f/x')).to.equal(null);
      });

      it('should reject with ParentNotADirectoryError when the parent is still being written', async () => {
        await m.create('/w', file({ state: 'writing', gen: 0 }), opts());
        const err = await rejection(m.create('/w/x', file(), opts()));
        expect(err).to.be.instanceOf(ParentNotADirectoryError);
      });

      it('should reject with BadRequestError when too many ancestors are missing', async () => {
        const deep = '/d'.repeat(122);
        expect(await rejection(m.create(deep, file(), opts()))).to.be.instanceOf(BadRequestError);
      });

      it('should let exactly one win when 20 creates of one path race', async () => {
        const results = await Promise.allSettled(
          Array.from({ length: 20 }, (_, i) => m.create('/race/x', file({ size: i }), opts())),
        );
        const won = results.filter((r) => r.status === 'fulfilled');
        const lost = results.filter(
          (r) => r.status === 'rejected' && r.reason instanceof AlreadyExistsError,
        );
        expect([won.length, lost.length]).to.deep.equal([1, 19]);
      });

      it('should create every sibling when creates race under one missing parent', async () => {
        await Promise.all(
          Array.from({ length: 10 }, (_, i) => m.create(`/p/q/f${i}`, file(), opts())),
        );
        expect(await m.list('/p/q')).to.have.length(10);
      });

      it('should reject with NodeNotServingError when not registered', async () => {
        await m.deregister();
        expect(await rejection(m.create('/f', file(), opts()))).to.be.instanceOf(
          NodeNotServingError,
        );
      });

      it('should never apply a create whose write was fenced, under a known or a new parent', async () => {
        await m.create('/known/x', file(), opts());
        await m.fenceWrite('w-fenced');
        await m.fenceWrite('w-fenced'); // idempotent
        for (const path of ['/known/f', '/fresh/dir/f', '/f']) {
          const err = await rejection(m.create(path, file(), { ...opts(), fence: 'w-fenced' }));
          expect(err, path).to.be.instanceOf(StaleRevisionError);
          expect(await m.get(path), path).to.equal(null);
        }
        expect(await m.get('/fresh')).to.equal(null);
        // Another write's create of the same path is not fenced.
        await m.create('/known/f', file(), { ...opts(), fence: 'w-other' });
        expect((await m.get('/known/f'))?.inode.type).to.equal('file');
      });
    });

    describe('create revision', () => {
      it('should keep the create revision when a file is replaced', async () => {
        const old = await m.create('/f', file(), opts());
        const next = await m.replace(old, file({ size: 99, gen: 2 }));
        expect(next.created).to.equal(old.created);
        expect((await m.get('/f'))?.created).to.equal(old.created);
      });

      it('should give a new create revision when a path is deleted and created again', async () => {
        const old = await m.create('/f', file(), opts());
        await m.remove(old);
        const again = await m.create('/f', file(), opts());
        expect(again.created).to.not.equal(old.created);
        expect((await m.get('/f'))?.created).to.equal(again.created);
      });

      it('should give a new create revision when a file is moved to a free path', async () => {
        const old = await m.create('/f', file(), opts());
        const moved = await m.move(old, '/g', file(), {});
        expect(moved.created).to.not.equal(old.created);
        expect((await m.get('/g'))?.created).to.equal(moved.created);
      });

      it('should list the same create revision as a read when a directory is paged', async () => {
        const created = await m.create('/d/x', file(), opts());
        const page = await m.listPage('/d', { limit: 10 });
        expect(page.records[0]?.created).to.equal(created.created);
      });
    });

    describe('replace', () => {
      it('should store the new inode with a new revision when the revision matches', async () => {
        const old = await m.create('/f', file(), opts());
        const next = await m.replace(old, file({ size: 99, gen: 2 }));
        expect(next.revision).to.not.equal(old.revision);
        expect(await m.get('/f')).to.deep.equal(next);
      });

      it('should reject with StaleRevisionError when the inode changed since it was read', async () => {
        const old = await m.create('/f', file(), opts());
        await m.replace(old, file({ gen: 2 }));
        expect(await rejection(m.replace(old, file({ gen: 3 })))).to.be.instanceOf(
          StaleRevisionError,
        );
      });

      it('should reject with StaleRevisionError when the inode was removed', async () => {
        const old = await m.create('/f', file(), opts());
        await m.remove(old);
        expect(await rejection(m.replace(old, file()))).to.be.instanceOf(StaleRevisionError);
      });

      it('should reject with NodeNotServingError when not registered', async () => {
        const old = await m.create('/f', file(), opts());
        await m.deregister();
        expect(await rejection(m.replace(old, file()))).to.be.instanceOf(NodeNotServingError);
      });
    });

    describe('remove', () => {
      it('should delete a file when its revision matches', async () => {
        await m.remove(await m.create('/f', file(), opts()));
        expect(await m.get('/f')).to.equal(null);
      });

      it('should delete a directory when it is empty', async () => {
        await m.remove(await m.create('/d', dirInode(id), opts()));
        expect(await m.get('/d')).to.equal(null);
      });

      it('should reject with DirectoryNotEmptyError when the directory has a child', async () => {
        await m.create('/d/x', file(), opts());
        const dir = (await m.get('/d'))!;
        expect(await rejection(m.remove(dir))).to.be.instanceOf(DirectoryNotEmptyError);
      });

      it('should reject with StaleRevisionError when the inode changed since it was read', async () => {
        const old = await m.create('/f', file(), opts());
        await m.replace(old, file({ gen: 2 }));
        expect(await rejection(m.remove(old))).to.be.instanceOf(StaleRevisionError);
      });

      it('should reject with BadRequestError when the root is removed', async () => {
        expect(await rejection(m.remove((await m.get('/'))!))).to.be.instanceOf(BadRequestError);
      });

      it('should reject with NodeNotServingError when not registered', async () => {
        const old = await m.create('/f', file(), opts());
        await m.deregister();
        expect(await rejection(m.remove(old))).to.be.instanceOf(NodeNotServingError);
      });
    });

    const paths = (records: InodeRecord[]) => records.map((r) => r.path);

    describe('paged reads', () => {
      /** Every page of a scan, all at the first page's revision. */
      async function all(
        scan: (o: ScanOptions) => Promise<ScanPage>,
        limit: number,
        extra: Partial<ScanOptions> = {},
      ): Promise<{ pages: string[][]; revision: string }> {
        const pages: string[][] = [];
        let page = await scan({ ...extra, limit });
        pages.push(paths(page.records));
        while (page.next !== undefined) {
          page = await scan({ ...extra, limit, from: page.next, revision: page.revision });
          pages.push(paths(page.records));
        }
        return { pages, revision: page.revision };
      }

      it('should page a directory in byte order when listed with a limit', async () => {
        for (const n of ['c', 'a', 'B', 'é', 'b']) await m.create(`/d/${n}`, file(), opts());
        await m.create('/d/dir/deep', file(), opts());
        const { pages } = await all((o) => m.listPage('/d', o), 2);
        expect(pages).to.deep.equal([
          ['/d/B', '/d/a'],
          ['/d/b', '/d/c'],
          ['/d/dir', '/d/é'],
        ]);
      });

      it('should end without a next position when the last page is exactly full', async () => {
        for (const n of ['a', 'b']) await m.create(`/d/${n}`, file(), opts());
        const page = await m.listPage('/d', { limit: 2 });
        expect([paths(page.records), page.next]).to.deep.equal([['/d/a', '/d/b'], undefined]);
      });

      it('should include in-flight claims when a page is read', async () => {
        await m.create('/d/w', file({ state: 'writing', gen: 0 }), { ...opts(), leased: true });
        const page = await m.listPage('/d', { limit: 10 });
        expect(page.records.map((r) => r.inode.state)).to.deep.equal(['writing']);
      });

      it('should not see later creates or deletes when a page is read at an earlier revision', async () => {
        for (const n of ['a', 'b', 'd']) await m.create(`/snap/${n}`, file(), opts());
        const first = await m.listPage('/snap', { limit: 1 });
        await m.create('/snap/c', file(), opts());
        await m.remove((await m.get('/snap/d'))!);
        const rest = await m.listPage('/snap', {
          limit: 10,
          from: first.next,
          revision: first.revision,
        });
        expect(paths(rest.records)).to.deep.equal(['/snap/b', '/snap/d']);
      });

      it('should see the latest state when a page is read without a revision', async () => {
        await m.create('/snap/a', file(), opts());
        const before = await m.listPage('/snap', { limit: 10 });
        await m.create('/snap/b', file(), opts());
        const after = await m.listPage('/snap', { limit: 10 });
        expect(paths(after.records)).to.deep.equal(['/snap/a', '/snap/b']);
        expect(Number(after.revision)).to.be.greaterThan(Number(before.revision));
      });

      it('should count the children at a revision when counted', async () => {
        for (const n of ['a', 'b', 'c/x']) await m.create(`/cnt/${n}`, file(), opts());
        const { revision } = await m.listPage('/cnt', { limit: 1 });
        await m.create('/cnt/d', file(), opts());
        expect(await m.count('/cnt', { revision })).to.equal(3);
      });

      it('should count a subtree to a depth when counted recursively', async () => {
        for (const p of ['/t/a', '/t/b/c', '/t/b/d/e', '/t/b/d/f/g', '/tx/no']) {
          await m.create(p, file(), opts());
        }
        const { revision } = await m.listPage('/t', { limit: 1 });
        const counts = [
          await m.count('/t', { revision, recursive: true }),
          await m.count('/t', { revision, recursive: true, maxDepth: 0 }),
          await m.count('/t', { revision, recursive: true, maxDepth: 1 }),
        ];
        // /t/a /t/b | /t/b/c /t/b/d | /t/b/d/e /t/b/d/f | /t/b/d/f/g
        expect(counts).to.deep.equal([7, 2, 4]);
      });

      it('should scan a subtree grouped by parent in key order when scanned', async () => {
        for (const p of ['/s/a/x', '/s/a-b/y', '/s/b', '/s/.h/z', '/s/a/c/q']) {
          await m.create(p, file(), opts());
        }
        const { pages } = await all((o) => m.scanSubtree('/s', o), 100);
        // Keys `fs<parent>//<name>` in byte order: `.` and `-` sort before `/`.
        expect(pages.flat()).to.deep.equal([
          '/s/.h/z',
          '/s/.h',
          '/s/a',
          '/s/a-b',
          '/s/b',
          '/s/a-b/y',
          '/s/a/c',
          '/s/a/x',
          '/s/a/c/q',
        ]);
      });

      it('should leave out a sibling sharing the name prefix when a subtree is scanned', async () => {
        for (const p of ['/a/x', '/ab/y', '/a/b/z']) await m.create(p, file(), opts());
        const page = await m.scanSubtree('/a', { limit: 100 });
        expect(paths(page.records)).to.deep.equal(['/a/b', '/a/x', '/a/b/z']);
      });

      it('should skip deeper entries across pages when a subtree is scanned to a depth', async () => {
        for (const p of ['/m/a/1/x', '/m/a/2', '/m/b/1/y/z', '/m/c', '/m/d/e/f/g']) {
          await m.create(p, file(), opts());
        }
        const { pages } = await all((o) => m.scanSubtree('/m', o), 2, { maxDepth: 1 });
        expect(pages.flat()).to.deep.equal([
          '/m/a',
          '/m/b',
          '/m/c',
          '/m/d',
          '/m/a/1',
          '/m/a/2',
          '/m/b/1',
          '/m/d/e',
        ]);
      });

      it('should scan the whole namespace when the subtree is the root', async () => {
        await m.create('/r/x', file(), opts());
        const page = await m.scanSubtree('/', { limit: 10 });
        expect(paths(page.records)).to.deep.equal(['/r', '/r/x']);
      });

      it('should reject with BadRequestError when the position is not base64url', async () => {
        const err = await rejection(m.listPage('/d', { limit: 1, from: '*not*' }));
        expect(err).to.be.instanceOf(BadRequestError);
      });

      it('should reject with BadRequestError when the position is from another directory', async () => {
        for (const p of ['/p1/a', '/p1/b', '/p2/c']) await m.create(p, file(), opts());
        const { next } = await m.listPage('/p1', { limit: 1 });
        const err = await rejection(m.listPage('/p2', { limit: 1, from: next }));
        expect(err).to.be.instanceOf(BadRequestError);
      });

      it('should reject with BadRequestError when the revision is in the future', async () => {
        const { revision } = await m.listPage('/', { limit: 1 });
        const future = String(Number(revision) + 1000);
        const err = await rejection(m.listPage('/', { limit: 1, revision: future }));
        expect(err).to.be.instanceOf(BadRequestError);
      });

      it('should reject with CursorExpiredError when the revision was compacted', async function () {
        if (!s.compact) this.skip();
        await m.create('/c/a', file(), opts());
        const { revision } = await m.listPage('/c', { limit: 1 });
        await m.create('/c/b', file(), opts());
        const latest = (await m.listPage('/c', { limit: 1 })).revision;
        await s.compact!(latest);
        const err = await rejection(m.listPage('/c', { limit: 1, revision }));
        expect(err).to.be.instanceOf(CursorExpiredError);
      });

      it('should keep reading the compaction revision when compacted exactly there', async function () {
        if (!s.compact) this.skip();
        await m.create('/c/a', file(), opts());
        const { revision } = await m.listPage('/c', { limit: 1 });
        await s.compact!(revision);
        await m.create('/c/b', file(), opts());
        const page = await m.listPage('/c', { limit: 10, revision });
        expect(paths(page.records)).to.deep.equal(['/c/a']);
      });
    });

    describe('removeMany', () => {
      it('should remove every record when none changed', async () => {
        const recs = [];
        for (const n of ['a', 'b', 'c']) recs.push(await m.create(`/rm/${n}`, file(), opts()));
        expect(await m.removeMany(recs)).to.deep.equal([]);
        expect(await m.list('/rm')).to.deep.equal([]);
      });

      it('should remove more records than one transaction holds when given 200', async () => {
        const recs = [];
        for (let i = 0; i < 200; i++) {
          recs.push(await m.create(`/many/f${String(i).padStart(3, '0')}`, file(), opts()));
        }
        expect(await m.removeMany(recs)).to.deep.equal([]);
        expect(await m.list('/many')).to.deep.equal([]);
      });

      it('should leave a changed record and remove the rest when one changed since read', async () => {
        const a = await m.create('/rm/a', file(), opts());
        const b = await m.create('/rm/b', file(), opts());
        await m.replace(a, file({ gen: 2 }));
        const left = await m.removeMany([a, b]);
        expect(paths(left)).to.deep.equal(['/rm/a']);
        expect(paths(await m.list('/rm'))).to.deep.equal(['/rm/a']);
      });

      it('should leave a directory that has a child and remove an empty one', async () => {
        await m.create('/rd/full/x', file(), opts());
        await m.create('/rd/empty', dirInode(id), opts());
        const dirs = [(await m.get('/rd/empty'))!, (await m.get('/rd/full'))!];
        const left = await m.removeMany(dirs);
        expect(paths(left)).to.deep.equal(['/rd/full']);
        expect(await m.get('/rd/empty')).to.equal(null);
      });

      it('should reject with NodeNotServingError when not registered', async () => {
        const rec = await m.create('/rm/a', file(), opts());
        await m.deregister();
        expect(await rejection(m.removeMany([rec]))).to.be.instanceOf(NodeNotServingError);
      });
    });

    describe('journal', () => {
      it('should list a put entry under its node until it is cleared', async () => {
        const value = { type: 'delete', node: id, path: '/x', state: 'files' };
        await m.putJournal({ id: 'job-1', value });
        await m.putJournal({ id: 'job-2', value: { ...value, node: 'other' } });
        expect((await m.journal(id)).entries).to.deep.equal([{ id: 'job-1', value }]);
        await m.clearJournal('job-1');
        expect((await m.journal(id)).entries).to.deep.equal([]);
      });

      it('should keep the last value when an entry is put twice', async () => {
        const value = { type: 'delete', node: id, path: '/x', state: 'files' };
        await m.putJournal({ id: 'job-1', value });
        await m.putJournal({ id: 'job-1', value: { ...value, state: 'directories' } });
        expect((await m.journal(id)).entries.map((e) => e.value.state)).to.deep.equal([
          'directories',
        ]);
        await m.clearJournal('job-1');
      });
    });

    describe('membership', () => {
      it('should be serving when registered', () => {
        expect(m.isServing()).to.equal(true);
      });

      it('should stop serving and drop its record when deregistered', async () => {
        await m.deregister();
        expect(m.isServing()).to.equal(false);
        expect(await m.getNode(id)).to.equal(null);
      });

      it('should publish the node record when registered', async () => {
        const { leased, ...published } = (await m.getNode(id))!;
        expect(published).to.deep.equal(nodeRecord(id));
        expect(leased).to.be.a('number');
      });

      it('should stamp the time its lease took the record when registered', async () => {
        await m.deregister();
        const before = Date.now();
        await m.register(nodeRecord(id));
        const leased = (await m.getNode(id))?.leased ?? 0;
        expect(leased).to.be.within(before, Date.now());
      });

      it('should return null when the node is unknown', async () => {
        expect(await m.getNode('ghost')).to.equal(null);
      });

      it('should list every registered node when several are up', async () => {
        const other = await s.peer('node-z');
        await other.register(nodeRecord('node-z'));
        const ids = (await m.listNodes()).map((n) => n.instance_id);
        expect(ids).to.deep.equal([id, 'node-z']);
      });

      it('should reject the second process when two register one instance id', async () => {
        const twin = await s.peer(id);
        expect(await rejection(twin.register(nodeRecord(id)))).to.be.instanceOf(AlreadyExistsError);
      });

      it('should remove leased claims when deregistered', async () => {
        await m.create('/claim', file({ state: 'writing', gen: 0 }), { ...opts(), leased: true });
        await m.deregister();
        expect(await m.get('/claim')).to.equal(null);
      });

      it('should drop a leased claim when the lease expires', async function () {
        if (!s.expireLease) this.skip();
        await m.create('/claim', file({ state: 'writing', gen: 0 }), { ...opts(), leased: true });
        await s.expireLease!();
        expect(await m.get('/claim')).to.equal(null);
      });

      it('should keep a replaced claim when the lease expires', async function () {
        if (!s.expireLease) this.skip();
        const claim = await m.create('/claim', file({ state: 'writing', gen: 0 }), {
          ...opts(),
          leased: true,
        });
        await m.replace(claim, file());
        await s.expireLease!();
        expect((await m.get('/claim'))?.inode.state).to.equal('ready');
      });

      it('should keep auto-created parents when a leased claim expires', async function () {
        if (!s.expireLease) this.skip();
        await m.create('/dir/claim', file({ state: 'writing' }), { ...opts(), leased: true });
        await s.expireLease!();
        expect((await m.get('/dir'))?.inode.type).to.equal('directory');
      });

      it('should register again and commit when its lease expired', async function () {
        if (!s.expireLease) this.skip();
        await s.expireLease!();
        await waitFor('a create to commit again', async () => {
          await m.create('/after', file(), opts());
          return true;
        });
        const { leased: _leased, ...published } = (await m.getNode(id))!;
        expect(published).to.deep.equal(nodeRecord(id));
      });
    });
  });
}
