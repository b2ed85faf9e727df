// The link service on fakes: a 3-node in-memory cluster (files routed to their owners) sharing
// one in-memory link store, with a test clock. Covers generation checks, exactly-once
// redemption across nodes, expiry and the grace period, forged tokens and vanished files.
import { expect } from 'chai';
import {
  LinkExpiredError,
  LinkUsedError,
  MetadataUnavailableError,
  NotAFileError,
  NotFoundError,
  OwnerUnavailableError,
  PermissionDeniedError,
} from '../../../src/files/errors.js';
import { MemoryLinkStore } from '../../../src/links/memory-link-store.js';
import type { LinkStore } from '../../../src/links/ports.js';
import { LinkService } from '../../../src/links/service.js';
import {
  caller,
  fakeCluster,
  readStream,
  rejection,
  writeFile,
  type FakeCluster,
} from '../../support/fakes.js';

const SECRET = 'links-secret-0123456789abcdef0123456789';
const HOUR = 3_600_000;

describe('LinkService', () => {
  let cluster: FakeCluster;
  let store: MemoryLinkStore;
  let now: number;
  let generated: number;
  const user = caller('api-user-0');

  function serviceOf(id: string, linkStore: LinkStore = store): LinkService {
    return new LinkService({
      store: linkStore,
      files: cluster.node(id).files,
      metadata: cluster.node(id).metadata,
      secret: SECRET,
      baseUrl: () => `http://${id}.callfs.test:8443/`,
      now: () => now,
      onGenerated: () => void generated++,
    });
  }

  beforeEach(async () => {
    cluster = await fakeCluster(['node-a', 'node-b', 'node-c']);
    now = Date.UTC(2030, 0, 1);
    store = new MemoryLinkStore({ now: () => now });
    generated = 0;
    await writeFile(cluster.node('node-b').files, user, '/docs/b.txt', 'owned by node-b');
  });
  afterEach(async () => {
    await cluster.close();
  });

  describe('generate', () => {
    it('should answer a url on this node and the expiry when the file exists', async () => {
      const link = await serviceOf('node-a').generate(user, '/docs/b.txt', 60);
      expect(link.url).to.equal(`http://node-a.callfs.test:8443/download/${link.token}`);
      expect(link.expires).to.equal(now + 60_000);
    });

    it('should count one generation when a link is made', async () => {
      await serviceOf('node-a').generate(user, '/docs/b.txt', 60);
      expect(generated).to.equal(1);
    });

    it('should throw NotFoundError and store nothing when the file does not exist', async () => {
      const err = await rejection(serviceOf('node-a').generate(user, '/nope.txt', 60));
      expect(err).to.be.instanceOf(NotFoundError);
      expect(store.size).to.equal(0);
    });

    it('should throw NotAFileError when the path is a directory', async () => {
      const err = await rejection(serviceOf('node-a').generate(user, '/docs', 60));
      expect(err).to.be.instanceOf(NotAFileError);
    });

    it('should refuse the expiry when it is outside 1..86400', async () => {
      const svc = serviceOf('node-a');
      const errs = await Promise.all(
        [0, 86_401, 1.5].map((s) => rejection(svc.generate(user, '/docs/b.txt', s))),
      );
      expect(errs.map((e) => (e as { code: string }).code)).to.deep.equal([
        'BAD_REQUEST',
        'BAD_REQUEST',
        'BAD_REQUEST',
      ]);
    });
  });

  describe('redeem', () => {
    it('should serve the bytes from the owner when redeemed on a third node', async () => {
      const { token } = await serviceOf('node-a').generate(user, '/docs/b.txt', 60);
      const { info, body } = await serviceOf('node-c').redeem(token);
      expect((await readStream(body)).toString()).to.equal('owned by node-b');
      expect(info.name).to.equal('b.txt');
    });

    it('should throw LinkUsedError when the link is redeemed a second time', async () => {
      const { token } = await serviceOf('node-a').generate(user, '/docs/b.txt', 60);
      await readStream((await serviceOf('node-a').redeem(token)).body);
      const err = await rejection(serviceOf('node-b').redeem(token));
      expect(err).to.be.instanceOf(LinkUsedError);
    });

    it('should let exactly one of 20 parallel redemptions on 3 nodes win when they race', async () => {
      const { token } = await serviceOf('node-a').generate(user, '/docs/b.txt', 60);
      const ids = ['node-a', 'node-b', 'node-c'];
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) => serviceOf(ids[i % 3]!).redeem(token)),
      );
      const losers = results.filter((r) => r.status === 'rejected');
      expect(results.filter((r) => r.status === 'fulfilled')).to.have.length(1);
      expect(losers.every((r) => r.reason instanceof LinkUsedError)).to.equal(true);
    });

    it('should throw LinkExpiredError when the expiry has passed', async () => {
      const { token } = await serviceOf('node-a').generate(user, '/docs/b.txt', 60);
      now += 60_000;
      expect(await rejection(serviceOf('node-a').redeem(token))).to.be.instanceOf(LinkExpiredError);
    });

    it('should still throw LinkExpiredError when the link expired 23 hours ago', async () => {
      const { token } = await serviceOf('node-a').generate(user, '/docs/b.txt', 60);
      now += 60_000 + 23 * HOUR;
      expect(await rejection(serviceOf('node-a').redeem(token))).to.be.instanceOf(LinkExpiredError);
    });

    it('should throw NotFoundError when the record is gone a day after the expiry', async () => {
      const { token } = await serviceOf('node-a').generate(user, '/docs/b.txt', 60);
      now += 60_000 + 24 * HOUR;
      expect(await rejection(serviceOf('node-a').redeem(token))).to.be.instanceOf(NotFoundError);
    });

    it('should throw NotFoundError without reading the store when the token is forged', async () => {
      let reads = 0;
      const counting: LinkStore = {
        create: (...a) => store.create(...a),
        get: (id) => {
          reads++;
          return store.get(id);
        },
        redeem: (s) => store.redeem(s),
      };
      const { token } = await serviceOf('node-a').generate(user, '/docs/b.txt', 60);
      const forged = token.slice(0, -2) + (token.endsWith('AA') ? 'BB' : 'AA');
      const err = await rejection(serviceOf('node-a', counting).redeem(forged));
      expect(err).to.be.instanceOf(NotFoundError);
      expect(reads).to.equal(0);
    });

    it('should throw NotFoundError when the file was deleted', async () => {
      const { token } = await serviceOf('node-a').generate(user, '/docs/b.txt', 60);
      await cluster.node('node-b').files.remove(user, '/docs/b.txt');
      const err = await rejection(serviceOf('node-a').redeem(token));
      expect(err).to.be.instanceOf(NotFoundError);
      expect((err as Error).message).to.not.include('/docs');
    });

    it('should throw NotFoundError when the file was deleted and created again by another user', async () => {
      const { token } = await serviceOf('node-a').generate(user, '/docs/b.txt', 60);
      await cluster.node('node-b').files.remove(user, '/docs/b.txt');
      await writeFile(cluster.node('node-a').files, caller('mallory'), '/docs/b.txt', 'planted');
      const err = await rejection(serviceOf('node-c').redeem(token));
      expect(err).to.be.instanceOf(NotFoundError);
      expect((err as Error).message).to.not.include('/docs');
    });

    it('should throw NotFoundError on inspect when the file was deleted and created again', async () => {
      const { token } = await serviceOf('node-a').generate(user, '/docs/b.txt', 60);
      await cluster.node('node-b').files.remove(user, '/docs/b.txt');
      await writeFile(cluster.node('node-b').files, user, '/docs/b.txt', 'planted');
      expect(await rejection(serviceOf('node-a').inspect(token))).to.be.instanceOf(NotFoundError);
    });

    it('should keep the link unspent when the file was deleted and created again', async () => {
      const { token } = await serviceOf('node-a').generate(user, '/docs/b.txt', 60);
      await cluster.node('node-b').files.remove(user, '/docs/b.txt');
      await writeFile(cluster.node('node-b').files, user, '/docs/b.txt', 'planted');
      await rejection(serviceOf('node-a').redeem(token));
      const id = token.split('.')[0]!;
      expect((await store.get(id))?.link.state).to.equal('active');
    });

    it('should serve the current content when the file was replaced by its owner', async () => {
      const { token } = await serviceOf('node-a').generate(user, '/docs/b.txt', 60);
      await writeFile(cluster.node('node-c').files, user, '/docs/b.txt', 'second version');
      const { body } = await serviceOf('node-a').redeem(token);
      expect((await readStream(body)).toString()).to.equal('second version');
    });

    it('should serve the file when its creator is not the file owner', async () => {
      const bob = caller('bob');
      const { token } = await serviceOf('node-c').generate(bob, '/docs/b.txt', 60);
      const { body } = await serviceOf('node-c').redeem(token);
      expect((await readStream(body)).toString()).to.equal('owned by node-b');
    });
  });

  describe('errors of downloads', () => {
    const failures = [
      new MetadataUnavailableError('etcd timed out reading /docs/b.txt'),
      new OwnerUnavailableError('node-b', 'node-b did not answer for /docs/b.txt'),
      new PermissionDeniedError('/docs/b.txt: denied'),
      new NotFoundError('/docs/b.txt not found'),
    ];
    for (const failure of failures) {
      it(`should keep ${failure.code} without the path when the owner answers it`, async () => {
        const { token } = await serviceOf('node-a').generate(user, '/docs/b.txt', 60);
        const failing = new LinkService({
          store,
          files: { stat: () => Promise.reject(failure), read: () => Promise.reject(failure) },
          metadata: cluster.node('node-a').metadata,
          secret: SECRET,
          baseUrl: () => 'http://node-a',
          now: () => now,
        });
        const errs = [
          await rejection(failing.redeem(token)),
          await rejection(failing.inspect(token)),
        ];
        expect(errs.map((e) => (e as { code: string }).code)).to.deep.equal([
          failure.code,
          failure.code,
        ]);
        for (const e of errs) expect((e as Error).message).to.not.include('docs');
      });
    }
  });

  describe('inspect', () => {
    it('should describe the file without spending the link when inspected', async () => {
      const { token } = await serviceOf('node-a').generate(user, '/docs/b.txt', 60);
      const info = await serviceOf('node-a').inspect(token);
      const { body } = await serviceOf('node-a').redeem(token);
      expect(info.size).to.equal(15);
      expect((await readStream(body)).length).to.equal(15);
    });
  });
});
