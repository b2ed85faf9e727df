import { expect } from 'chai';
import type { Inode } from '../../../src/files/ports.js';
import { decodeInode, encodeInode } from '../../../src/metadata/records.js';

const file: Inode = {
  type: 'file',
  instance_id: 'node-1',
  backend_type: 'localfs',
  size: 4096,
  mode: 0o644,
  owner: 'api-user-0',
  mtime: 1_796_047_317_965,
  gen: 3,
  state: 'ready',
  write: '0123456789abcdef',
};

describe('inode records', () => {
  it('should leave out the fields that have their default when an inode is stored', () => {
    const stored = JSON.parse(encodeInode(file)) as Record<string, unknown>;
    expect(Object.keys(stored)).to.deep.equal([
      'type',
      'instance_id',
      'size',
      'owner',
      'mtime',
      'gen',
      'write',
    ]);
  });

  it('should keep a typical file inode at or under 130 bytes when stored', () => {
    expect(Buffer.byteLength(encodeInode(file))).to.be.at.most(130);
  });

  it('should decode the stored form back to the whole inode', () => {
    expect(decodeInode('/f', encodeInode(file))).to.deep.equal(file);
    const dir: Inode = { ...file, type: 'directory', mode: 0o755, write: undefined };
    delete dir.write;
    expect(decodeInode('/d', encodeInode(dir))).to.deep.equal(dir);
  });

  it('should store a field that differs from its default when it is not the default', () => {
    const odd: Inode = { ...file, backend_type: 's3', mode: 0o600, state: 'writing' };
    const stored = JSON.parse(encodeInode(odd)) as Record<string, unknown>;
    expect(stored).to.include({ backend_type: 's3', mode: 0o600, state: 'writing' });
    expect(decodeInode('/f', encodeInode(odd))).to.deep.equal(odd);
  });

  it('should decode a full record written by an earlier version when every field is there', () => {
    const full = JSON.stringify({ ...file, backend_type: 'localfs', mode: 420, state: 'ready' });
    expect(decodeInode('/f', full)).to.deep.equal(file);
  });

  it('should refuse a record without its owner node when one is decoded', () => {
    const { instance_id: _gone, ...rest } = file;
    expect(() => decodeInode('/f', JSON.stringify(rest))).to.throw(/corrupt inode/);
  });
});

describe('inode records of files in a shared store', () => {
  it('should keep the store an S3 inode names when it is stored and decoded', () => {
    const s3: Inode = { ...file, backend_type: 's3', store: 'a1b2c3d4e5f60718' };
    expect(JSON.parse(encodeInode(s3))).to.include({ backend_type: 's3', store: s3.store });
    expect(decodeInode('/f', encodeInode(s3))).to.deep.equal(s3);
  });
});
