// The etcd key layout and path helpers: the layout is a documented, etcdctl-visible contract.
import { expect } from 'chai';
import { InvalidPathError } from '../../../src/files/errors.js';
import {
  ancestorsOf,
  assertCanonical,
  childrenPrefix,
  inodeKey,
  nodeKey,
  prefixEnd,
  subtreePrefix,
} from '../../../src/metadata/keys.js';

const P = '/callfs/';

describe('metadata keys', () => {
  it('should key a nested inode by parent and name when the path is nested', () => {
    expect(inodeKey(P, '/shared/report.docx')).to.equal('/callfs/fs/shared//report.docx');
  });

  it('should key a top-level inode under the root children prefix when at the top', () => {
    expect(inodeKey(P, '/a')).to.equal('/callfs/fs//a');
  });

  it('should put a child key under its directory children prefix when listed', () => {
    expect(inodeKey(P, '/a/b').startsWith(childrenPrefix(P, '/a'))).to.equal(true);
    expect(childrenPrefix(P, '/a')).to.equal('/callfs/fs/a//');
    expect(childrenPrefix(P, '/')).to.equal('/callfs/fs//');
  });

  it('should keep grandchildren and look-alike siblings out of the children prefix', () => {
    const kids = childrenPrefix(P, '/a');
    expect(inodeKey(P, '/a/b/c').startsWith(kids)).to.equal(false);
    expect(inodeKey(P, '/ab/c').startsWith(kids)).to.equal(false);
  });

  it('should cover the whole subtree and nothing else when a subtree prefix is taken', () => {
    const sub = subtreePrefix(P, '/a');
    expect([inodeKey(P, '/a/b'), inodeKey(P, '/a/b/c')].every((k) => k.startsWith(sub))).to.equal(
      true,
    );
    expect(inodeKey(P, '/ab/c').startsWith(sub)).to.equal(false);
  });

  it('should key membership by instance id when a node registers', () => {
    expect(nodeKey(P, 'node-east')).to.equal('/callfs/nodes/node-east');
  });

  it('should list ancestors root-first without the root when a path is nested', () => {
    expect(ancestorsOf('/a/b/c')).to.deep.equal(['/a', '/a/b']);
    expect(ancestorsOf('/a')).to.deep.equal([]);
  });

  it('should end a prefix range after the last byte below 0xff when the prefix is given', () => {
    expect(prefixEnd(Buffer.from('ab')).toString()).to.equal('ac');
    expect([...prefixEnd(Buffer.from([0x61, 0xff]))]).to.deep.equal([0x62]);
  });

  it('should reject a path when it is not canonical', () => {
    for (const bad of ['a', '/a/', '/a//b', '/a/./b', '/a/../b', '/a\0']) {
      expect(() => assertCanonical(bad), bad).to.throw(InvalidPathError);
    }
  });
});
