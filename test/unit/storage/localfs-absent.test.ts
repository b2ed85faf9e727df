// Which failures of a stat mean "no file there": only those, because a directory move's disk
// step reads a file it cannot see as one it already moved (LocalfsStorage.has).
import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAbsent } from '../../../src/storage/localfs-limits.js';
import { createLocalfsStorage } from '../../../src/storage/localfs.js';

const failure = (code: string): NodeJS.ErrnoException =>
  Object.assign(new Error(`${code}: failed`), { code });

describe('isAbsent', () => {
  it('should read a missing path, a file in the way of a folder and a too long name as absent', () => {
    expect(['ENOENT', 'ENOTDIR', 'ENAMETOOLONG'].map((c) => isAbsent(failure(c)))).to.deep.equal([
      true,
      true,
      true,
    ]);
  });

  it('should not read a failure that says nothing about the file as absent', () => {
    const codes = ['EIO', 'EMFILE', 'ENFILE', 'EACCES', 'EPERM', 'ELOOP', 'ENOMEM'];
    expect(codes.filter((c) => isAbsent(failure(c)))).to.deep.equal([]);
    expect(isAbsent(new Error('no code'))).to.equal(false);
  });
});

describe('LocalfsStorage.has', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'callfs-has-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('should answer false when the file, its folder or a name that long cannot exist', async () => {
    const storage = await createLocalfsStorage({ root });
    const answers = await Promise.all([
      storage.has('/missing.txt'),
      storage.has('/no/such/dir/f.txt'),
      storage.has(`/${'n'.repeat(300)}`),
    ]);
    expect(answers).to.deep.equal([false, false, false]);
  });
});
