// The behaviour every Storage backend must show, run against each implementation (localfs, the
// memory fake, S3 on a real s3rver) so the files service can rely on one contract: whole-file
// visibility at commit, size limits, cancellation, and journal recovery after a crash before
// commit. A file is opened and removed by the generation its last commit wrote (path and write
// id, as an inode names them); the operations on paths run against path-addressed backends.
import { createHash, randomBytes } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { expect } from 'chai';
import { InvalidPathError, NotFoundError, PayloadTooLargeError } from '../../src/files/errors.js';
import type {
  FileRef,
  PathStorage,
  RecoveryReport,
  SpanSelector,
  Storage,
  TempFile,
} from '../../src/files/ports.js';
import { readStream, rejection, sha256 } from '../support/checks.js';

export interface StorageFixture {
  storage: Storage;
  cleanup(): Promise<void>;
}

export interface ContractOptions {
  /** The backend keeps files at their paths (PathStorage): rename, has, inventory... */
  paths?: boolean;
}

/** The generation each path's last commit wrote, per backend (what its inode would name). */
const latest = new WeakMap<Storage, Map<string, FileRef>>();
/** The path each temp was created for. */
const tempPaths = new WeakMap<TempFile, string>();

function latestOf(storage: Storage): Map<string, FileRef> {
  let map = latest.get(storage);
  if (!map) latest.set(storage, (map = new Map()));
  return map;
}

/** The generation of `path` the last commit wrote (a write id nobody used when none did). */
export function refTo(storage: Storage, path: string): FileRef {
  return latestOf(storage).get(path) ?? { path, write: 'never-written' };
}

export async function createTemp(storage: Storage, path: string): Promise<TempFile> {
  const temp = await storage.createTemp(path);
  tempPaths.set(temp, path);
  return temp;
}

/** Commits a prepared temp and records it as its path's latest generation. */
export async function commitTemp(storage: Storage, temp: TempFile): Promise<void> {
  await temp.commit();
  const path = tempPaths.get(temp) as string;
  latestOf(storage).set(path, { path, write: temp.id });
}

export function openLatest(
  storage: Storage,
  path: string,
  signal?: AbortSignal,
  select?: SpanSelector,
) {
  return storage.open(refTo(storage, path), signal, select);
}

const MiB = 1024 * 1024;
const NO_LIMIT = Number.MAX_SAFE_INTEGER;

export async function* chunksOf(data: Buffer, size = 64 * 1024): AsyncGenerator<Buffer> {
  for (let offset = 0; offset < data.length; offset += size) {
    yield data.subarray(offset, offset + size);
  }
}

/** A body that never ends: one chunk, `afterFirst()`, then more chunks until it is cancelled. */
async function* endlessBody(afterFirst: () => void): AsyncGenerator<Buffer> {
  yield Buffer.alloc(1024, 1);
  afterFirst();
  for (;;) {
    await nextTurn();
    yield Buffer.alloc(1024, 2);
  }
}

async function sha256Of(body: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of body) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export async function putFile(
  storage: Storage,
  path: string,
  data: Buffer,
  gen = 1,
): Promise<FileRef> {
  const temp = await createTemp(storage, path);
  await temp.write(chunksOf(data), { maxBytes: NO_LIMIT });
  await temp.prepare(gen, latestOf(storage).get(path)?.write);
  await commitTemp(storage, temp);
  return refTo(storage, path);
}

async function stagedTemp(storage: Storage, path: string, data: Buffer): Promise<TempFile> {
  const temp = await createTemp(storage, path);
  await temp.write(chunksOf(data), { maxBytes: NO_LIMIT });
  return temp;
}

/** What a recovery would still find: an empty report means nothing is staged. */
function leftovers(storage: Storage): Promise<RecoveryReport> {
  return storage.recover(async () => true);
}

const NOTHING_LEFT: RecoveryReport = { rolledForward: [], discarded: 0, quarantined: [] };

