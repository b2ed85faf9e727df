// The behaviour every ChangeFeed implementation must show (the etcd watch in integration tests,
// the in-memory fake in unit tests): what is reported for each kind of change, what a watch
// covers, resuming after a revision, compaction, and ending the watch.
import { expect } from 'chai';
import type { Change, ChangeFeed, WatchStream } from '../../src/files/change-feed.js';
import { BadRequestError, NotFoundError, RevisionCompactedError } from '../../src/files/errors.js';
import type { Inode } from '../../src/files/ports.js';
import {
  dirInode,
  fileInode,
  nodeRecord,
  parentsOf,
  type MetadataUnderTest,
} from './metadata-contract.js';
import { rejection } from '../support/checks.js';

export interface ChangeFeedSubject {
  metadata: MetadataUnderTest;
  instanceId: string;
  feed: ChangeFeed;
  compact(revision: string): Promise<void>;
  cleanup(): Promise<void>;
}

/** Reads changes until `n` have arrived (bounded, so a missing change fails instead of hanging). */
async function take(stream: WatchStream, n: number, ms = 8_000): Promise<Change[]> {
  const out: Change[] = [];
  const it = stream.batches[Symbol.asyncIterator]();
  const deadline = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error(`only ${out.length} of ${n} changes arrived`)), ms).unref(),
  );
  while (out.length < n) {
    const next = await Promise.race([it.next(), deadline]);
    if (next.done) break;
    out.push(...next.value.changes);
  }
  return out;
}

