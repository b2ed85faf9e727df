// The change feed contract on the in-memory fake.
import { MemoryMetadata, MemoryStore } from '../../../src/metadata/memory-metadata.js';
import { MemoryChangeFeed } from '../../../src/metadata/memory-watch.js';
import { changeFeedContract } from '../../contract/change-feed-contract.js';

changeFeedContract('MemoryChangeFeed', async () => {
  const store = new MemoryStore();
  const metadata = new MemoryMetadata({ instanceId: 'node-a', store });
  return {
    metadata,
    instanceId: 'node-a',
    feed: new MemoryChangeFeed(store),
    compact: async (revision) => store.compact(revision),
    cleanup: () => metadata.close(),
  };
});
