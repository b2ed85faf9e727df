// Directory listings and recursive delete in the files service, on a fake 3-node cluster that
// shares one in-memory namespace: paging at one revision with cursors, recursive order and
// depth, and the journaled subtree delete across owners with its permission and owner checks.
import { expect } from 'chai';
import {
  BadRequestError,
  CursorExpiredError,
  DirectoryNotEmptyError,
  InvalidCursorError,
  NotADirectoryError,
  NotFoundError,
  OwnerUnavailableError,
  PermissionDeniedError,
} from '../../../src/files/errors.js';
import { deleteJobId } from '../../../src/files/subtree-delete.js';
import type { DirectoryListing, ListQuery } from '../../../src/files/ports.js';
import {
  caller,
  fakeCluster,
  rejection,
  writeFile,
  type FakeCluster,
  type FakeNode,
} from '../../support/fakes.js';

const query = (o: Partial<ListQuery> = {}): ListQuery => ({
  recursive: false,
  maxDepth: 100,
  limit: 1000,
  ...o,
});
const paths = (l: DirectoryListing) => l.items.map((i) => i.path);

describe('directories in the files service', () => {
  let cluster: FakeCluster;
  let a: FakeNode;
  let b: FakeNode;
  let c: FakeNode;
  const alice = caller('alice');
  const bob = caller('bob');
  const root = caller('root');

  beforeEach(async () => {
    cluster = await fakeCluster(['node-a', 'node-b', 'node-c']);
    [a, b, c] = cluster.nodes;
  });
  afterEach(async () => {
    await cluster.close();
  });

  describe('listDirectory', () => {
    it('should list children sorted by name with their count when a directory is listed', async () => {
      for (const n of ['b', 'a', 'c/x']) await writeFile(a.files, alice, `/l/${n}`, n);
      const listing = await b.files.listDirectory(alice, '/l', query());
      expect(paths(listing)).to.deep.equal(['/l/a', '/l/b', '/l/c']);
      expect([listing.count, listing.recursive, listing.nextCursor]).to.deep.equal([
        3,
        false,
        undefined,
      ]);
    });

    it('should hide a file whose create is in flight when listed', async () => {
      await writeFile(a.files, alice, '/l/done', 'x');
      const parents = { owner: 'alice', instance_id: 'node-a', backend_type: 'localfs', mtime: 1 };
      const claim = { ...(await a.metadata.get('/l/done'))!.inode, state: 'writing' as const };
      await a.metadata.create('/l/inflight', claim, { parents, leased: true });
      expect(paths(await a.files.listDirectory(alice, '/l', query()))).to.deep.equal(['/l/done']);
    });

    it('should page with cursors over one snapshot when files are created between pages', async () => {
      for (const n of ['a', 'b', 'd', 'e']) await writeFile(a.files, alice, `/p/${n}`, n);
      const first = await a.files.listDirectory(alice, '/p', query({ limit: 2 }));
      await writeFile(b.files, alice, '/p/c', 'late');
      const second = await c.files.listDirectory(
        alice,
        '/p',
        query({ limit: 2, cursor: first.nextCursor }),
      );
      expect([paths(first), paths(second)]).to.deep.equal([
        ['/p/a', '/p/b'],
        ['/p/d', '/p/e'],
      ]);
      expect([first.count, second.count, second.nextCursor]).to.deep.equal([4, 4, undefined]);
    });

    it('should list the subtree grouped by parent, parents in path order, when recursive', async () => {
      for (const p of ['/r/b/y', '/r/a/x', '/r/z', '/r/a/c/q'])
        await writeFile(a.files, alice, p, 'x');
      const listing = await a.files.listDirectory(alice, '/r', query({ recursive: true }));
      expect(paths(listing)).to.deep.equal([
        '/r/a',
        '/r/b',
        '/r/z',
        '/r/a/c',
        '/r/a/x',
        '/r/a/c/q',
        '/r/b/y',
      ]);
      expect([listing.count, listing.recursive]).to.deep.equal([7, true]);
    });

    it('should stop at max_depth and count to it when listed recursively', async () => {
      for (const p of ['/r/a/x', '/r/a/c/q', '/r/z']) await writeFile(a.files, alice, p, 'x');
      const listing = await a.files.listDirectory(
        alice,
        '/r',
        query({ recursive: true, maxDepth: 1 }),
      );
      expect(paths(listing)).to.deep.equal(['/r/a', '/r/z', '/r/a/c', '/r/a/x']);
      expect(listing.count).to.equal(4);
    });

    it('should page a recursive listing when a limit is given', async () => {
      for (const p of ['/r/a/x', '/r/a/y', '/r/b/z']) await writeFile(a.files, alice, p, 'x');
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await a.files.listDirectory(
          alice,
          '/r',
          query({ recursive: true, limit: 2, cursor }),
        );
        seen.push(...paths(page));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen).to.deep.equal(['/r/a', '/r/b', '/r/a/x', '/r/a/y', '/r/b/z']);
    });

    it('should reject with InvalidCursorError when the cursor is malformed', async () => {
      await writeFile(a.files, alice, '/p/a', 'a');
      for (const cursor of ['%%%', 'bm90IGpzb24', Buffer.from('{"v":1}').toString('base64url')]) {
        const err = await rejection(a.files.listDirectory(alice, '/p', query({ cursor })));
        expect(err, cursor).to.be.instanceOf(InvalidCursorError);
      }
    });

    it('should reject with InvalidCursorError when any byte of a cursor is changed', async () => {
      for (const n of ['a', 'b', 'c']) await writeFile(a.files, alice, `/p/${n}`, n);
      const { nextCursor } = await a.files.listDirectory(alice, '/p', query({ limit: 1 }));
      const cursor = nextCursor as string;
      const flip = (i: number) =>
        cursor.slice(0, i) + (cursor[i] === 'A' ? 'B' : 'A') + cursor.slice(i + 1);
      const codes = new Set<string>();
      for (let i = 0; i < cursor.length; i++) {
        const err = await rejection(a.files.listDirectory(alice, '/p', query({ cursor: flip(i) })));
        codes.add((err as { code: string }).code);
      }
      expect([...codes]).to.deep.equal(['INVALID_CURSOR']);
    });

    it('should reject with InvalidCursorError when a cursor claims another revision and count', async () => {
      for (const n of ['a', 'b']) await writeFile(a.files, alice, `/p/${n}`, n);
      const { nextCursor } = await a.files.listDirectory(alice, '/p', query({ limit: 1 }));
      const [payload, mac] = (nextCursor as string).split('.') as [string, string];
      const state = JSON.parse(Buffer.from(payload, 'base64url').toString()) as object;
      const forged = Buffer.from(JSON.stringify({ ...state, rev: '2', n: 999 })).toString(
        'base64url',
      );
      const errs = [
        await rejection(a.files.listDirectory(alice, '/p', query({ cursor: forged }))),
        await rejection(a.files.listDirectory(alice, '/p', query({ cursor: `${forged}.${mac}` }))),
      ];
      expect(errs.map((e) => e instanceof InvalidCursorError)).to.deep.equal([true, true]);
    });

    it('should continue on another node when the cursor was made on one', async () => {
      for (const n of ['a', 'b', 'c']) await writeFile(a.files, alice, `/p/${n}`, n);
      const first = await a.files.listDirectory(alice, '/p', query({ limit: 2 }));
      const second = await c.files.listDirectory(
        alice,
        '/p',
        query({ limit: 2, cursor: first.nextCursor }),
      );
      expect(paths(second)).to.deep.equal(['/p/c']);
    });

    it('should reject with InvalidCursorError when the cursor belongs to another listing', async () => {
      for (const p of ['/p/a', '/p/b', '/q/a']) await writeFile(a.files, alice, p, 'x');
      const { nextCursor } = await a.files.listDirectory(alice, '/p', query({ limit: 1 }));
      const errs = [
        await rejection(a.files.listDirectory(alice, '/q', query({ cursor: nextCursor }))),
        await rejection(
          a.files.listDirectory(alice, '/p', query({ cursor: nextCursor, recursive: true })),
        ),
      ];
      expect(errs.map((e) => e instanceof InvalidCursorError)).to.deep.equal([true, true]);
    });

    it('should reject with CursorExpiredError when the revision was compacted', async () => {
      for (const n of ['a', 'b']) await writeFile(a.files, alice, `/p/${n}`, n);
      const { nextCursor } = await a.files.listDirectory(alice, '/p', query({ limit: 1 }));
      await writeFile(a.files, alice, '/p/c', 'c');
      cluster.store.compact(cluster.store.currentRevision());
      const err = await rejection(
        a.files.listDirectory(alice, '/p', query({ limit: 1, cursor: nextCursor })),
      );
      expect(err).to.be.instanceOf(CursorExpiredError);
    });

    it('should reject with NotFoundError when the directory is missing', async () => {
      const err = await rejection(a.files.listDirectory(alice, '/nope', query()));
      expect(err).to.be.instanceOf(NotFoundError);
    });

    it('should reject with NotADirectoryError when the path is a file', async () => {
      await writeFile(a.files, alice, '/f', 'x');
      const err = await rejection(a.files.listDirectory(alice, '/f', query()));
      expect(err).to.be.instanceOf(NotADirectoryError);
    });

    it('should reject with BadRequestError when the limit is out of range', async () => {
      const errs = [
        await rejection(a.files.listDirectory(alice, '/', query({ limit: 0 }))),
        await rejection(a.files.listDirectory(alice, '/', query({ limit: 10_001 }))),
      ];
      expect(errs.map((e) => e instanceof BadRequestError)).to.deep.equal([true, true]);
    });
  });

  describe('list (the CallFS array)', () => {
    it('should return every child when there are more than one store page', async () => {
      const parents = { owner: 'alice', instance_id: 'node-a', backend_type: 'localfs', mtime: 1 };
      await a.files.mkdir(alice, '/big');
      const dir = (await a.metadata.get('/big'))!.inode;
      for (let i = 0; i < 1500; i++) {
        await a.metadata.create(`/big/d${String(i).padStart(4, '0')}`, dir, { parents });
      }
      const names = (await b.files.list(alice, '/big')).map((e) => e.name);
      expect([names.length, names[0], names[1499]]).to.deep.equal([1500, 'd0000', 'd1499']);
    });
  });

  describe('recursive delete', () => {
    async function tree(): Promise<void> {
      await writeFile(a.files, alice, '/t/a.txt', 'a');
      await writeFile(b.files, alice, '/t/sub/b.txt', 'b');
      await writeFile(c.files, alice, '/t/sub/deep/c.txt', 'c');
      await a.files.mkdir(alice, '/t/empty');
    }
    const remaining = () => [...cluster.store.inodes.keys()].filter((p) => p.startsWith('/t'));

    it('should delete the files on every owner and every key when a tree is deleted', async () => {
      await tree();
      await b.files.remove(alice, '/t', { recursive: true });
      const bytes = [
        await a.storage.has('/t/a.txt'),
        await b.storage.has('/t/sub/b.txt'),
        await c.storage.has('/t/sub/deep/c.txt'),
      ];
      expect(bytes).to.deep.equal([false, false, false]);
      expect(remaining()).to.deep.equal([]);
    });

    it('should clear its journal entry when the delete completes', async () => {
      await tree();
      await a.files.remove(alice, '/t', { recursive: true });
      expect([...cluster.store.journal.keys()]).to.deep.equal([]);
    });

    it('should answer 403 and delete nothing when an entry belongs to another user', async () => {
      await tree();
      await writeFile(c.files, bob, '/t/sub/bob.txt', 'bob');
      const before = remaining();
      const err = await rejection(a.files.remove(alice, '/t', { recursive: true }));
      expect(err).to.be.instanceOf(PermissionDeniedError);
      expect(remaining()).to.deep.equal(before);
    });

    it('should delete entries of several users when the caller is root', async () => {
      await tree();
      await writeFile(c.files, bob, '/t/sub/bob.txt', 'bob');
      await a.files.remove(root, '/t', { recursive: true });
      expect(remaining()).to.deep.equal([]);
    });

    it('should answer OWNER_UNAVAILABLE with nothing deleted when an owner is not a member', async () => {
      await tree();
      await c.metadata.deregister();
      const before = remaining();
      const err = await rejection(a.files.remove(alice, '/t', { recursive: true }));
      expect((err as OwnerUnavailableError).instanceId).to.equal('node-c');
      expect(remaining()).to.deep.equal(before);
    });

    it('should keep the journal and finish on a retry when an owner cannot be reached', async () => {
      await tree();
      cluster.disconnect('node-c');
      const err = await rejection(a.files.remove(alice, '/t', { recursive: true }));
      expect(err).to.be.instanceOf(OwnerUnavailableError);
      expect([...cluster.store.journal.keys()]).to.deep.equal([deleteJobId('/t')]);
      cluster.reconnect('node-c');
      await b.files.remove(alice, '/t', { recursive: true });
      expect([remaining(), [...cluster.store.journal.keys()]]).to.deep.equal([[], []]);
      expect(await c.storage.has('/t/sub/deep/c.txt')).to.equal(false);
    });

    it('should remove in-flight create claims under the tree when deleting it', async () => {
      await tree();
      const parents = { owner: 'alice', instance_id: 'node-b', backend_type: 'localfs', mtime: 1 };
      const claim = { ...(await a.metadata.get('/t/a.txt'))!.inode, state: 'writing' as const };
      await b.metadata.create(
        '/t/sub/up.bin',
        { ...claim, instance_id: 'node-b' },
        {
          parents,
          leased: true,
        },
      );
      await a.files.remove(alice, '/t', { recursive: true });
      expect(remaining()).to.deep.equal([]);
    });

    it('should delete a tree bigger than one page and one transaction', async () => {
      for (let d = 0; d < 3; d++) {
        await Promise.all(
          Array.from({ length: 250 }, (_, i) => writeFile(a.files, alice, `/t/d${d}/f${i}`, 'x')),
        );
      }
      await writeFile(b.files, alice, '/t/d1/remote', 'r');
      await c.files.remove(alice, '/t', { recursive: true });
      expect(remaining()).to.deep.equal([]);
    });

    it('should delete just the file when the target of a recursive delete is a file', async () => {
      await tree();
      await c.files.remove(alice, '/t/sub/b.txt', { recursive: true });
      expect([
        await b.storage.has('/t/sub/b.txt'),
        (await a.metadata.get('/t/sub')) !== null,
      ]).to.deep.equal([false, true]);
    });

    it('should answer 409 DIRECTORY_NOT_EMPTY when a non-empty directory is deleted without recursive', async () => {
      await tree();
      const err = await rejection(a.files.remove(alice, '/t'));
      expect(err).to.be.instanceOf(DirectoryNotEmptyError);
    });

    it('should answer 404 when the tree does not exist', async () => {
      const err = await rejection(a.files.remove(alice, '/nope', { recursive: true }));
      expect(err).to.be.instanceOf(NotFoundError);
    });
  });
});
