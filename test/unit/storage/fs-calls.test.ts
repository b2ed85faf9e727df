// The callback-API file calls of the small-write path: a new file holds exactly its bytes and
// mode, an existing one is never touched, and failures reach the caller as errno errors.
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { fsyncDir, renamePath, writeNewFile } from '../../../src/storage/fs-calls.js';
import { sha256 } from '../../support/checks.js';

async function rejection(p: Promise<unknown>): Promise<NodeJS.ErrnoException> {
  try {
    await p;
  } catch (err) {
    return err as NodeJS.ErrnoException;
  }
  throw new Error('expected a rejection');
}

describe('fs-calls', function () {
  let dir: string;

  beforeEach(async function () {
    dir = await mkdtemp(join(tmpdir(), 'callfs-fs-calls-'));
  });

  afterEach(async function () {
    await rm(dir, { recursive: true, force: true });
  });

  it('should write exactly the bytes with the given mode when the file is new', async function () {
    const data = Buffer.from(Array.from({ length: 70_000 }, (_, i) => i % 251));
    const file = join(dir, 'new.part');
    await writeNewFile(file, data, 0o640, true);
    expect(sha256(await readFile(file))).to.equal(sha256(data));
    expect((await stat(file)).mode & 0o777).to.equal(0o640);
  });

  it('should create an empty file when the data is empty', async function () {
    const file = join(dir, 'empty.part');
    await writeNewFile(file, Buffer.alloc(0), 0o644, false);
    expect((await stat(file)).size).to.equal(0);
  });

  it('should fail with EEXIST and leave the file unchanged when it already exists', async function () {
    const file = join(dir, 'taken.part');
    await writeFile(file, 'first');
    const err = await rejection(writeNewFile(file, Buffer.from('second'), 0o644, false));
    expect(err.code).to.equal('EEXIST');
    expect(await readFile(file, 'utf8')).to.equal('first');
  });

  it('should fail with ENOENT when the folder is missing', async function () {
    const err = await rejection(
      writeNewFile(join(dir, 'no/such.part'), Buffer.from('x'), 0o644, false),
    );
    expect(err.code).to.equal('ENOENT');
  });

  it('should move the file when renamed', async function () {
    await writeFile(join(dir, 'a'), 'bytes');
    await renamePath(join(dir, 'a'), join(dir, 'b'));
    expect(await readFile(join(dir, 'b'), 'utf8')).to.equal('bytes');
  });

  it('should fail with ENOENT when a rename source is missing', async function () {
    const err = await rejection(renamePath(join(dir, 'missing'), join(dir, 'b')));
    expect(err.code).to.equal('ENOENT');
  });

  it('should resolve when a directory is fsynced', async function () {
    await fsyncDir(dir);
  });

  it('should fail with ENOTDIR when the path to fsync is a file', async function () {
    await writeFile(join(dir, 'f'), 'x');
    const err = await rejection(fsyncDir(join(dir, 'f')));
    expect(err.code).to.equal('ENOTDIR');
  });

  it('should fail with ENOENT when the directory to fsync is missing', async function () {
    const err = await rejection(fsyncDir(join(dir, 'missing')));
    expect(err.code).to.equal('ENOENT');
  });
});
