// The behaviour every LinkStore must show, run against the etcd adapter and the memory fake so
// the link service can rely on one contract: create-if-absent, reads with a revision, and
// redemption as a compare-and-swap that exactly one of any number of racing callers wins.
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import type { LinkRecord, LinkStore, StoredLink } from '../../src/links/ports.js';

export interface LinkStoreFixture {
  store: LinkStore;
  cleanup(): Promise<void>;
}

const DAY_SECONDS = 86_400;

export function newId(): string {
  return randomBytes(16).toString('base64url');
}

export function sampleLink(overrides: Partial<LinkRecord> = {}): LinkRecord {
  const now = Date.now();
  return {
    path: '/docs/report.pdf',
    creator: 'api-user-0',
    expires: now + 3_600_000,
    state: 'active',
    created: now,
    inode: '42',
    ...overrides,
  };
}

async function created(store: LinkStore, link = sampleLink()): Promise<StoredLink> {
  const id = newId();
  expect(await store.create(id, link, 3600 + DAY_SECONDS)).to.equal(true);
  const stored = await store.get(id);
  if (!stored) expect.fail('a created link must be readable');
  return stored;
}

export function linkStoreContract(name: string, make: () => Promise<LinkStoreFixture>): void {
  describe(`LinkStore contract: ${name}`, () => {
    let fixture: LinkStoreFixture;
    let store: LinkStore;

    beforeEach(async () => {
      fixture = await make();
      store = fixture.store;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    it('should return the record when a created link is read', async () => {
      const link = sampleLink({ path: '/a/ü b.txt', creator: 'alice' });
      const stored = await created(store, link);
      expect(stored.link).to.deep.equal(link);
      expect(stored.revision).to.be.a('string').and.not.equal('');
    });

    it('should return null when the id was never created', async () => {
      expect(await store.get(newId())).to.equal(null);
    });

    it('should refuse a create and keep the first record when the id is taken', async () => {
      const first = await created(store, sampleLink({ path: '/first' }));
      const again = await store.create(first.id, sampleLink({ path: '/second' }), 60);
      expect(again).to.equal(false);
      expect((await store.get(first.id))?.link.path).to.equal('/first');
    });

    it('should mark the link used and keep its fields when it is redeemed', async () => {
      const stored = await created(store);
      expect(await store.redeem(stored)).to.equal(true);
      expect((await store.get(stored.id))?.link).to.deep.equal({ ...stored.link, state: 'used' });
    });

    it('should refuse a second redemption when the same read is redeemed twice', async () => {
      const stored = await created(store);
      const results = [await store.redeem(stored), await store.redeem(stored)];
      expect(results).to.deep.equal([true, false]);
    });

    it('should refuse to redeem when the link as read is already used', async () => {
      const stored = await created(store);
      await store.redeem(stored);
      const used = await store.get(stored.id);
      expect(await store.redeem(used!)).to.equal(false);
    });

    it('should refuse to redeem when the link does not exist', async () => {
      const ghost: StoredLink = { id: newId(), link: sampleLink(), revision: '7' };
      expect(await store.redeem(ghost)).to.equal(false);
    });

    it('should let exactly one of 20 parallel redemptions win when they race', async () => {
      const stored = await created(store);
      const results = await Promise.all(Array.from({ length: 20 }, () => store.redeem(stored)));
      expect(results.filter(Boolean)).to.have.length(1);
    });

    it('should let exactly one of 20 parallel read-and-redeem callers win when they race', async () => {
      const { id } = await created(store);
      const results = await Promise.all(
        Array.from({ length: 20 }, async () => {
          const read = await store.get(id);
          return read !== null && read.link.state === 'active' && (await store.redeem(read));
        }),
      );
      expect(results.filter(Boolean)).to.have.length(1);
    });
  });
}
