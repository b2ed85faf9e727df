// The drain's decisions on a fake cluster: what it refuses, what a failed move leaves, what it
// skips, how it spreads files over the targets.
import { expect } from 'chai';
import { drain, DrainRefused, type DrainAccess, type MoveOutcome } from '../../../src/cli/drain.js';
import type { InodeRecord, NodeRecord } from '../../../src/files/ports.js';

function node(id: string): NodeRecord {
  return {
    instance_id: id,
    http_url: `http://${id}`,
    grpc_addr: `${id}:1`,
    backends: ['localfs'],
    started: 0,
  };
}

class FakeAccess implements DrainAccess {
  readonly owner = new Map<string, string>();
  readonly sizes = new Map<string, number>();
  readonly writing = new Set<string>();
  readonly moves: Array<[string, string, string]> = [];
  failWith: Map<string, MoveOutcome> = new Map();

  constructor(readonly live: string[]) {}

  add(path: string, owner: string, size = 10): void {
    this.owner.set(path, owner);
    this.sizes.set(path, size);
  }
  liveNodes(): Promise<NodeRecord[]> {
    return Promise.resolve(this.live.map(node));
  }
  filesOf(instance: string): Promise<InodeRecord[]> {
    const recs = [...this.owner]
      .filter(([, o]) => o === instance)
      .map(([path]) => ({
        path,
        revision: '1',
        inode: {
          type: 'file' as const,
          instance_id: instance,
          backend_type: 'localfs',
          size: this.sizes.get(path)!,
          mode: 0o644,
          owner: 'u',
          mtime: 0,
          gen: 1,
          state: this.writing.has(path) ? ('writing' as const) : ('ready' as const),
        },
      }));
    return Promise.resolve(recs as InodeRecord[]);
  }
  move(via: string, path: string, target: string): Promise<MoveOutcome> {
    this.moves.push([via, path, target]);
    const fail = this.failWith.get(path);
    if (fail) return Promise.resolve(fail);
    this.owner.set(path, target);
    return Promise.resolve({ status: 200 });
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

describe('drain', () => {
  it('should refuse when no other node is live', async () => {
    const access = new FakeAccess(['node-1']);
    access.add('/a', 'node-1');
    const err = await drain(access, { instance: 'node-1' }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(DrainRefused);
    expect(access.moves).to.deep.equal([]);
  });

  it('should refuse when the node to drain is not live', async () => {
    const access = new FakeAccess(['node-2', 'node-3']);
    access.add('/a', 'node-1');
    const err = await drain(access, { instance: 'node-1' }).catch((e: unknown) => e);
    expect((err as Error).message).to.include('not a live member');
    expect(access.moves).to.deep.equal([]);
  });

  it('should refuse when --to names a node that is not live', async () => {
    const access = new FakeAccess(['node-1', 'node-2']);
    const err = await drain(access, { instance: 'node-1', to: ['node-7'] }).catch(
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(DrainRefused);
  });

  it('should list a failed move, keep the file on its node and move the others when one move fails', async () => {
    const access = new FakeAccess(['node-1', 'node-2']);
    for (const p of ['/a', '/b', '/c']) access.add(p, 'node-1');
    access.failWith.set('/b', { status: 503, code: 'OWNER_UNAVAILABLE', message: 'down' });
    const report = await drain(access, { instance: 'node-1' });
    expect(report.failed.map((f) => [f.path, f.code])).to.deep.equal([['/b', 'OWNER_UNAVAILABLE']]);
    expect([report.moved, report.remaining]).to.deep.equal([2, 1]);
    expect(access.owner.get('/b')).to.equal('node-1');
  });

  it('should try a failed move once per run when it keeps failing', async () => {
    const access = new FakeAccess(['node-1', 'node-2']);
    access.add('/a', 'node-1');
    access.failWith.set('/a', { status: 503 });
    await drain(access, { instance: 'node-1' });
    expect(access.moves).to.have.length(1);
  });

  it('should skip an upload in flight and count it as remaining', async () => {
    const access = new FakeAccess(['node-1', 'node-2']);
    access.add('/w', 'node-1');
    access.writing.add('/w');
    const report = await drain(access, { instance: 'node-1' });
    expect([
      report.skipped.map((s) => s.path),
      report.remaining,
      access.moves.length,
    ]).to.deep.equal([['/w'], 1, 0]);
  });

  it('should ask the drained node and spread the bytes over the targets when several are live', async () => {
    const access = new FakeAccess(['node-1', 'node-2', 'node-3']);
    access.add('/big', 'node-1', 1000);
    for (const p of ['/s1', '/s2', '/s3']) access.add(p, 'node-1', 10);
    await drain(access, { instance: 'node-1', concurrency: 1 });
    expect(new Set(access.moves.map(([via]) => via))).to.deep.equal(new Set(['http://node-1']));
    const onNode3 = [...access.owner].filter(([, o]) => o === 'node-3').map(([p]) => p);
    const onNode2 = [...access.owner].filter(([, o]) => o === 'node-2').map(([p]) => p);
    expect([onNode2.includes('/big'), onNode3.includes('/big')]).to.deep.equal([true, false]);
    expect(onNode3.sort()).to.deep.equal(['/s1', '/s2', '/s3']);
  });

  it('should move files that appear on the node while it drains', async () => {
    const access = new FakeAccess(['node-1', 'node-2']);
    access.add('/a', 'node-1');
    const move = access.move.bind(access);
    let once = false;
    access.move = (via, path, target) => {
      if (!once) {
        once = true;
        access.add('/late', 'node-1');
      }
      return move(via, path, target);
    };
    const report = await drain(access, { instance: 'node-1' });
    expect([report.moved, report.remaining]).to.deep.equal([2, 0]);
  });
});
