// The one-transaction create of a small POST (a known length up to smallBodyBytes): no read
// and no claim before the body, the commit transaction alone decides, and whatever loses or
// fails leaves no staged bytes and no inode.
import { expect } from 'chai';
import {
  AlreadyExistsError,
  BadRequestError,
  NodeNotServingError,
  ParentNotADirectoryError,
  PayloadTooLargeError,
} from '../../../src/files/errors.js';
import type { WriteRequestHeader } from '../../../src/files/ports.js';
import {
  bodyOf,
  caller,
  fakeCluster,
  readFile,
  rejection,
  sha256,
  writeFile,
  type FakeCluster,
  type FakeNode,
} from '../../support/fakes.js';

const POST = 'WRITE_MODE_CREATE_ONLY';
const SMALL = 1024;
const MAX_BODY = 64 * 1024;

function post(path: string, expected: number): WriteRequestHeader {
  return { path, write_mode: POST, expected_size: expected };
}

/** Counts the Metadata calls a node's files service makes from now on. */
function countCalls(node: FakeNode): Record<string, number> {
  const calls: Record<string, number> = {};
  const target = node.metadata as unknown as Record<string, unknown>;
  for (const name of ['get', 'create', 'replace', 'remove', 'list']) {
    const original = target[name] as (...a: unknown[]) => unknown;
    target[name] = (...args: unknown[]) => {
      calls[name] = (calls[name] ?? 0) + 1;
      return original.apply(node.metadata, args);
    };
  }
  return calls;
}