export function changeFeedContract(name: string, make: () => Promise<ChangeFeedSubject>): void {
  describe(`${name} (change feed contract)`, function () {
    this.timeout(20_000);
    let s: ChangeFeedSubject;
    let ac: AbortController;
    const file = (o: Partial<Inode> = {}): Inode => fileInode(s.instanceId, o);
    const watch = (path: string, recursive = false, since?: string) =>
      s.feed.watch(path, { recursive, since, signal: ac.signal });

    beforeEach(async () => {
      s = await make();
      ac = new AbortController();
      await s.metadata.register(nodeRecord(s.instanceId));
      await s.metadata.create('/w', dirInode(s.instanceId), parentsOf(s.instanceId));
    });
    afterEach(async () => {
      ac.abort();
      await s.cleanup();
    });

    it('should report a create with owner and revision when a file is created', async () => {
      const stream = await watch('/w');
      const rec = await s.metadata.create('/w/a', file({ size: 7 }), {});
      const [c] = await take(stream, 1);
      expect(c).to.include({ type: 'create', path: '/w/a', entry_type: 'file', size: 7 });
      expect([c?.instance_id, c?.owner, c?.revision]).to.deep.equal([
        s.instanceId,
        'alice',
        rec.revision,
      ]);
    });

    it('should report the create once the upload is ready when the path was claimed first', async () => {
      const stream = await watch('/w');
      const claim = await s.metadata.create('/w/up', file({ state: 'writing', gen: 0 }), {});
      const ready = await s.metadata.replace(claim, file({ size: 3 }));
      const [c] = await take(stream, 1);
      expect([c?.type, c?.path, c?.revision]).to.deep.equal(['create', '/w/up', ready.revision]);
    });

    it('should report update then delete when a file is replaced and removed', async () => {
      const rec = await s.metadata.create('/w/a', file(), {});
      const stream = await watch('/w');
      const replaced = await s.metadata.replace(rec, file({ size: 9, gen: 2 }));
      await s.metadata.remove(replaced);
      const changes = await take(stream, 2);
      expect(changes.map((c) => [c.type, c.path, c.size])).to.deep.equal([
        ['update', '/w/a', 9],
        ['delete', '/w/a', 9],
      ]);
    });

    it('should report one move with from when a file is moved', async () => {
      const rec = await s.metadata.create('/w/a', file(), {});
      const stream = await watch('/w');
      await s.metadata.move(rec, '/w/b', rec.inode, {});
      const changes = await take(stream, 1);
      expect(changes.map((c) => [c.type, c.from, c.path])).to.deep.equal([
        ['move', '/w/a', '/w/b'],
      ]);
    });

    it('should report only direct children when the watch is not recursive', async () => {
      const stream = await watch('/w');
      await s.metadata.create('/w/d/deep', file(), parentsOf(s.instanceId));
      await s.metadata.create('/w/top', file(), {});
      const changes = await take(stream, 2);
      expect(changes.map((c) => c.path)).to.deep.equal(['/w/d', '/w/top']);
    });

    it('should report the whole subtree when the watch is recursive', async () => {
      const stream = await watch('/w', true);
      await s.metadata.create('/w/d/deep', file(), parentsOf(s.instanceId));
      const changes = await take(stream, 2);
      expect(changes.map((c) => c.path).sort()).to.deep.equal(['/w/d', '/w/d/deep']);
    });

    it('should report nothing of siblings or their subtrees when a directory is watched', async () => {
      await s.metadata.create('/w/m', dirInode(s.instanceId), {});
      const stream = await watch('/w/m', true);
      // Names sorting before and after `m`, and a name starting below `/` in byte order.
      await s.metadata.create('/w/a/deep', file(), parentsOf(s.instanceId));
      await s.metadata.create('/w/-x/deep', file(), parentsOf(s.instanceId));
      await s.metadata.create('/w/z', file(), {});
      await s.metadata.create('/w/m/in', file(), {});
      const changes = await take(stream, 1);
      expect(changes.map((c) => c.path)).to.deep.equal(['/w/m/in']);
    });

    it('should report the directory itself when the watched directory is deleted', async () => {
      const stream = await watch('/w', true);
      const dir = await s.metadata.get('/w');
      await s.metadata.remove(dir!);
      const [c] = await take(stream, 1);
      expect([c?.type, c?.path]).to.deep.equal(['delete', '/w']);
    });

    it('should replay only later changes when resumed after a revision', async () => {
      const first = await s.metadata.create('/w/one', file(), {});
      await s.metadata.create('/w/two', file(), {});
      const stream = await watch('/w', false, first.revision);
      expect(stream.startRevision).to.equal(first.revision);
      const changes = await take(stream, 1);
      expect(changes.map((c) => c.path)).to.deep.equal(['/w/two']);
    });

    it('should replay the delete when resumed after a revision the deleted file existed at', async () => {
      const rec = await s.metadata.create('/w/gone', file({ size: 4 }), {});
      await s.metadata.remove(rec);
      const stream = await watch('/w/gone', false, rec.revision);
      const changes = await take(stream, 1);
      expect(changes.map((c) => [c.type, c.path, c.size])).to.deep.equal([
        ['delete', '/w/gone', 4],
      ]);
    });

    it('should replay the subtree and its delete when resumed on a directory deleted since', async () => {
      const dir = await s.metadata.create('/w/sub', dirInode(s.instanceId), {});
      const child = await s.metadata.create('/w/sub/f', file(), {});
      await s.metadata.remove(child);
      await s.metadata.remove((await s.metadata.get('/w/sub'))!);
      const stream = await watch('/w/sub', true, dir.revision);
      const changes = await take(stream, 3);
      expect(changes.map((c) => [c.type, c.path])).to.deep.equal([
        ['create', '/w/sub/f'],
        ['delete', '/w/sub/f'],
        ['delete', '/w/sub'],
      ]);
    });

    it('should refuse with RevisionCompactedError when the resume point was compacted', async () => {
      const first = await s.metadata.create('/w/one', file(), {});
      const second = await s.metadata.create('/w/two', file(), {});
      await s.compact(second.revision);
      const err = await rejection(watch('/w', false, String(Number(first.revision) - 1)));
      expect(err).to.be.instanceOf(RevisionCompactedError);
    });

    it('should refuse with BadRequestError when since is in the future', async () => {
      const rec = await s.metadata.create('/w/one', file(), {});
      const err = await rejection(watch('/w', false, String(Number(rec.revision) + 1000)));
      expect(err).to.be.instanceOf(BadRequestError);
    });

    it('should refuse with NotFoundError when the watched path does not exist', async () => {
      expect(await rejection(watch('/missing'))).to.be.instanceOf(NotFoundError);
    });

    it('should end the stream when the watch is aborted', async () => {
      const stream = await watch('/w');
      const done = (async () => {
        for await (const _ of stream.batches) {
          // nothing is created
        }
        return 'ended';
      })();
      ac.abort();
      expect(await done).to.equal('ended');
    });
  });
}
