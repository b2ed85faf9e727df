// The write path under faults, on fakes: a commit whose etcd reply is lost, a rename that fails
// after etcd named the generation, a create whose claim lapsed mid-body, and the races of a
// PUT or POST with a DELETE of the same path. None of them may answer FILE_NOT_FOUND for the
// written file, and bytes stay what the namespace names.
import { expect } from 'chai';
import {
  AlreadyExistsError,
  type CallfsError,
  NodeNotServingError,
} from '../../../src/files/errors.js';
import type { PathStorage, TempFile } from '../../../src/files/ports.js';
import { createMemoryStorage, type MemoryStorage } from '../../../src/storage/memory.js';
import {
  bodyOf,
  caller,
  fakeCluster,
  moveSpec,
  readFile,
  rejection,
  writeFile,
} from '../../support/fakes.js';
import { flakyNode } from '../../support/flaky-metadata.js';

const alice = caller('alice');
const POST = 'WRITE_MODE_CREATE_ONLY';

/** A storage whose next `failRenames` temp commits fail, as a full or flaky disk would. */
function failingRenames(storage: MemoryStorage): { storage: PathStorage; failRenames: number } {
  const state = { failRenames: 0, storage: storage as PathStorage };
  state.storage = new Proxy(storage, {
    get: (target, key) => {
      if (key === 'createTemp') {
        return async (path: string): Promise<TempFile> => {
          const temp = await target.createTemp(path);
          const commit = temp.commit.bind(temp);
          return Object.assign(temp, {
            commit: async () => {
              if (state.failRenames > 0) {
                state.failRenames -= 1;
                throw new Error('EIO: rename failed');
              }
              return commit();
            },
          });
        };
      }
      const value = Reflect.get(target, key) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return state;
}

async function oneNode() {
  const mem = createMemoryStorage();
  const disk = failingRenames(mem);
  const { meta, flaky, files } = await flakyNode(undefined, {
    storage: disk.storage,
    // A POST of up to 64 KiB is a small create: one transaction, no claim.
    smallBodyBytes: 64 * 1024,
  });
  return { meta, flaky, mem, disk, files };
}

describe('commit outcomes', () => {
  describe('unknown outcome of the commit transaction', () => {
    it('should roll the kept temp forward when etcd turns out to have committed it', async () => {
      const { flaky, mem, files } = await oneNode();
      await writeFile(files, alice, '/u.txt', 'old');
      flaky.loseNextReply = true;
      const err = await rejection(writeFile(files, alice, '/u.txt', 'new'));
      expect((err as CallfsError).code).to.equal('METADATA_UNAVAILABLE');
      expect(await files.reconciler.runOnce()).to.equal(1);
      flaky.down = false;
      expect(await files.reconciler.runOnce()).to.equal(0);
      expect(mem.read('/u.txt')?.toString()).to.equal('new');
      expect(mem.stagedCount()).to.equal(0);
    });

    it('should keep a created file once etcd turns out to have committed its create', async () => {
      const { flaky, mem, files } = await oneNode();
      // A PUT whose file vanished while it uploaded commits with a create.
      await writeFile(files, alice, '/c.txt', 'x');
      const session = await files.openWrite(alice, {
        path: '/c.txt',
        write_mode: 'WRITE_MODE_CREATE_OR_REPLACE',
        expected_size: -1,
      });
      await files.remove(alice, '/c.txt');
      flaky.loseNextReply = true;
      await rejection(session.write(bodyOf('created')));
      flaky.down = false;
      expect(await files.reconciler.runOnce()).to.equal(0);
      expect(mem.read('/c.txt')?.toString()).to.equal('created');
    });

    it('should fence a replace etcd holds unanswered so it never names bytes the write dropped', async () => {
      const { flaky, meta, mem, files } = await oneNode();
      await writeFile(files, alice, '/h.txt', 'old');
      flaky.holdNextCommit = true;
      const err = await rejection(writeFile(files, alice, '/h.txt', 'the new bytes'));
      expect((err as CallfsError).code).to.equal('METADATA_UNAVAILABLE');
      // etcd applies the held transaction only now: its compare must fail.
      const late = await rejection(flaky.held!());
      const rec = await meta.get('/h.txt');
      expect([late?.constructor.name, rec?.inode.gen, rec?.inode.size]).to.deep.equal([
        'StaleRevisionError',
        1,
        3,
      ]);
      expect((await readFile(files, alice, '/h.txt')).toString()).to.equal('old');
      expect([mem.read('/h.txt')?.toString(), mem.stagedCount()]).to.deep.equal(['old', 0]);
    });

    it('should fence a create over its claim that etcd holds unanswered, and free the path', async () => {
      const { flaky, meta, mem, files } = await oneNode();
      // A body of unknown length claims the path first; its commit replaces the claim.
      const session = await files.openWrite(alice, {
        path: '/k.txt',
        write_mode: 'WRITE_MODE_CREATE_OR_REPLACE',
        expected_size: -1,
      });
      flaky.holdNextCommit = true;
      await rejection(session.write(bodyOf('claimed bytes')));
      expect((await rejection(flaky.held!()))?.constructor.name).to.equal('StaleRevisionError');
      expect([await meta.get('/k.txt'), mem.stagedCount()]).to.deep.equal([null, 0]);
    });

    it('should fence a create etcd holds unanswered so it never names bytes the write dropped', async () => {
      const { flaky, meta, mem, files } = await oneNode();
      // A POST of known length is a small create: one transaction compares the path absent.
      flaky.holdNextCommit = true;
      const err = await rejection(writeFile(files, alice, '/f.txt', 'created bytes', POST));
      expect((err as CallfsError).code).to.equal('METADATA_UNAVAILABLE');
      expect(mem.stagedCount()).to.equal(0);
      // etcd applies the held transaction only now: its write's fence makes it fail.
      expect((await rejection(flaky.held!()))?.constructor.name).to.equal('StaleRevisionError');
      expect(await meta.get('/f.txt')).to.equal(null);
      // The path is free for the next create.
      await writeFile(files, alice, '/f.txt', 'again');
      expect((await readFile(files, alice, '/f.txt')).toString()).to.equal('again');
    });

    it('should fence the create of a PUT whose file vanished while it uploaded', async () => {
      const { flaky, meta, mem, files } = await oneNode();
      await writeFile(files, alice, '/v.txt', 'x');
      const session = await files.openWrite(alice, {
        path: '/v.txt',
        write_mode: 'WRITE_MODE_CREATE_OR_REPLACE',
        expected_size: -1,
      });
      await files.remove(alice, '/v.txt');
      // The commit is a create without a claim; etcd holds it unanswered.
      flaky.holdNextCommit = true;
      const err = await rejection(session.write(bodyOf('vanished')));
      expect((err as CallfsError).code).to.equal('METADATA_UNAVAILABLE');
      expect((await rejection(flaky.held!()))?.constructor.name).to.equal('StaleRevisionError');
      expect([await meta.get('/v.txt'), mem.stagedCount()]).to.deep.equal([null, 0]);
    });

    it('should keep a create that etcd applied before its fence arrived', async () => {
      const { flaky, mem, files } = await oneNode();
      flaky.holdNextCommit = true;
      flaky.applyHeldBeforeFence = true;
      const res = await writeFile(files, alice, '/e.txt', 'made it', POST);
      expect(res.created).to.equal(true);
      expect((await readFile(files, alice, '/e.txt')).toString()).to.equal('made it');
      expect(mem.stagedCount()).to.equal(0);
    });

    it('should keep an unanswered create for the reconciler when its fence cannot be put', async () => {
      const { flaky, mem, files } = await oneNode();
      flaky.holdNextCommit = true;
      flaky.downAfterHold = true;
      const err = await rejection(writeFile(files, alice, '/r.txt', 'kept bytes', POST));
      expect((err as CallfsError).code).to.equal('METADATA_UNAVAILABLE');
      // Not dropped: etcd may still apply the create, and no fence stops it yet.
      expect([await files.reconciler.runOnce(), mem.stagedCount()]).to.deep.equal([1, 1]);
      // etcd comes back having applied it: the reconciler rolls the temp forward.
      flaky.down = false;
      await flaky.held!();
      expect(await files.reconciler.runOnce()).to.equal(0);
      expect((await readFile(files, alice, '/r.txt')).toString()).to.equal('kept bytes');
    });

    it('should drop the kept temp when a later write took the same generation', async () => {
      const { flaky, mem, files } = await oneNode();
      await writeFile(files, alice, '/g.txt', 'gen1');
      // etcd fails before the commit applies: gen 2 is not this write's.
      flaky.failNextCommit = true;
      await rejection(writeFile(files, alice, '/g.txt', 'lost write'));
      flaky.down = false;
      await writeFile(files, alice, '/g.txt', 'winner of gen 2');
      expect(await files.reconciler.runOnce()).to.equal(0);
      expect(mem.read('/g.txt')?.toString()).to.equal('winner of gen 2');
    });
  });

  describe('rename failing after etcd named the generation', () => {
    it('should serve the new bytes once the reconciler rolls the temp forward', async () => {
      const { disk, files } = await oneNode();
      await writeFile(files, alice, '/r.txt', 'old');
      disk.failRenames = 1;
      const result = await writeFile(files, alice, '/r.txt', 'new');
      expect(result.info.gen).to.equal(2);
      expect(files.reconciler.size).to.equal(1);
      await files.reconciler.runOnce();
      expect((await readFile(files, alice, '/r.txt')).toString()).to.equal('new');
    });
  });

  describe('a directory move before the outcome is settled', () => {
    it('should serve the new bytes under the new path when the directory moved before the reconciler ran', async () => {
      const { disk, files } = await oneNode();
      await writeFile(files, alice, '/d/r.txt', 'old');
      disk.failRenames = 1;
      await writeFile(files, alice, '/d/r.txt', 'the new bytes');
      // etcd names generation 2 at /d/r.txt; its bytes wait in the reconciler's temp.
      await files.move(alice, '/d', moveSpec('/e'));
      await files.reconciler.runOnce();
      expect((await readFile(files, alice, '/e/r.txt')).toString()).to.equal('the new bytes');
    });

    it('should serve the new bytes under the new path when the reconciler ran between the re-key and the disk step', async () => {
      const { meta, disk, files } = await oneNode();
      await writeFile(files, alice, '/d/r.txt', 'old');
      disk.failRenames = 1;
      await writeFile(files, alice, '/d/r.txt', 'the new bytes');
      // The re-key is done when the disk step is journaled; the reconciler's retry runs then.
      const put = meta.putJournal.bind(meta);
      meta.putJournal = async (entry) => {
        if (entry.value.type === 'move-dir-disk') await files.reconciler.runOnce();
        return put(entry);
      };
      await files.move(alice, '/d', moveSpec('/e'));
      await files.reconciler.runOnce();
      expect((await readFile(files, alice, '/e/r.txt')).toString()).to.equal('the new bytes');
    });
  });

  describe('a create whose claim lapsed', () => {
    it('should answer NODE_NOT_SERVING and commit nothing when the lease lapsed mid-body', async () => {
      const { meta, mem, files } = await oneNode();
      const session = await files.openWrite(alice, {
        path: '/lapsed.txt',
        write_mode: 'WRITE_MODE_CREATE_ONLY',
        expected_size: -1,
      });
      await meta.expireLease();
      const err = await rejection(session.write(bodyOf('body')));
      expect(err).to.be.instanceOf(NodeNotServingError);
      expect(await meta.get('/lapsed.txt')).to.equal(null);
      expect(mem.stagedCount()).to.equal(0);
    });
  });

  describe('races with a DELETE of the same path', () => {
    async function claimReplacedThenDeleted(
      mode: 'WRITE_MODE_CREATE_ONLY' | 'WRITE_MODE_CREATE_OR_REPLACE',
      del: boolean,
    ) {
      const cluster = await fakeCluster(['node-a', 'node-b']);
      const [a, b] = [cluster.node('node-a'), cluster.node('node-b')];
      // The first write claims the path on node-a; a PUT through node-b completes it first.
      const first = await a.files.openWrite(alice, {
        path: '/race.txt',
        write_mode: mode,
        expected_size: -1,
      });
      await writeFile(b.files, alice, '/race.txt', 'the put');
      if (del) await b.files.remove(alice, '/race.txt');
      const outcome = await first.write(bodyOf('first')).then(
        () => null,
        (err: unknown) => err,
      );
      await cluster.close();
      return outcome;
    }

    it('should answer a retryable error, not 404, when a PUT’s claim was completed and deleted', async () => {
      const err = await claimReplacedThenDeleted('WRITE_MODE_CREATE_OR_REPLACE', true);
      expect((err as CallfsError).code).to.not.equal('FILE_NOT_FOUND');
      expect((err as CallfsError).retryable).to.equal(true);
    });

    it('should answer a retryable error, not 404, when a POST’s claim was completed and deleted', async () => {
      const err = await claimReplacedThenDeleted('WRITE_MODE_CREATE_ONLY', true);
      expect((err as CallfsError).code).to.not.equal('FILE_NOT_FOUND');
      expect((err as CallfsError).retryable).to.equal(true);
    });

    it('should answer 409 when a PUT completed the path a POST had claimed', async () => {
      const err = await claimReplacedThenDeleted('WRITE_MODE_CREATE_ONLY', false);
      expect(err).to.be.instanceOf(AlreadyExistsError);
    });

    it('should replace the file when a PUT completed the path another PUT had claimed', async () => {
      const err = await claimReplacedThenDeleted('WRITE_MODE_CREATE_OR_REPLACE', false);
      expect(err).to.equal(null);
    });

    it('should report one create when a PUT completed the path another PUT had claimed', async () => {
      const cluster = await fakeCluster(['node-a', 'node-b']);
      const [a, b] = [cluster.node('node-a'), cluster.node('node-b')];
      const first = await a.files.openWrite(alice, {
        path: '/once.txt',
        write_mode: 'WRITE_MODE_CREATE_OR_REPLACE',
        expected_size: -1,
      });
      const completing = await writeFile(b.files, alice, '/once.txt', 'the put');
      const claimed = await first.write(bodyOf('first'));
      await cluster.close();
      // The PUT that completed the claimed path created it; the claimer's then replaced it.
      expect([completing.created, claimed.created]).to.deep.equal([true, false]);
    });
  });
});
