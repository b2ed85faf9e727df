// The etcd side of `callfs import` against a real etcd: files go in transactions of at most
// IMPORT_BATCH puts (etcd refuses more than 128 operations in one), nothing is overwritten, and
// no file is registered under a directory that changed since the import read it.
import { expect } from 'chai';
import {
  EtcdImporter,
  IMPORT_BATCH,
  ImportChangedError,
} from '../../../src/metadata/etcd-import.js';
import { inodeKey } from '../../../src/metadata/keys.js';
import { encodeInode } from '../../../src/metadata/records.js';
import { etcdPerSuite } from '../../support/etcd.js';
import { dirInode, fileInode } from '../../contract/metadata-contract.js';

describe('EtcdImporter against etcd', function () {
  this.timeout(30_000);
  const suite = etcdPerSuite();
  let prefix: string;
  let importer: EtcdImporter;
  beforeEach(() => {
    prefix = suite.prefix('imp');
    importer = new EtcdImporter(suite.raw, prefix);
  });

  const files = (dir: string, n: number) =>
    Array.from({ length: n }, (_, i) => ({
      path: `${dir}/f${i}`,
      inode: fileInode('node-a', { size: i }),
    }));
  const revision = async () =>
    Number((await suite.raw.kv.range({ key: Buffer.from('x') })).header.revision);

  it('should register a full batch in one transaction when every file is new', async () => {
    const d = await importer.ensureDir('/d', dirInode('node-a'));
    const before = await revision();
    const out = await importer.registerFiles('/d', d.revision!, files('/d', IMPORT_BATCH));
    expect(out.every((o) => o.kind === 'registered')).to.equal(true);
    expect((await revision()) - before).to.equal(1);
  });

  it('should register nothing and throw ImportChangedError when the directory was deleted since read', async () => {
    const d = await importer.ensureDir('/gone', dirInode('node-a'));
    await suite.raw.delete().key(inodeKey(prefix, '/gone'));
    const err = await importer.registerFiles('/gone', d.revision!, files('/gone', 3)).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(ImportChangedError);
    expect(await suite.raw.getAll().prefix(`${prefix}fs/gone/`).keys()).to.deep.equal([]);
  });

  it('should report a file of another node and register the rest when one path is taken', async () => {
    const d = await importer.ensureDir('/mix', dirInode('node-a'));
    await suite.raw
      .put(inodeKey(prefix, '/mix/f1'))
      .value(encodeInode(fileInode('node-b', { size: 99 })));
    const out = await importer.registerFiles('/mix', d.revision!, files('/mix', 3));
    expect(out.map((o) => o.kind)).to.deep.equal(['registered', 'conflict', 'registered']);
  });
});