describe('small creates', () => {
  let cluster: FakeCluster;
  let a: FakeNode;
  let b: FakeNode;
  const alice = caller('alice');

  beforeEach(async () => {
    cluster = await fakeCluster(['node-a', 'node-b'], {
      maxBodyBytes: MAX_BODY,
      smallBodyBytes: SMALL,
    });
    [a, b] = cluster.nodes as [FakeNode, FakeNode];
  });
  afterEach(async () => {
    await cluster.close();
  });

  it('should make one metadata call, a create, when a small POST lands in an existing directory', async () => {
    await a.files.mkdir(alice, '/dir');
    const calls = countCalls(a);
    const result = await writeFile(a.files, alice, '/dir/f.txt', 'small body', POST);
    expect(result.created).to.equal(true);
    expect(calls).to.deep.equal({ create: 1 });
    expect(result.info.gen).to.equal(1);
    expect((await readFile(a.files, alice, '/dir/f.txt')).toString()).to.equal('small body');
  });

  it('should let exactly one of two concurrent small POSTs of one path win when both send their bodies', async () => {
    const one = await a.files.openWrite(alice, post('/race.txt', 3));
    const two = await b.files.openWrite(alice, post('/race.txt', 3));
    const outcomes = await Promise.allSettled([one.write(bodyOf('one')), two.write(bodyOf('two'))]);
    const won = outcomes.filter((o) => o.status === 'fulfilled');
    const lost = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as unknown] : []));
    expect(won).to.have.length(1);
    expect(lost).to.have.length(1);
    expect(lost[0]).to.be.instanceOf(AlreadyExistsError);
    const winner = outcomes[0]!.status === 'fulfilled' ? 'node-a' : 'node-b';
    expect((lost[0] as AlreadyExistsError).existing?.instanceId).to.equal(winner);
    const content = await readFile(a.files, alice, '/race.txt');
    expect(sha256(content)).to.equal(sha256(winner === 'node-a' ? 'one' : 'two'));
    expect(a.storage.stagedCount() + b.storage.stagedCount()).to.equal(0);
    const loser = winner === 'node-a' ? b : a;
    expect(loser.storage.read('/race.txt')).to.equal(undefined);
  });

  it('should answer FILE_ALREADY_EXISTS after the body and keep the first content when a small POST hits a file', async () => {
    await writeFile(b.files, alice, '/dup.txt', 'first', POST);
    const err = await rejection(writeFile(a.files, alice, '/dup.txt', 'second', POST));
    expect(err).to.be.instanceOf(AlreadyExistsError);
    expect((err as AlreadyExistsError).existing?.instanceId).to.equal('node-b');
    expect((await readFile(a.files, alice, '/dup.txt')).toString()).to.equal('first');
    expect(a.storage.stagedCount()).to.equal(0);
    expect(a.storage.read('/dup.txt')).to.equal(undefined);
  });

  it('should answer FILE_ALREADY_EXISTS before the body when a POST too long for the small path hits a file', async () => {
    await writeFile(b.files, alice, '/big.txt', 'first', POST);
    const err = await rejection(a.files.openWrite(alice, post('/big.txt', SMALL + 1)));
    expect(err).to.be.instanceOf(AlreadyExistsError);
  });

  it('should create the missing parents as directories when a small POST goes deep', async () => {
    await writeFile(a.files, alice, '/p1/p2/f.txt', 'deep', POST);
    const dir = await a.files.stat(alice, '/p1/p2');
    expect(dir.type).to.equal('FILE_TYPE_DIRECTORY');
    expect(dir.owner).to.equal('alice');
  });

  it('should reject with ParentNotADirectoryError and stage nothing when the parent is a file', async () => {
    await writeFile(b.files, alice, '/pf.txt', 'f', POST);
    const err = await rejection(writeFile(a.files, alice, '/pf.txt/child', 'x', POST));
    expect(err).to.be.instanceOf(ParentNotADirectoryError);
    expect(await a.metadata.get('/pf.txt/child')).to.equal(null);
    expect(a.storage.stagedCount()).to.equal(0);
  });

  it('should reject with NodeNotServingError and commit nothing when the lease is lost mid-body', async () => {
    const session = await a.files.openWrite(alice, post('/lease.txt', 4));
    await a.metadata.expireLease();
    const err = await rejection(session.write(bodyOf('body')));
    expect(err).to.be.instanceOf(NodeNotServingError);
    expect(await b.metadata.get('/lease.txt')).to.equal(null);
    expect(a.storage.stagedCount()).to.equal(0);
  });

  it('should reject with NodeNotServingError before the body when the node holds no lease', async () => {
    a.metadata.setServing(false);
    const err = await rejection(a.files.openWrite(alice, post('/no-lease.txt', 4)));
    expect(err).to.be.instanceOf(NodeNotServingError);
  });

  it('should reject with BadRequestError and commit nothing when the body is longer than announced', async () => {
    const session = await a.files.openWrite(alice, post('/long.txt', 4));
    const err = await rejection(session.write(bodyOf('four', 'more')));
    expect(err).to.be.instanceOf(BadRequestError);
    expect(await a.metadata.get('/long.txt')).to.equal(null);
    expect(a.storage.stagedCount()).to.equal(0);
  });

  it('should reject with BadRequestError and commit nothing when the body is shorter than announced', async () => {
    const session = await a.files.openWrite(alice, post('/short.txt', 10));
    const err = await rejection(session.write(bodyOf('four')));
    expect(err).to.be.instanceOf(BadRequestError);
    expect(await a.metadata.get('/short.txt')).to.equal(null);
    expect(a.storage.stagedCount()).to.equal(0);
  });

  it('should take the claim-first path when the length is unknown', async () => {
    const calls = countCalls(a);
    const session = await a.files.openWrite(alice, post('/unknown.txt', -1));
    expect(calls.create).to.equal(1);
    expect((await a.metadata.get('/unknown.txt'))?.inode.state).to.equal('writing');
    await session.write(bodyOf('x'));
  });

  it('should refuse with PayloadTooLargeError before the body when the length exceeds the limit', async () => {
    const err = await rejection(a.files.openWrite(alice, post('/huge.txt', MAX_BODY + 1)));
    expect(err).to.be.instanceOf(PayloadTooLargeError);
  });
});
