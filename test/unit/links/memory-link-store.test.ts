// The in-memory LinkStore passes the shared contract, and drops records whose TTL has passed.
import { expect } from 'chai';
import { MemoryLinkStore } from '../../../src/links/memory-link-store.js';
import { linkStoreContract, newId, sampleLink } from '../../contract/link-store-contract.js';

linkStoreContract('MemoryLinkStore', async () => ({
  store: new MemoryLinkStore(),
  cleanup: async () => undefined,
}));

describe('MemoryLinkStore leases', () => {
  it('should forget a link when its TTL has passed', async () => {
    let now = 1_000_000;
    const store = new MemoryLinkStore({ now: () => now });
    const id = newId();
    await store.create(id, sampleLink(), 10);
    now += 9_999;
    const before = await store.get(id);
    now += 1;
    expect(before).to.not.equal(null);
    expect(await store.get(id)).to.equal(null);
  });
});
