// Runs the shared storage contract on the localfs backend in a throwaway directory, plus what
// only a real disk can show: files at their real paths, temps in `.callfs/tmp`, symlinks that
// would leave the root refused, and empty directories given way or pruned.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import {
  InternalError,
  InvalidPathError,
  NotFoundError,
  ParentNotADirectoryError,
} from '../../../src/files/errors.js';
import type { WholeBody } from '../../../src/files/ports.js';
import { createLocalfsStorage, type LocalfsStorage } from '../../../src/storage/localfs.js';
import { storableLimits } from '../../../src/storage/localfs-limits.js';
import { parseNamedPart } from '../../../src/storage/localfs-temp.js';
import { chunksOf, putFile, storageContract } from '../../contract/storage-contract.js';
import { readStream, rejection } from '../../support/checks.js';

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

storageContract('localfs', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'callfs-localfs-'));
  return {
    storage: await createLocalfsStorage({ root: join(dir, 'root') }),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

describe('LocalfsStorage', function () {
  let base: string;
  let root: string;
  let outside: string;
  let tmp: string;
  let storage: LocalfsStorage;

  beforeEach(async function () {
    base = await mkdtemp(join(tmpdir(), 'callfs-localfs-'));
    outside = join(base, 'outside');
    await mkdir(outside);
    await writeFile(join(outside, 'secret.txt'), 'secret');
    storage = await createLocalfsStorage({ root: join(base, 'root') });
    root = storage.root;
    tmp = join(root, '.callfs', 'tmp');
  });

  afterEach(async function () {
    await rm(base, { recursive: true, force: true });
  });

  describe('layout', function () {
    it('should create the root and its temp folder when started on a missing root', async function () {
      expect((await stat(tmp)).isDirectory()).to.equal(true);
    });

    it('should put a file at its real path under the root when committed', async function () {
      await putFile(storage, '/a/b.txt', Buffer.from('on disk'));
      expect(await readFile(join(root, 'a', 'b.txt'), 'utf8')).to.equal('on disk');
    });

    it('should stage a temp as a part file in .callfs/tmp when written', async function () {
      const temp = await storage.createTemp('/staged.txt');
      await temp.write(chunksOf(Buffer.from('x')), { maxBytes: 10 });
      const names = await readdir(tmp);
      expect(names).to.have.length(1);
      expect(names[0]).to.match(/^[0-9a-f]{16}\.part$/);
    });

    it('should journal the path, gen and write id in the name of the part when prepared', async function () {
      const temp = await storage.createTemp('/journaled/ü.txt');
      await temp.write(chunksOf(Buffer.from('x')), { maxBytes: 10 });
      await temp.prepare(4);
      const names = await readdir(tmp);
      expect(names).to.have.length(1);
      expect(names[0]).to.match(/^[0-9a-f]{16}\.4\.[A-Za-z0-9_-]+\.jpart$/);
      expect(parseNamedPart(names[0]!)).to.deep.equal({
        id: temp.id,
        path: '/journaled/ü.txt',
        gen: 4,
        write: temp.id,
      });
    });

    it('should rename the part to its new generation when prepared again', async function () {
      const temp = await storage.createTemp('/again.txt');
      await temp.write(chunksOf(Buffer.from('x')), { maxBytes: 10 });
      await temp.prepare(1);
      await temp.prepare(2);
      const names = await readdir(tmp);
      expect(names.map((n) => parseNamedPart(n)?.gen)).to.deep.equal([2]);
      await temp.commit();
      expect(await readFile(join(root, 'again.txt'), 'utf8')).to.equal('x');
      expect(await readdir(tmp)).to.deep.equal([]);
    });

    it('should journal the path, gen and write id next to the part when its name would be too long', async function () {
      const short = await createLocalfsStorage({ root, limits: { nameMax: 40 } });
      const temp = await short.createTemp('/journaled-in-a-file.txt');
      await temp.write(chunksOf(Buffer.from('x')), { maxBytes: 10 });
      await temp.prepare(4);
      const names = (await readdir(tmp)).sort();
      expect(names).to.deep.equal([`${temp.id}.commit`, `${temp.id}.part`]);
      const entry: unknown = JSON.parse(await readFile(join(tmp, names[0]!), 'utf8'));
      expect(entry).to.deep.equal({ path: '/journaled-in-a-file.txt', gen: 4, write: temp.id });
      await temp.commit();
      expect(await readdir(tmp)).to.deep.equal([]);
      expect(await readFile(join(root, 'journaled-in-a-file.txt'), 'utf8')).to.equal('x');
    });

    it('should leave nothing in the temp folder when a prepared temp is discarded', async function () {
      const temp = await storage.createTemp('/dropped.txt');
      await temp.write(chunksOf(Buffer.from('x')), { maxBytes: 10 });
      await temp.prepare(1);
      await temp.discard();
      expect(await readdir(tmp)).to.deep.equal([]);
      expect(await exists(join(root, 'dropped.txt'))).to.equal(false);
    });

    it('should leave the temp folder empty when a commit completes', async function () {
      await putFile(storage, '/clean.txt', Buffer.from('x'));
      expect(await readdir(tmp)).to.deep.equal([]);
    });

    it('should serve a file an operator placed under the root when opened', async function () {
      await writeFile(join(root, 'adopted.txt'), 'adopted');
      const file = await storage.open({ path: '/adopted.txt' });
      expect((await readStream(file.body)).toString()).to.equal('adopted');
    });

    it('should offer the bytes of a small span whole when it is opened', async function () {
      const data = randomBytes(3000);
      await putFile(storage, '/whole.bin', data);
      const file = await storage.open({ path: '/whole.bin' }, undefined, () => ({
        start: 100,
        end: 1099,
      }));
      expect((file.body as Partial<WholeBody>).bytes).to.deep.equal(data.subarray(100, 1100));
    });

    it('should leave no descriptor open when small files are read or refused', async function () {
      if (!(await exists('/proc/self/fd'))) this.skip();
      await putFile(storage, '/fd/small.bin', randomBytes(100));
      await mkdir(join(root, 'fd', 'dir.bin'));
      const before = (await readdir('/proc/self/fd')).length;
      for (let i = 0; i < 20; i++) {
        await readStream((await storage.open({ path: '/fd/small.bin' })).body);
        await rejection(storage.open({ path: '/fd/dir.bin' }));
      }
      expect((await readdir('/proc/self/fd')).length).to.equal(before);
    });

    it('should stream the same bytes a small body offers whole when it is read', async function () {
      const data = randomBytes(3000);
      await putFile(storage, '/whole.bin', data);
      const file = await storage.open({ path: '/whole.bin' });
      expect(await readStream(file.body)).to.deep.equal(data);
    });
  });

  describe('small bodies', function () {
    /** One chunk, then a body that never ends (a client that stopped sending). */
    async function* stalledBody(): AsyncGenerator<Buffer> {
      yield Buffer.from('first');
      await new Promise(() => undefined);
    }

    it('should reject with an AbortError and leave nothing when the signal aborts a small write', async function () {
      const controller = new AbortController();
      const temp = await storage.createTemp('/small-cut.txt');
      const writing = temp.write(stalledBody(), { maxBytes: 4096, signal: controller.signal });
      setTimeout(() => controller.abort(), 20);
      const err = (await rejection(writing)) as Error;
      expect(err.name).to.equal('AbortError');
      expect(await readdir(tmp)).to.deep.equal([]);
    });

    it('should end a small write and leave nothing when discard is called mid-body', async function () {
      const temp = await storage.createTemp('/small-dropped.txt');
      const writing = temp.write(stalledBody(), { maxBytes: 4096 });
      await new Promise((resolve) => setTimeout(resolve, 20));
      await temp.discard();
      expect(await rejection(writing)).to.be.instanceOf(Error);
      expect(await readdir(tmp)).to.deep.equal([]);
    });

    it('should commit the exact bytes of a small body sent in several chunks', async function () {
      const data = Buffer.from('0123456789'.repeat(100));
      const temp = await storage.createTemp('/small/chunks.txt');
      expect(await temp.write(chunksOf(data, 7), { maxBytes: data.length })).to.equal(data.length);
      await temp.prepare(1);
      await temp.commit();
      expect(await readFile(join(root, 'small', 'chunks.txt'))).to.deep.equal(data);
      expect((await stat(join(root, 'small', 'chunks.txt'))).mode & 0o777).to.equal(0o644);
    });
  });

  describe('symlinks', function () {
    it('should refuse to open through a symlinked directory when it points outside the root', async function () {
      await symlink(outside, join(root, 'escape'));
      expect(await rejection(storage.open({ path: '/escape/secret.txt' }))).to.be.instanceOf(
        InvalidPathError,
      );
    });

    it('should refuse to open a symlinked file when it points outside the root', async function () {
      await symlink(join(outside, 'secret.txt'), join(root, 'link.txt'));
      expect(await rejection(storage.open({ path: '/link.txt' }))).to.be.instanceOf(
        InvalidPathError,
      );
    });

    it('should refuse a temp when its parent is a symlink pointing outside the root', async function () {
      await symlink(outside, join(root, 'escape'));
      expect(await rejection(storage.createTemp('/escape/new.txt'))).to.be.instanceOf(
        InvalidPathError,
      );
    });

    it('should refuse a commit and write nothing outside when a symlinked parent appears', async function () {
      const temp = await storage.createTemp('/escape/new.txt');
      await temp.write(chunksOf(Buffer.from('payload')), { maxBytes: 100 });
      await temp.prepare(1);
      await symlink(outside, join(root, 'escape'));
      expect(await rejection(temp.commit())).to.be.instanceOf(InvalidPathError);
      expect(await readdir(outside)).to.deep.equal(['secret.txt']);
    });

    it('should refuse a commit over a symlinked file and leave its target unchanged', async function () {
      const temp = await storage.createTemp('/link.txt');
      await temp.write(chunksOf(Buffer.from('overwrite')), { maxBytes: 100 });
      await temp.prepare(1);
      await symlink(join(outside, 'secret.txt'), join(root, 'link.txt'));
      expect(await rejection(temp.commit())).to.be.instanceOf(InvalidPathError);
      expect(await readFile(join(outside, 'secret.txt'), 'utf8')).to.equal('secret');
    });

    it('should refuse to remove through a symlinked directory pointing outside the root', async function () {
      await symlink(outside, join(root, 'escape'));
      expect(await rejection(storage.remove({ path: '/escape/secret.txt' }))).to.be.instanceOf(
        InvalidPathError,
      );
      expect(await exists(join(outside, 'secret.txt'))).to.equal(true);
    });

    it('should refuse to open a file when a symlink leads into the internal folder', async function () {
      await writeFile(join(tmp, 'planted.part'), 'internal');
      await symlink(join(root, '.callfs'), join(root, 'inside'));
      expect(await rejection(storage.open({ path: '/inside/tmp/planted.part' }))).to.be.instanceOf(
        InvalidPathError,
      );
    });

    it('should serve a file through a symlinked directory when it stays inside the root', async function () {
      await putFile(storage, '/real/file.txt', Buffer.from('inside'));
      await symlink(join(root, 'real'), join(root, 'alias'));
      const file = await storage.open({ path: '/alias/file.txt' });
      expect((await readStream(file.body)).toString()).to.equal('inside');
    });
  });

  describe('disk directories', function () {
    it('should replace an empty directory when it is in the way of a commit', async function () {
      await mkdir(join(root, 'a', 'b.txt', 'nested'), { recursive: true });
      await putFile(storage, '/a/b.txt', Buffer.from('file now'));
      expect(await readFile(join(root, 'a', 'b.txt'), 'utf8')).to.equal('file now');
    });

    it('should fail a commit when a non-empty directory is in the way', async function () {
      await mkdir(join(root, 'a', 'b.txt'), { recursive: true });
      await writeFile(join(root, 'a', 'b.txt', 'keep'), 'keep');
      const err = await rejection(putFile(storage, '/a/b.txt', Buffer.from('x')));
      expect(err).to.be.instanceOf(InvalidPathError);
      expect(await readFile(join(root, 'a', 'b.txt', 'keep'), 'utf8')).to.equal('keep');
    });

    it('should fail a commit when a file on disk sits where a parent directory goes', async function () {
      await writeFile(join(root, 'a'), 'stray file');
      const err = await rejection(putFile(storage, '/a/b.txt', Buffer.from('x')));
      expect(err).to.be.instanceOf(ParentNotADirectoryError);
    });

    it('should prune empty parent directories when the last file is removed', async function () {
      await putFile(storage, '/a/b/c.txt', Buffer.from('x'));
      await storage.remove({ path: '/a/b/c.txt' });
      expect(await exists(join(root, 'a'))).to.equal(false);
      expect(await exists(root)).to.equal(true);
    });

    it('should keep a parent directory when it still holds a file after a remove', async function () {
      await putFile(storage, '/a/keep.txt', Buffer.from('x'));
      await putFile(storage, '/a/b/c.txt', Buffer.from('x'));
      await storage.remove({ path: '/a/b/c.txt' });
      expect(await exists(join(root, 'a', 'b'))).to.equal(false);
      expect(await exists(join(root, 'a', 'keep.txt'))).to.equal(true);
    });

    it('should leave a directory alone when remove is asked for a file at its path', async function () {
      await mkdir(join(root, 'dir', 'child'), { recursive: true });
      await writeFile(join(root, 'dir', 'child', 'f'), 'x');
      await storage.remove({ path: '/dir' });
      expect(await exists(join(root, 'dir', 'child', 'f'))).to.equal(true);
    });

    it('should report NotFoundError without blocking when the path is a FIFO', async function () {
      try {
        execFileSync('mkfifo', [join(root, 'pipe')]);
      } catch {
        this.skip();
      }
      expect(await rejection(storage.open({ path: '/pipe' }))).to.be.instanceOf(NotFoundError);
    });
  });

  describe('recovery across restarts', function () {
    it('should roll a prepared temp forward when a new instance starts on the same root', async function () {
      const temp = await storage.createTemp('/restart/file.txt');
      await temp.write(chunksOf(Buffer.from('survived')), { maxBytes: 100 });
      await temp.prepare(2);
      const restarted = await createLocalfsStorage({ root });
      await restarted.recover(async (path, gen) => path === '/restart/file.txt' && gen === 2);
      expect(await readFile(join(root, 'restart', 'file.txt'), 'utf8')).to.equal('survived');
    });

    it('should roll forward only the write id etcd names when parts named by their journal are recovered', async function () {
      const current = await storage.createTemp('/named/a.txt');
      await current.write(chunksOf(Buffer.from('current')), { maxBytes: 100 });
      await current.prepare(1);
      const loser = await storage.createTemp('/named/a.txt');
      await loser.write(chunksOf(Buffer.from('loser')), { maxBytes: 100 });
      await loser.prepare(1);
      const restarted = await createLocalfsStorage({ root });
      const report = await restarted.recover(
        async (path, gen, write) => path === '/named/a.txt' && gen === 1 && write === current.id,
      );
      expect(report).to.deep.equal({
        rolledForward: ['/named/a.txt'],
        discarded: 1,
        quarantined: [],
      });
      expect(await readFile(join(root, 'named', 'a.txt'), 'utf8')).to.equal('current');
      expect(await readdir(tmp)).to.deep.equal([]);
    });

    it('should roll forward a temp prepared again when its next generation no longer fits in its name', async function () {
      // `<id>.9.<path>.jpart` fits NAME_MAX, `<id>.10.<path>.jpart` does not: the second
      // prepare journals in `<id>.commit`, which recovery pairs with `<id>.part` only. Before,
      // the part kept its generation-9 name, so a crash after etcd named generation 10 dropped
      // both: the file's bytes were lost.
      const path = '/x.txt';
      const nameMax = `${'0'.repeat(16)}.9.${Buffer.from(path).toString('base64url')}.jpart`.length;
      const short = await createLocalfsStorage({ root, limits: { nameMax } });
      const temp = await short.createTemp(path);
      await temp.write(chunksOf(Buffer.from('generation 10')), { maxBytes: 100 });
      await temp.prepare(9);
      await temp.prepare(10);
      const restarted = await createLocalfsStorage({ root, limits: { nameMax } });
      await restarted.recover(
        async (p, gen, write) => p === path && gen === 10 && write === temp.id,
      );
      expect(await readFile(join(root, 'x.txt'), 'utf8')).to.equal('generation 10');
    });

    it('should set aside a part whose journaled name is not one of ours when recovering', async function () {
      const evil = `0123456789abcdef.1.${Buffer.from('/.callfs/x').toString('base64url')}.jpart`;
      await writeFile(join(tmp, evil), 'x');
      await writeFile(join(tmp, 'not.a.valid.name.jpart'), 'y');
      const report = await storage.recover(async () => true);
      expect(report.quarantined.map((q) => q.kind)).to.deep.equal([
        'local-unreadable',
        'local-unreadable',
      ]);
      expect(report.rolledForward).to.deep.equal([]);
      expect(await readdir(tmp)).to.deep.equal([]);
      expect(await exists(join(root, '.callfs', 'x'))).to.equal(false);
      expect(await readdir(join(root, '.callfs', 'quarantine'))).to.include.members([
        evil,
        'not.a.valid.name.jpart',
      ]);
    });

    it('should set a corrupt journal and its part aside when recovering', async function () {
      await writeFile(join(tmp, 'abc.commit'), '{"path": "/x", "ge');
      await writeFile(join(tmp, 'abc.part'), 'half');
      const report = await storage.recover(async () => true);
      expect(report.quarantined.map((q) => [q.kind, q.id])).to.deep.equal([
        ['local-unreadable', 'abc'],
      ]);
      expect(await readdir(tmp)).to.deep.equal([]);
      expect(await readdir(join(root, '.callfs', 'quarantine'))).to.deep.equal([
        'abc.commit',
        'abc.json',
        'abc.part',
      ]);
    });

    it('should drop a journal whose part is gone when recovering', async function () {
      await writeFile(join(tmp, 'done.commit'), JSON.stringify({ path: '/done.txt', gen: 1 }));
      const report = await storage.recover(async () => true);
      expect(report).to.deep.equal({ rolledForward: [], discarded: 0, quarantined: [] });
      expect(await readdir(tmp)).to.deep.equal([]);
    });

    it('should set aside a journal naming an internal path when recovering', async function () {
      await writeFile(join(tmp, 'evil.commit'), JSON.stringify({ path: '/.callfs/x', gen: 1 }));
      await writeFile(join(tmp, 'evil.part'), 'x');
      const report = await storage.recover(async () => true);
      expect(report.quarantined.map((q) => q.id)).to.deep.equal(['evil']);
      expect(await exists(join(root, '.callfs', 'x'))).to.equal(false);
    });

    it('should set aside a current write and place the others when a symlink is in its way', async function () {
      for (const [name, path] of [
        ['a', '/blocked/file.txt'],
        ['b', '/fine.txt'],
      ]) {
        const temp = await storage.createTemp(path);
        await temp.write(chunksOf(Buffer.from(name)), { maxBytes: 10 });
        await temp.prepare(1);
      }
      await symlink(outside, join(root, 'blocked'));
      const report = await storage.recover(async () => true);
      expect(report.rolledForward).to.deep.equal(['/fine.txt']);
      expect(report.quarantined.map((q) => [q.kind, q.path])).to.deep.equal([
        ['local-commit', '/blocked/file.txt'],
      ]);
      expect(await readdir(outside)).to.deep.equal(['secret.txt']);
    });

    it('should set aside a current write whose path is too long for a restarted root', async function () {
      const path = '/' + 'n'.repeat(200) + '/f.txt';
      const temp = await storage.createTemp(path);
      await temp.write(chunksOf(Buffer.from('x')), { maxBytes: 10 });
      await temp.prepare(1);
      const pathMax = Buffer.byteLength(root) + 100;
      const smaller = await createLocalfsStorage({ root, limits: { pathMax } });
      const report = await smaller.recover(async () => true);
      expect(report.quarantined.map((q) => q.path)).to.deep.equal([path]);
      expect((await smaller.quarantinedEntries()).map((q) => q.reason)).to.satisfy(
        (reasons: string[]) => reasons.every((r) => r.includes(String(smaller.maxPathBytes))),
      );
    });

    it('should keep going when isCurrent refuses a path it cannot read', async function () {
      const temp = await storage.createTemp('/refused.txt');
      await temp.write(chunksOf(Buffer.from('x')), { maxBytes: 10 });
      await temp.prepare(1);
      const report = await storage.recover(async () => {
        throw new InvalidPathError('not a path etcd accepts');
      });
      expect(report.quarantined.map((q) => q.path)).to.deep.equal(['/refused.txt']);
    });
  });

  describe('storableLimits', function () {
    it('should report the longest path of a root without creating it', async function () {
      const missing = join(base, 'not', 'yet');
      const limits = await storableLimits(missing);
      expect(limits.maxPathBytes).to.equal(limits.pathMax - 1 - Buffer.byteLength(limits.root));
      expect(await exists(missing)).to.equal(false);
    });
  });

  describe('foreign objects', function () {
    it('should refuse a path when its file on disk is a symlink inside the root', async function () {
      await writeFile(join(root, 'target.txt'), 'target');
      await symlink(join(root, 'target.txt'), join(root, 'link.txt'));
      const err = await rejection(storage.checkPath('/link.txt'));
      expect(err).to.be.instanceOf(InvalidPathError);
      expect((err as Error).message).to.contain('symbolic link');
    });

    it('should refuse a path when a directory on the way is a symlink inside the root', async function () {
      await mkdir(join(root, 'real'));
      await symlink(join(root, 'real'), join(root, 'alias'));
      expect(await rejection(storage.checkPath('/alias/new.txt'))).to.be.instanceOf(
        InvalidPathError,
      );
    });

    it('should refuse a path when its file on disk is a FIFO', async function () {
      try {
        execFileSync('mkfifo', [join(root, 'pipe')]);
      } catch {
        this.skip();
      }
      expect(await rejection(storage.checkPath('/pipe'))).to.be.instanceOf(InvalidPathError);
    });

    it('should refuse a rename when a symlinked directory appears on the destination', async function () {
      await putFile(storage, '/src.txt', Buffer.from('x'));
      await mkdir(join(root, 'real'));
      await symlink(join(root, 'real'), join(root, 'alias'));
      expect(await rejection(storage.rename('/src.txt', '/alias/dst.txt'))).to.be.instanceOf(
        InvalidPathError,
      );
      expect(await readdir(join(root, 'real'))).to.deep.equal([]);
    });

    it('should name the NAME_MAX limit when a segment is longer than the root filesystem allows', async function () {
      const small = await createLocalfsStorage({ root, limits: { nameMax: 10 } });
      const err = await rejection(small.checkPath('/' + 'x'.repeat(11)));
      expect((err as Error).message).to.contain('NAME_MAX');
    });
  });

  describe('checkWritable', function () {
    it('should fail when the temp folder has been removed', async function () {
      await rm(join(root, '.callfs'), { recursive: true });
      expect(await rejection(storage.checkWritable())).to.be.instanceOf(InternalError);
    });
  });
});