export function storageContract(
  name: string,
  make: () => Promise<StorageFixture>,
  options: ContractOptions = { paths: true },
): void {
  describe(`Storage contract: ${name}`, function () {
    let fixture: StorageFixture;
    let storage: Storage;
    const paths = (): PathStorage => storage as PathStorage;

    beforeEach(async function () {
      fixture = await make();
      storage = fixture.storage;
    });

    afterEach(async function () {
      await fixture.cleanup();
    });

    describe('write, prepare and commit', function () {
      it('should serve the same bytes and size when a file is committed', async function () {
        const data = randomBytes(100_000);
        await putFile(storage, '/docs/report.bin', data);
        const file = await openLatest(storage, '/docs/report.bin');
        expect(file.size).to.equal(data.length);
        expect(await sha256Of(file.body)).to.equal(sha256(data));
      });

      it('should serve only the selected span when a file is opened with a selector', async function () {
        const data = randomBytes(200_000);
        await putFile(storage, '/docs/span.bin', data);
        const sizes: number[] = [];
        const file = await openLatest(storage, '/docs/span.bin', undefined, (size) => {
          sizes.push(size);
          return { start: 150_000, end: 150_099 };
        });
        expect(sizes).to.deep.equal([data.length]);
        expect(file.size).to.equal(data.length);
        expect(await sha256Of(file.body)).to.equal(sha256(data.subarray(150_000, 150_100)));
      });

      it('should fail the open when the span selector throws', async function () {
        await putFile(storage, '/docs/span-err.bin', randomBytes(10));
        const err = await rejection(
          openLatest(storage, '/docs/span-err.bin', undefined, () => {
            throw new RangeError('no span');
          }),
        );
        expect(err).to.be.instanceOf(RangeError);
      });

      it('should serve an empty body when a 0-byte file is committed', async function () {
        await putFile(storage, '/empty.txt', Buffer.alloc(0));
        const file = await openLatest(storage, '/empty.txt');
        expect(file.size).to.equal(0);
        expect((await readStream(file.body)).length).to.equal(0);
      });

      it('should keep every byte when a 5 MiB binary body is streamed in chunks', async function () {
        const data = randomBytes(5 * MiB);
        const temp = await createTemp(storage, '/big.bin');
        await temp.write(chunksOf(data, 256 * 1024 + 7), { maxBytes: NO_LIMIT });
        await temp.prepare(1);
        await commitTemp(storage, temp);
        const file = await openLatest(storage, '/big.bin');
        expect(file.size).to.equal(data.length);
        expect(await sha256Of(file.body)).to.equal(sha256(data));
      });

      it('should return the byte count when a write completes', async function () {
        const temp = await createTemp(storage, '/count.bin');
        const size = await temp.write(chunksOf(randomBytes(12_345)), { maxBytes: NO_LIMIT });
        expect(size).to.equal(12_345);
      });

      it('should report a numeric mtime when a file is opened', async function () {
        await putFile(storage, '/mtime.txt', Buffer.from('x'));
        const file = await openLatest(storage, '/mtime.txt');
        file.body.destroy();
        expect(file.mtimeMs).to.be.a('number').and.greaterThan(0);
      });

      it('should accept the body when it is exactly maxBytes long', async function () {
        const temp = await createTemp(storage, '/exact.bin');
        const size = await temp.write(chunksOf(randomBytes(1000)), { maxBytes: 1000 });
        expect(size).to.equal(1000);
      });

      it('should keep the old bytes visible when a replace is prepared but not committed', async function () {
        await putFile(storage, '/doc.txt', Buffer.from('old'));
        const temp = await stagedTemp(storage, '/doc.txt', Buffer.from('new content'));
        await temp.prepare(2);
        expect(
          (await readStream((await openLatest(storage, '/doc.txt')).body)).toString(),
        ).to.equal('old');
        await commitTemp(storage, temp);
        expect(
          (await readStream((await openLatest(storage, '/doc.txt')).body)).toString(),
        ).to.equal('new content');
      });

      it('should keep serving the old bytes to an open reader when a replace commits', async function () {
        const old = randomBytes(3 * MiB);
        await putFile(storage, '/stream.bin', old);
        const reading = await openLatest(storage, '/stream.bin');
        await putFile(storage, '/stream.bin', randomBytes(1000), 2);
        expect(await sha256Of(reading.body)).to.equal(sha256(old));
      });

      it('should keep the last committed bytes when two temps of one path commit', async function () {
        const first = await stagedTemp(storage, '/race.txt', Buffer.from('first'));
        const second = await stagedTemp(storage, '/race.txt', Buffer.from('second'));
        await first.prepare(1);
        await commitTemp(storage, first);
        await second.prepare(2);
        await commitTemp(storage, second);
        expect(
          (await readStream((await openLatest(storage, '/race.txt')).body)).toString(),
        ).to.equal('second');
      });

      it('should reject commit when the temp was not prepared', async function () {
        const temp = await stagedTemp(storage, '/unprepared.txt', Buffer.from('x'));
        expect(await rejection(temp.commit())).to.be.instanceOf(Error);
        expect(await rejection(openLatest(storage, '/unprepared.txt'))).to.be.instanceOf(
          NotFoundError,
        );
      });

      it('should reject a second write when the temp was already written', async function () {
        const temp = await stagedTemp(storage, '/twice.txt', Buffer.from('x'));
        const err = await rejection(temp.write(chunksOf(Buffer.from('y')), { maxBytes: 10 }));
        expect(err).to.be.instanceOf(Error);
      });

      it('should refuse a temp when the path is in the internal folder', async function () {
        expect(await rejection(createTemp(storage, '/.callfs/tmp/x'))).to.be.instanceOf(
          InvalidPathError,
        );
      });

      it('should refuse a temp when the path climbs above the root', async function () {
        expect(await rejection(createTemp(storage, '/a/../../etc/passwd'))).to.be.instanceOf(
          InvalidPathError,
        );
      });
    });

    describe('open', function () {
      it('should reject with NotFoundError when the file is missing', async function () {
        expect(await rejection(openLatest(storage, '/missing.txt'))).to.be.instanceOf(
          NotFoundError,
        );
      });

      it('should reject with NotFoundError when the path is only a parent of files', async function () {
        await putFile(storage, '/dir/file.txt', Buffer.from('x'));
        expect(await rejection(openLatest(storage, '/dir'))).to.be.instanceOf(NotFoundError);
      });

      it('should reject with NotFoundError when an ancestor is a file', async function () {
        await putFile(storage, '/plain.txt', Buffer.from('x'));
        expect(await rejection(openLatest(storage, '/plain.txt/child'))).to.be.instanceOf(
          NotFoundError,
        );
      });

      it('should destroy the body when the signal aborts after open', async function () {
        await putFile(storage, '/abort-read.bin', randomBytes(MiB));
        const controller = new AbortController();
        const file = await openLatest(storage, '/abort-read.bin', controller.signal);
        controller.abort();
        const err = (await rejection(finished(file.body))) as Error;
        expect(err.name).to.equal('AbortError');
      });

      it('should reject when the signal is already aborted', async function () {
        await putFile(storage, '/aborted.txt', Buffer.from('x'));
        const err = (await rejection(
          openLatest(storage, '/aborted.txt', AbortSignal.abort()),
        )) as Error;
        expect(err.name).to.equal('AbortError');
      });
    });

    describe('limits and cancellation', function () {
      it('should reject with PayloadTooLargeError when the body exceeds maxBytes', async function () {
        const temp = await createTemp(storage, '/too-big.bin');
        const err = await rejection(
          temp.write(chunksOf(randomBytes(3000), 1000), { maxBytes: 2500 }),
        );
        expect(err).to.be.instanceOf(PayloadTooLargeError);
      });

      it('should leave nothing behind when the body exceeds maxBytes', async function () {
        const temp = await createTemp(storage, '/too-big.bin');
        await rejection(temp.write(chunksOf(randomBytes(3000), 1000), { maxBytes: 2500 }));
        expect(await rejection(openLatest(storage, '/too-big.bin'))).to.be.instanceOf(
          NotFoundError,
        );
        expect(await leftovers(storage)).to.deep.equal(NOTHING_LEFT);
      });

      it('should reject with an AbortError when the signal aborts mid-write', async function () {
        const controller = new AbortController();
        const temp = await createTemp(storage, '/cut.bin');
        const body = endlessBody(() => controller.abort());
        const err = (await rejection(
          temp.write(body, { maxBytes: NO_LIMIT, signal: controller.signal }),
        )) as Error;
        expect(err.name).to.equal('AbortError');
      });

      it('should leave nothing behind when the signal aborts mid-write', async function () {
        const controller = new AbortController();
        const temp = await createTemp(storage, '/cut.bin');
        const body = endlessBody(() => controller.abort());
        await rejection(temp.write(body, { maxBytes: NO_LIMIT, signal: controller.signal }));
        expect(await rejection(openLatest(storage, '/cut.bin'))).to.be.instanceOf(NotFoundError);
        expect(await leftovers(storage)).to.deep.equal(NOTHING_LEFT);
      });

      it('should end the write and leave nothing when discard is called mid-write', async function () {
        const temp = await createTemp(storage, '/dropped.bin');
        let discarding: Promise<void> | undefined;
        const body = endlessBody(() => {
          discarding = temp.discard();
        });
        expect(await rejection(temp.write(body, { maxBytes: NO_LIMIT }))).to.be.instanceOf(Error);
        await discarding;
        expect(await leftovers(storage)).to.deep.equal(NOTHING_LEFT);
      });
    });

    describe('discard', function () {
      it('should leave nothing when a prepared temp is discarded', async function () {
        const temp = await stagedTemp(storage, '/discarded.txt', Buffer.from('x'));
        await temp.prepare(1);
        await temp.discard();
        expect(await rejection(openLatest(storage, '/discarded.txt'))).to.be.instanceOf(
          NotFoundError,
        );
        expect(await leftovers(storage)).to.deep.equal(NOTHING_LEFT);
      });

      it('should resolve when discard is called twice', async function () {
        const temp = await stagedTemp(storage, '/discard-twice.txt', Buffer.from('x'));
        await temp.discard();
        await temp.discard();
        expect(await leftovers(storage)).to.deep.equal(NOTHING_LEFT);
      });

      it('should keep the committed file when discard is called after commit', async function () {
        const temp = await stagedTemp(storage, '/kept.txt', Buffer.from('kept'));
        await temp.prepare(1);
        await commitTemp(storage, temp);
        await temp.discard();
        expect(
          (await readStream((await openLatest(storage, '/kept.txt')).body)).toString(),
        ).to.equal('kept');
      });

      it('should refuse to commit when the temp was discarded', async function () {
        const temp = await stagedTemp(storage, '/late.txt', Buffer.from('x'));
        await temp.prepare(1);
        await temp.discard();
        expect(await rejection(temp.commit())).to.be.instanceOf(Error);
        expect(await rejection(openLatest(storage, '/late.txt'))).to.be.instanceOf(NotFoundError);
      });
    });

    if (options.paths) {
      describe('rename', function () {
        it('should serve the bytes at the new path when a file is renamed', async function () {
          await putFile(storage, '/mv/a.txt', Buffer.from('moved'));
          await paths().rename('/mv/a.txt', '/mv/deep/b.txt');
          expect(
            (await readStream((await openLatest(storage, '/mv/deep/b.txt')).body)).toString(),
          ).to.equal('moved');
        });
        it('should leave nothing at the old path when a file is renamed', async function () {
          await putFile(storage, '/mv2/a.txt', Buffer.from('x'));
          await paths().rename('/mv2/a.txt', '/mv2/b.txt');
          expect(await paths().has('/mv2/a.txt')).to.equal(false);
        });
        it('should replace the destination when it exists', async function () {
          await putFile(storage, '/mv3/a.txt', Buffer.from('new'));
          await putFile(storage, '/mv3/b.txt', Buffer.from('old'));
          await paths().rename('/mv3/a.txt', '/mv3/b.txt');
          expect(
            (await readStream((await openLatest(storage, '/mv3/b.txt')).body)).toString(),
          ).to.equal('new');
        });
        it('should reject with NotFoundError when the source is missing', async function () {
          expect(await rejection(paths().rename('/none/a', '/none/b'))).to.be.instanceOf(
            NotFoundError,
          );
        });
        it('should report has() true only when the file is there', async function () {
          await putFile(storage, '/has/a.txt', Buffer.from('x'));
          expect([await paths().has('/has/a.txt'), await paths().has('/has/b.txt')]).to.deep.equal([
            true,
            false,
          ]);
        });
      });
    }

    describe('prepare again', function () {
      it('should commit the last generation when prepare is called twice', async function () {
        const temp = await createTemp(storage, '/twice.txt');
        await temp.write(chunksOf(Buffer.from('twice'), 2), { maxBytes: 100 });
        await temp.prepare(1);
        await temp.prepare(2);
        await commitTemp(storage, temp);
        expect(
          (await readStream((await openLatest(storage, '/twice.txt')).body)).toString(),
        ).to.equal('twice');
      });
    });

    if (options.paths) {
      describe('renameDir', function () {
        it('should move every file of a directory when it is renamed', async function () {
          await putFile(storage, '/rd/a.txt', Buffer.from('a'));
          await putFile(storage, '/rd/sub/b.txt', Buffer.from('b'));
          const moved = await paths().renameDir('/rd', '/rd2/deep');
          expect(moved).to.equal(2);
          expect(await paths().has('/rd2/deep/sub/b.txt')).to.equal(true);
        });
        it('should merge into files already at the destination when renaming', async function () {
          await putFile(storage, '/rm/a.txt', Buffer.from('a'));
          await putFile(storage, '/rm2/z.txt', Buffer.from('z'));
          await paths().renameDir('/rm', '/rm2');
          expect([await paths().has('/rm2/a.txt'), await paths().has('/rm2/z.txt')]).to.deep.equal([
            true,
            true,
          ]);
        });
        it('should keep a newer file at the destination when renaming a directory', async function () {
          await putFile(storage, '/nd/a.txt', Buffer.from('old'));
          await new Promise((r) => setTimeout(r, 20));
          await putFile(storage, '/nd2/a.txt', Buffer.from('new'));
          await paths().renameDir('/nd', '/nd2');
          expect(
            (await readStream((await openLatest(storage, '/nd2/a.txt')).body)).toString(),
          ).to.equal('new');
        });
        it('should move nothing when the directory is not there', async function () {
          expect(await paths().renameDir('/none-here', '/elsewhere')).to.equal(0);
        });
      });
    }

    if (options.paths) {
      describe('inventory and quarantine', function () {
        it('should list every file with its size when asked for the inventory', async function () {
          await putFile(storage, '/inv/b.txt', Buffer.from('bb'));
          await putFile(storage, '/inv/a/c.txt', Buffer.from('c'));
          const seen: Array<{ path: string; size: number }> = [];
          for await (const f of paths().inventory()) seen.push(f);
          expect(seen).to.deep.equal([
            { path: '/inv/a/c.txt', size: 1 },
            { path: '/inv/b.txt', size: 2 },
          ]);
        });
        it('should take a quarantined file out of the inventory', async function () {
          await putFile(storage, '/q/x.txt', Buffer.from('x'));
          await paths().quarantine('/q/x.txt');
          expect(await paths().has('/q/x.txt')).to.equal(false);
          expect(await storage.quarantinedEntries()).to.deep.equal([]);
        });
        it('should list the note of bytes quarantined with one, naming their path and place', async function () {
          await putFile(storage, '/q/old/y.txt', Buffer.from('y'));
          const keptAt = await paths().quarantine('/q/old/y.txt', {
            kind: 'move-dir-file',
            path: '/q/new/y.txt',
            reason: 'the rename failed',
          });
          const entries = await storage.quarantinedEntries();
          expect(
            entries.map(({ kind, path, reason, keptAt: at }) => [kind, path, reason, at]),
          ).to.deep.equal([['move-dir-file', '/q/new/y.txt', 'the rename failed', keptAt]]);
        });
      });
    }

    describe('remove', function () {
      it('should make the file unreadable when it is removed', async function () {
        await putFile(storage, '/gone/file.txt', Buffer.from('x'));
        await storage.remove(refTo(storage, '/gone/file.txt'));
        expect(await rejection(openLatest(storage, '/gone/file.txt'))).to.be.instanceOf(
          NotFoundError,
        );
      });

      it('should resolve when the file is removed twice', async function () {
        await putFile(storage, '/twice.txt', Buffer.from('x'));
        await storage.remove(refTo(storage, '/twice.txt'));
        await storage.remove(refTo(storage, '/twice.txt'));
        expect(await rejection(openLatest(storage, '/twice.txt'))).to.be.instanceOf(NotFoundError);
      });

      it('should resolve when the file never existed', async function () {
        await storage.remove(refTo(storage, '/never/was.txt'));
        expect(await leftovers(storage)).to.deep.equal(NOTHING_LEFT);
      });

      it('should keep sibling files when one file is removed', async function () {
        await putFile(storage, '/dir/a.txt', Buffer.from('a'));
        await putFile(storage, '/dir/b.txt', Buffer.from('b'));
        await storage.remove(refTo(storage, '/dir/a.txt'));
        expect(
          (await readStream((await openLatest(storage, '/dir/b.txt')).body)).toString(),
        ).to.equal('b');
      });
    });

    describe('recover', function () {
      it('should roll a prepared temp forward when isCurrent confirms it', async function () {
        const data = randomBytes(10_000);
        const temp = await stagedTemp(storage, '/crash/forward.bin', data);
        await temp.prepare(3);
        const report = await storage.recover(async () => true);
        // etcd named this write: it is the path's generation now.
        latestOf(storage).set('/crash/forward.bin', { path: '/crash/forward.bin', write: temp.id });
        expect(report).to.deep.equal({
          rolledForward: ['/crash/forward.bin'],
          discarded: 0,
          quarantined: [],
        });
        expect(await sha256Of((await openLatest(storage, '/crash/forward.bin')).body)).to.equal(
          sha256(data),
        );
      });

      it('should ask isCurrent about the prepared path and gen when recovering', async function () {
        const temp = await stagedTemp(storage, '/asked.txt', Buffer.from('x'));
        await temp.prepare(7);
        const asked: Array<[string, number]> = [];
        await storage.recover(async (path, gen) => {
          asked.push([path, gen]);
          return false;
        });
        expect(asked).to.deep.equal([['/asked.txt', 7]]);
      });

      it('should discard a prepared temp when isCurrent denies it', async function () {
        await putFile(storage, '/crash/back.txt', Buffer.from('old'));
        const temp = await stagedTemp(storage, '/crash/back.txt', Buffer.from('new'));
        await temp.prepare(2);
        const report = await storage.recover(async () => false);
        expect(report).to.deep.equal({ rolledForward: [], discarded: 1, quarantined: [] });
        expect(
          (await readStream((await openLatest(storage, '/crash/back.txt')).body)).toString(),
        ).to.equal('old');
      });

      it('should discard an unprepared temp without asking isCurrent', async function () {
        await stagedTemp(storage, '/crash/unprepared.txt', Buffer.from('x'));
        let asked = false;
        const report = await storage.recover(async () => (asked = true));
        expect(report).to.deep.equal({ rolledForward: [], discarded: 1, quarantined: [] });
        expect(asked).to.equal(false);
      });

      it('should leave committed files alone when recovering', async function () {
        await putFile(storage, '/settled.txt', Buffer.from('settled'));
        const report = await storage.recover(async () => false);
        expect(report).to.deep.equal(NOTHING_LEFT);
        expect(
          (await readStream((await openLatest(storage, '/settled.txt')).body)).toString(),
        ).to.equal('settled');
      });

      it('should keep a prepared temp when isCurrent throws', async function () {
        const temp = await stagedTemp(storage, '/unsure.txt', Buffer.from('x'));
        await temp.prepare(1);
        const err = await rejection(
          storage.recover(async () => {
            throw new Error('metadata unreachable');
          }),
        );
        expect(err).to.be.instanceOf(Error);
        expect(await leftovers(storage)).to.deep.equal({
          rolledForward: ['/unsure.txt'],
          discarded: 0,
          quarantined: [],
        });
      });
    });

    describe('checkPath', function () {
      /** A canonical path of exactly `bytes` bytes, in segments a disk accepts. */
      function pathOf(bytes: number): string {
        let path = '';
        while (bytes - path.length > 201) path += '/' + 'd'.repeat(200);
        return path + '/' + 'f'.repeat(bytes - path.length - 1);
      }

      it('should accept a path when it is exactly maxPathBytes long', async function () {
        if (storage.maxPathBytes > 4096) this.skip();
        const path = pathOf(storage.maxPathBytes);
        await storage.checkPath(path);
        await putFile(storage, path, Buffer.from('longest'));
        expect((await readStream((await openLatest(storage, path)).body)).toString()).to.equal(
          'longest',
        );
      });

      it('should refuse with InvalidPathError naming the limit when a path is one byte longer', async function () {
        if (storage.maxPathBytes >= 4096) this.skip();
        const err = await rejection(storage.checkPath(pathOf(storage.maxPathBytes + 1)));
        expect(err).to.be.instanceOf(InvalidPathError);
        expect((err as Error).message).to.contain(String(storage.maxPathBytes));
      });

      it('should refuse a temp when the path is longer than maxPathBytes', async function () {
        if (storage.maxPathBytes >= 4096) this.skip();
        const err = await rejection(createTemp(storage, pathOf(storage.maxPathBytes + 1)));
        expect(err).to.be.instanceOf(InvalidPathError);
        expect(await leftovers(storage)).to.deep.equal(NOTHING_LEFT);
      });

      it('should refuse a rename when the destination is longer than maxPathBytes', async function () {
        if (storage.maxPathBytes >= 4096 || !options.paths) this.skip();
        await putFile(storage, '/short.txt', Buffer.from('x'));
        const err = await rejection(paths().rename('/short.txt', pathOf(storage.maxPathBytes + 1)));
        expect(err).to.be.instanceOf(InvalidPathError);
        expect(await paths().has('/short.txt')).to.equal(true);
      });

      it('should accept a path when an existing file is there to replace', async function () {
        await putFile(storage, '/there/file.txt', Buffer.from('x'));
        await storage.checkPath('/there/file.txt');
        expect(
          (await readStream((await openLatest(storage, '/there/file.txt')).body)).toString(),
        ).to.equal('x');
      });
    });

    describe('quarantinedEntries', function () {
      it('should list nothing when recovery set nothing aside', async function () {
        await putFile(storage, '/fine.txt', Buffer.from('x'));
        await storage.recover(async () => true);
        expect(await storage.quarantinedEntries()).to.deep.equal([]);
      });
    });

    describe('checkWritable', function () {
      it('should resolve when the backend is writable', async function () {
        await storage.checkWritable();
        expect(await leftovers(storage)).to.deep.equal(NOTHING_LEFT);
      });
    });
  });
}
