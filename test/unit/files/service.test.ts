// The files service on in-memory fakes: one node's operations, routing by owner across a fake
// cluster sharing one namespace, membership fencing, failure cleanup, races, directories and the
// permission rules of API.md §2.
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import {
  AlreadyExistsError,
  BadRequestError,
  DirectoryNotEmptyError,
  NodeNotServingError,
  NotADirectoryError,
  NotAFileError,
  NotFoundError,
  OwnerUnavailableError,
  ParentNotADirectoryError,
  PayloadTooLargeError,
  PermissionDeniedError,
  WrongOwnerError,
} from '../../../src/files/errors.js';
import type { CallContext } from '../../../src/files/ports.js';
import {
  bodyOf,
  caller,
  fakeCluster,
  fakeHttpUrl,
  readFile,
  rejection,
  writeFile,
  type FakeCluster,
  type FakeNode,
} from '../../support/fakes.js';

const CREATE_ONLY = 'WRITE_MODE_CREATE_ONLY';
const REPLACE = 'WRITE_MODE_CREATE_OR_REPLACE';
const MAX_BODY = 64 * 1024;

describe('FilesService', () => {
  let cluster: FakeCluster;
  let a: FakeNode;
  let b: FakeNode;
  let c: FakeNode;
  const alice = caller('alice');
  const bob = caller('bob');
  const root = caller('root');
  const forwarded = (ctx: CallContext): CallContext => ({ ...ctx, forwarded: true });

  beforeEach(async () => {
    cluster = await fakeCluster(['node-a', 'node-b', 'node-c'], { maxBodyBytes: MAX_BODY });
    [a, b, c] = cluster.nodes;
  });
  afterEach(async () => {
    await cluster.close();
  });

  describe('files on one node', () => {
    it('should report created=true and the size when a new file is written', async () => {
      const result = await writeFile(a.files, alice, '/docs/a.txt', 'hello', CREATE_ONLY);
      expect(result.created).to.equal(true);
      expect(result.info.size).to.equal(5);
    });

    it('should serve the same bytes when a written file is read', async () => {
      const data = randomBytes(40_000);
      await writeFile(a.files, alice, '/bin/data.bin', data);
      expect((await readFile(a.files, alice, '/bin/data.bin')).equals(data)).to.equal(true);
    });

    it('should replace the content with created=false when an existing file is written again', async () => {
      await writeFile(a.files, alice, '/r.txt', 'one');
      const result = await writeFile(a.files, alice, '/r.txt', 'two!');
      expect(result.created).to.equal(false);
      expect((await readFile(a.files, alice, '/r.txt')).toString()).to.equal('two!');
    });

    it('should advance the write generation when a file is replaced', async () => {
      const first = await writeFile(a.files, alice, '/gen.txt', 'one');
      const second = await writeFile(a.files, alice, '/gen.txt', 'two');
      expect(second.info.gen).to.equal(first.info.gen + 1);
    });

    it('should remove the inode and the bytes when a file is removed', async () => {
      await writeFile(a.files, alice, '/gone.txt', 'bye');
      await a.files.remove(alice, '/gone.txt');
      expect(await rejection(a.files.stat(alice, '/gone.txt'))).to.be.instanceOf(NotFoundError);
      expect(a.storage.read('/gone.txt')).to.equal(undefined);
    });

    it('should create missing parents as directories owned by the caller when writing deep', async () => {
      await writeFile(a.files, alice, '/p1/p2/f.txt', 'deep');
      const info = await a.files.stat(bob, '/p1/p2');
      expect(info.type).to.equal('FILE_TYPE_DIRECTORY');
      expect(info.owner).to.equal('alice');
    });

    it('should reject with ParentNotADirectoryError when a parent is a file', async () => {
      await writeFile(a.files, alice, '/pf.txt', 'f');
      const err = await rejection(writeFile(a.files, alice, '/pf.txt/child', 'x'));
      expect(err).to.be.instanceOf(ParentNotADirectoryError);
    });

    it('should reject with AlreadyExistsError naming this node when create-only hits a local file', async () => {
      await writeFile(a.files, alice, '/dup.txt', 'one', CREATE_ONLY);
      const err = await rejection(writeFile(a.files, alice, '/dup.txt', 'two', CREATE_ONLY));
      expect(err).to.be.instanceOf(AlreadyExistsError);
      expect((err as AlreadyExistsError).existing?.instanceId).to.equal('node-a');
    });

    it('should keep the first content when a create-only write conflicts', async () => {
      await writeFile(a.files, alice, '/keep.txt', 'first', CREATE_ONLY);
      await rejection(writeFile(a.files, alice, '/keep.txt', 'second', CREATE_ONLY));
      expect((await readFile(a.files, alice, '/keep.txt')).toString()).to.equal('first');
    });

    it('should reject with NotFoundError when a missing file is stat-ed, read or removed', async () => {
      expect(await rejection(a.files.stat(alice, '/none'))).to.be.instanceOf(NotFoundError);
      expect(await rejection(a.files.read(alice, '/none'))).to.be.instanceOf(NotFoundError);
      expect(await rejection(a.files.remove(alice, '/none'))).to.be.instanceOf(NotFoundError);
    });

    it('should reject with NotAFileError when a directory is read', async () => {
      await a.files.mkdir(alice, '/dir');
      expect(await rejection(a.files.read(alice, '/dir'))).to.be.instanceOf(NotAFileError);
    });

    it('should reject with NotAFileError when a directory is replaced', async () => {
      await a.files.mkdir(alice, '/dir');
      const err = await rejection(writeFile(a.files, alice, '/dir', 'x', REPLACE));
      expect(err).to.be.instanceOf(NotAFileError);
    });

    it('should reject with NotAFileError when the root is written', async () => {
      expect(await rejection(writeFile(a.files, root, '/', 'x'))).to.be.instanceOf(NotAFileError);
    });

    it('should reject with BadRequestError when the root is removed', async () => {
      expect(await rejection(a.files.remove(root, '/'))).to.be.instanceOf(BadRequestError);
    });

    it('should reject with PayloadTooLargeError before any byte when the declared size exceeds the limit', async () => {
      const err = await rejection(
        a.files.openWrite(alice, {
          path: '/big',
          write_mode: REPLACE,
          expected_size: MAX_BODY + 1,
        }),
      );
      expect(err).to.be.instanceOf(PayloadTooLargeError);
    });

    it('should leave no inode and nothing staged when a streamed body exceeds the limit', async () => {
      const session = await a.files.openWrite(alice, {
        path: '/big',
        write_mode: REPLACE,
        expected_size: -1,
      });
      const err = await rejection(session.write(bodyOf(Buffer.alloc(MAX_BODY), Buffer.alloc(1))));
      expect(err).to.be.instanceOf(PayloadTooLargeError);
      expect(cluster.store.inodes.has('/big')).to.equal(false);
      expect(a.storage.stagedCount()).to.equal(0);
    });

    it('should hide a file whose create is still in flight when the parent is listed', async () => {
      await a.files.mkdir(alice, '/inflight');
      const session = await a.files.openWrite(alice, {
        path: '/inflight/f.txt',
        write_mode: CREATE_ONLY,
        expected_size: 1,
      });
      const names = (await b.files.list(bob, '/inflight')).map((e) => e.name);
      await session.abort();
      expect(names).to.deep.equal([]);
    });
  });

  describe('failed uploads', () => {
    async function* failingBody(): AsyncGenerator<Buffer> {
      yield Buffer.alloc(10_000, 1);
      throw new Error('client went away');
    }

    it('should leave no inode and nothing in storage when a create body fails midway', async () => {
      const session = await a.files.openWrite(alice, {
        path: '/cut/f.bin',
        write_mode: CREATE_ONLY,
        expected_size: -1,
      });
      await rejection(session.write(failingBody()));
      expect(cluster.store.inodes.has('/cut/f.bin')).to.equal(false);
      expect(a.storage.stagedCount()).to.equal(0);
      expect(a.storage.paths()).to.deep.equal([]);
    });

    it('should reject write() with the body error when the body fails midway', async () => {
      const session = await a.files.openWrite(alice, {
        path: '/cut2.bin',
        write_mode: CREATE_ONLY,
        expected_size: -1,
      });
      const err = await rejection(session.write(failingBody()));
      expect((err as Error).message).to.equal('client went away');
    });

    it('should keep the old content when a replace body fails midway', async () => {
      await writeFile(a.files, alice, '/old.txt', 'old');
      const session = await a.files.openWrite(alice, {
        path: '/old.txt',
        write_mode: REPLACE,
        expected_size: -1,
      });
      await rejection(session.write(failingBody()));
      expect((await readFile(a.files, alice, '/old.txt')).toString()).to.equal('old');
      expect(a.storage.stagedCount()).to.equal(0);
    });

    it('should leave nothing on either node when a forwarded replace body fails midway', async () => {
      await writeFile(b.files, alice, '/remote-old.txt', 'old');
      const session = await a.files.openWrite(alice, {
        path: '/remote-old.txt',
        write_mode: REPLACE,
        expected_size: -1,
      });
      await rejection(session.write(failingBody()));
      expect((await readFile(b.files, alice, '/remote-old.txt')).toString()).to.equal('old');
      expect(a.storage.stagedCount() + b.storage.stagedCount()).to.equal(0);
    });

    it('should free the path when an opened create is aborted', async () => {
      const session = await a.files.openWrite(alice, {
        path: '/ab.txt',
        write_mode: CREATE_ONLY,
        expected_size: 1,
      });
      await session.abort();
      const result = await writeFile(b.files, bob, '/ab.txt', 'b', CREATE_ONLY);
      expect(result.info.instance_id).to.equal('node-b');
    });
  });

  describe('routing across nodes', () => {
    it('should reject a create-only write with AlreadyExistsError naming the owner node when another node owns the path', async () => {
      await writeFile(b.files, alice, '/shared/r.docx', 'b');
      const err = await rejection(writeFile(a.files, alice, '/shared/r.docx', 'a', CREATE_ONLY));
      expect(err).to.be.instanceOf(AlreadyExistsError);
      expect((err as AlreadyExistsError).existing?.instanceId).to.equal('node-b');
      expect((err as AlreadyExistsError).existing?.httpUrl).to.equal(fakeHttpUrl('node-b'));
    });

    it('should create on the receiving node when a missing path is replaced', async () => {
      const result = await writeFile(c.files, alice, '/put/new.txt', 'new');
      expect(result.info.instance_id).to.equal('node-c');
      expect(c.storage.read('/put/new.txt')?.toString()).to.equal('new');
    });

    it("should write the bytes into the owner's storage when a file owned by another node is replaced", async () => {
      await writeFile(b.files, alice, '/owned-by-b.txt', 'v1');
      const result = await writeFile(a.files, alice, '/owned-by-b.txt', 'v2');
      expect(b.storage.read('/owned-by-b.txt')?.toString()).to.equal('v2');
      expect(a.storage.read('/owned-by-b.txt')).to.equal(undefined);
      expect(result.info.instance_id).to.equal('node-b');
    });

    it('should report the session as replacing when a file owned by another node is opened', async () => {
      await writeFile(b.files, alice, '/ex.txt', 'v1');
      const session = await a.files.openWrite(alice, {
        path: '/ex.txt',
        write_mode: REPLACE,
        expected_size: 2,
      });
      await session.abort();
      expect(session.exists).to.equal(true);
    });

    it("should serve the owner's bytes when a file owned by another node is read", async () => {
      await writeFile(b.files, alice, '/remote.bin', 'from b');
      const { info, body } = await a.files.read(alice, '/remote.bin');
      body.destroy();
      expect(info.instance_id).to.equal('node-b');
      expect((await readFile(a.files, alice, '/remote.bin')).toString()).to.equal('from b');
    });

    it('should ask the owner when a file owned by another node is read', async () => {
      await writeFile(b.files, alice, '/asked.bin', 'b');
      cluster.disconnect('node-b');
      const err = await rejection(a.files.read(alice, '/asked.bin'));
      expect(err).to.be.instanceOf(OwnerUnavailableError);
    });

    it('should ask the owner when a file owned by another node is stat-ed', async () => {
      await writeFile(b.files, alice, '/asked.txt', 'b');
      cluster.disconnect('node-b');
      const err = await rejection(a.files.stat(alice, '/asked.txt'));
      expect((err as OwnerUnavailableError).instanceId).to.equal('node-b');
    });

    it("should answer with the owner's info when a file owned by another node is stat-ed", async () => {
      await writeFile(b.files, alice, '/stat-b.txt', '12345');
      const info = await a.files.stat(bob, '/stat-b.txt');
      expect(info.instance_id).to.equal('node-b');
      expect(info.size).to.equal(5);
    });

    it("should delete the owner's bytes when a file owned by another node is removed", async () => {
      await writeFile(b.files, alice, '/rm-b.txt', 'x');
      await a.files.remove(alice, '/rm-b.txt');
      expect(b.storage.read('/rm-b.txt')).to.equal(undefined);
      expect(cluster.store.inodes.has('/rm-b.txt')).to.equal(false);
    });

    it('should answer a directory from the namespace when another node created it', async () => {
      await b.files.mkdir(alice, '/b-dir');
      cluster.disconnect('node-b');
      const info = await a.files.stat(alice, '/b-dir');
      expect(info.instance_id).to.equal('node-b');
    });

    it('should reject a forwarded stat with WrongOwnerError when this node does not own the path', async () => {
      await writeFile(b.files, alice, '/wo.txt', 'b');
      const err = await rejection(a.files.stat(forwarded(alice), '/wo.txt'));
      expect(err).to.be.instanceOf(WrongOwnerError);
      expect((err as WrongOwnerError).instanceId).to.equal('node-b');
    });

    it('should reject a forwarded replace with WrongOwnerError when this node does not own the path', async () => {
      await writeFile(b.files, alice, '/wo2.txt', 'b');
      const err = await rejection(writeFile(a.files, forwarded(alice), '/wo2.txt', 'a'));
      expect(err).to.be.instanceOf(WrongOwnerError);
      expect(b.storage.read('/wo2.txt')?.toString()).to.equal('b');
    });

    it('should reject a forwarded remove with WrongOwnerError when this node does not own the path', async () => {
      await writeFile(b.files, alice, '/wo3.txt', 'b');
      const err = await rejection(a.files.remove(forwarded(alice), '/wo3.txt'));
      expect(err).to.be.instanceOf(WrongOwnerError);
      expect(b.storage.read('/wo3.txt')?.toString()).to.equal('b');
    });

    it('should reject with OwnerUnavailableError naming the owner when it is missing from membership', async () => {
      await writeFile(b.files, alice, '/orphan.txt', 'b');
      await b.metadata.deregister();
      const err = await rejection(a.files.read(alice, '/orphan.txt'));
      expect(err).to.be.instanceOf(OwnerUnavailableError);
      expect((err as OwnerUnavailableError).instanceId).to.equal('node-b');
    });

    it('should reject a replace with OwnerUnavailableError when the owner cannot be reached', async () => {
      await writeFile(b.files, alice, '/down.txt', 'b');
      cluster.disconnect('node-b');
      const err = await rejection(writeFile(a.files, alice, '/down.txt', 'a'));
      expect(err).to.be.instanceOf(OwnerUnavailableError);
    });

    it('should keep serving paths of live nodes when another owner is down', async () => {
      await writeFile(b.files, alice, '/on-b.txt', 'b');
      await writeFile(c.files, alice, '/on-c.txt', 'c');
      cluster.disconnect('node-b');
      expect((await readFile(a.files, alice, '/on-c.txt')).toString()).to.equal('c');
    });
  });

  describe('membership fencing', () => {
    beforeEach(async () => {
      await writeFile(a.files, alice, '/fenced/f.txt', 'kept');
      a.metadata.setServing(false);
    });

    it('should reject a create with NodeNotServingError when the node does not serve', async () => {
      const err = await rejection(writeFile(a.files, alice, '/fenced/new.txt', 'x', CREATE_ONLY));
      expect(err).to.be.instanceOf(NodeNotServingError);
      expect(cluster.store.inodes.has('/fenced/new.txt')).to.equal(false);
    });

    it('should reject a replace with NodeNotServingError and keep the content when the node does not serve', async () => {
      const err = await rejection(writeFile(a.files, alice, '/fenced/f.txt', 'new'));
      expect(err).to.be.instanceOf(NodeNotServingError);
      expect(a.storage.read('/fenced/f.txt')?.toString()).to.equal('kept');
    });

    it('should reject a remove with NodeNotServingError when the node does not serve', async () => {
      const err = await rejection(a.files.remove(alice, '/fenced/f.txt'));
      expect(err).to.be.instanceOf(NodeNotServingError);
    });

    it('should reject a mkdir with NodeNotServingError when the node does not serve', async () => {
      const err = await rejection(a.files.mkdir(alice, '/fenced/sub'));
      expect(err).to.be.instanceOf(NodeNotServingError);
    });

    it('should still serve reads, stats and listings when the node does not serve', async () => {
      expect((await readFile(a.files, alice, '/fenced/f.txt')).toString()).to.equal('kept');
      expect((await a.files.stat(alice, '/fenced/f.txt')).size).to.equal(4);
      expect((await a.files.list(alice, '/fenced')).map((e) => e.name)).to.deep.equal(['f.txt']);
    });

    it('should reject a replace of its file with NodeNotServingError when it arrives from a peer', async () => {
      const err = await rejection(writeFile(b.files, alice, '/fenced/f.txt', 'new'));
      expect(err).to.be.instanceOf(NodeNotServingError);
    });
  });

  describe('races', () => {
    it('should let exactly one create win when three nodes create one path at once', async () => {
      const results = await Promise.allSettled(
        cluster.nodes.map((n) => writeFile(n.files, alice, '/race/one.txt', n.id, CREATE_ONLY)),
      );
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r) => r.status === 'rejected');
      expect(won).to.have.length(1);
      expect(lost.every((r) => r.reason instanceof AlreadyExistsError)).to.equal(true);
    });

    it("should hold the winner's bytes and nothing of the losers when three nodes create one path at once", async () => {
      const results = await Promise.allSettled(
        cluster.nodes.map((n) => writeFile(n.files, alice, '/race/two.txt', n.id, CREATE_ONLY)),
      );
      const winner = cluster.nodes[results.findIndex((r) => r.status === 'fulfilled')];
      const others = cluster.nodes.filter((n) => n !== winner);
      expect((await readFile(a.files, alice, '/race/two.txt')).toString()).to.equal(winner.id);
      expect(others.map((n) => n.storage.paths().length + n.storage.stagedCount())).to.deep.equal([
        0, 0,
      ]);
    });

    it('should let exactly one mkdir win when three nodes make one directory at once', async () => {
      const results = await Promise.allSettled(
        cluster.nodes.map((n) => n.files.mkdir(alice, '/race/dir')),
      );
      const created = results.filter((r) => r.status === 'fulfilled' && r.value.created);
      const lost = results.filter((r) => r.status === 'rejected');
      expect(created).to.have.length(1);
      expect(lost.map((r) => r.reason instanceof AlreadyExistsError)).to.deep.equal([true, true]);
    });

    it('should create once and replace the rest when three nodes PUT one missing path at once', async () => {
      const results = await Promise.allSettled(
        cluster.nodes.map((n) => writeFile(n.files, alice, '/race/put.txt', n.id)),
      );
      const created = results.filter((r) => r.status === 'fulfilled' && r.value.created);
      expect(results.every((r) => r.status === 'fulfilled')).to.equal(true);
      expect(created).to.have.length(1);
    });

    it('should end with exactly one of the bodies when 20 replaces from all nodes race', async () => {
      await writeFile(a.files, alice, '/race/many.bin', 'initial');
      const bodies = Array.from({ length: 20 }, (_, i) => randomBytes(20_000 + i));
      const results = await Promise.allSettled(
        bodies.map((body, i) =>
          writeFile(cluster.nodes[i % 3].files, alice, '/race/many.bin', body),
        ),
      );
      const final = await readFile(c.files, alice, '/race/many.bin');
      expect(results.every((r) => r.status === 'fulfilled')).to.equal(true);
      expect(bodies.some((body) => body.equals(final))).to.equal(true);
    });

    it('should leave nothing staged on any node when 20 replaces from all nodes race', async () => {
      await writeFile(a.files, alice, '/race/staged.bin', 'initial');
      await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) =>
          writeFile(cluster.nodes[i % 3].files, alice, '/race/staged.bin', randomBytes(1000)),
        ),
      );
      expect(cluster.nodes.map((n) => n.storage.stagedCount())).to.deep.equal([0, 0, 0]);
      expect(b.storage.paths().concat(c.storage.paths())).to.deep.equal([]);
    });
  });

  describe('directories', () => {
    it('should report created=true when a new directory is made', async () => {
      const result = await a.files.mkdir(alice, '/d1');
      expect(result.created).to.equal(true);
      expect(result.info.type).to.equal('FILE_TYPE_DIRECTORY');
    });

    it('should report created=false when the same node makes the directory again', async () => {
      await a.files.mkdir(alice, '/d2');
      expect((await a.files.mkdir(alice, '/d2')).created).to.equal(false);
    });

    it('should report created=false when the root is made', async () => {
      expect((await a.files.mkdir(alice, '/')).created).to.equal(false);
    });

    it('should reject with AlreadyExistsError naming the creator when another node made the directory', async () => {
      await b.files.mkdir(alice, '/d3');
      const err = (await rejection(a.files.mkdir(alice, '/d3'))) as AlreadyExistsError;
      expect(err).to.be.instanceOf(AlreadyExistsError);
      expect(err.existing?.instanceId).to.equal('node-b');
      expect([err.requestedType, err.existing?.type]).to.deep.equal(['directory', 'directory']);
    });

    it('should reject a mkdir with AlreadyExistsError when a file is at the path', async () => {
      await writeFile(a.files, alice, '/f-not-d', 'x');
      const err = (await rejection(a.files.mkdir(alice, '/f-not-d'))) as AlreadyExistsError;
      expect(err).to.be.instanceOf(AlreadyExistsError);
      expect([err.requestedType, err.existing?.type]).to.deep.equal(['directory', 'file']);
    });

    it('should reject a create-only file with AlreadyExistsError when a directory is at the path', async () => {
      await b.files.mkdir(alice, '/d-not-f');
      const err = (await rejection(
        writeFile(a.files, alice, '/d-not-f', 'x', CREATE_ONLY),
      )) as AlreadyExistsError;
      expect(err).to.be.instanceOf(AlreadyExistsError);
      expect([err.requestedType, err.existing?.type]).to.deep.equal(['file', 'directory']);
    });

    it('should list the children of every node sorted by name when any node lists', async () => {
      await writeFile(b.files, alice, '/ls/b.txt', 'b');
      await writeFile(a.files, alice, '/ls/a.txt', 'a');
      await c.files.mkdir(alice, '/ls/c');
      const names = (await a.files.list(bob, '/ls')).map((e) => e.name);
      expect(names).to.deep.equal(['a.txt', 'b.txt', 'c']);
    });

    it('should list only direct children when a directory has a subtree', async () => {
      await writeFile(a.files, alice, '/tree/x/y/z.txt', 'z');
      expect((await a.files.list(alice, '/tree')).map((e) => e.path)).to.deep.equal(['/tree/x']);
    });

    it('should reject a listing with NotADirectoryError when the path is a file', async () => {
      await writeFile(a.files, alice, '/lf.txt', 'x');
      expect(await rejection(a.files.list(alice, '/lf.txt'))).to.be.instanceOf(NotADirectoryError);
    });

    it('should reject a listing with NotFoundError when the directory is missing', async () => {
      expect(await rejection(a.files.list(alice, '/nodir'))).to.be.instanceOf(NotFoundError);
    });

    it('should delete an empty directory when its creator removes it', async () => {
      await a.files.mkdir(alice, '/empty-dir');
      await b.files.remove(alice, '/empty-dir');
      expect(await rejection(a.files.stat(alice, '/empty-dir'))).to.be.instanceOf(NotFoundError);
    });

    it('should reject with DirectoryNotEmptyError and keep the child when a non-empty directory is removed', async () => {
      await writeFile(a.files, alice, '/full/child.txt', 'c');
      const err = await rejection(a.files.remove(alice, '/full'));
      expect(err).to.be.instanceOf(DirectoryNotEmptyError);
      expect((await a.files.stat(alice, '/full/child.txt')).size).to.equal(1);
    });
  });

  describe('permissions', () => {
    beforeEach(async () => {
      await writeFile(a.files, alice, '/perm/alice.txt', 'alice');
    });

    it('should let any user read when the file belongs to another user', async () => {
      expect((await readFile(a.files, bob, '/perm/alice.txt')).toString()).to.equal('alice');
    });

    it('should reject with PermissionDeniedError when another user replaces the file', async () => {
      const err = await rejection(writeFile(a.files, bob, '/perm/alice.txt', 'bob'));
      expect(err).to.be.instanceOf(PermissionDeniedError);
      expect(a.storage.read('/perm/alice.txt')?.toString()).to.equal('alice');
    });

    it('should reject with PermissionDeniedError when another user replaces the file through another node', async () => {
      const err = await rejection(writeFile(b.files, bob, '/perm/alice.txt', 'bob'));
      expect(err).to.be.instanceOf(PermissionDeniedError);
    });

    it('should reject with PermissionDeniedError when another user removes the file', async () => {
      const err = await rejection(c.files.remove(bob, '/perm/alice.txt'));
      expect(err).to.be.instanceOf(PermissionDeniedError);
      expect(cluster.store.inodes.has('/perm/alice.txt')).to.equal(true);
    });

    it('should let the owner replace the file when she writes it again', async () => {
      await writeFile(b.files, alice, '/perm/alice.txt', 'again');
      expect(a.storage.read('/perm/alice.txt')?.toString()).to.equal('again');
    });

    it("should let the admin replace another user's file when root writes", async () => {
      await writeFile(b.files, root, '/perm/alice.txt', 'root');
      expect(a.storage.read('/perm/alice.txt')?.toString()).to.equal('root');
    });

    it("should let the admin remove another user's file when root removes it", async () => {
      await c.files.remove(root, '/perm/alice.txt');
      expect(cluster.store.inodes.has('/perm/alice.txt')).to.equal(false);
    });

    it('should let another user create a child when the directory belongs to someone else', async () => {
      const result = await writeFile(b.files, bob, '/perm/bob.txt', 'bob', CREATE_ONLY);
      expect(result.info.owner).to.equal('bob');
    });

    it("should reject with PermissionDeniedError when another user removes someone else's directory", async () => {
      await a.files.mkdir(alice, '/perm-dir');
      expect(await rejection(a.files.remove(bob, '/perm-dir'))).to.be.instanceOf(
        PermissionDeniedError,
      );
    });

    it("should let the admin remove another user's directory when root removes it", async () => {
      await a.files.mkdir(alice, '/perm-dir2');
      await b.files.remove(root, '/perm-dir2');
      expect(cluster.store.inodes.has('/perm-dir2')).to.equal(false);
    });
  });
});
