// The journal adoption contract on the in-memory fake.
import { MemoryMetadata, MemoryStore } from '../../../src/metadata/memory-metadata.js';
import { journalAdoptionContract } from '../../contract/journal-adoption-contract.js';

journalAdoptionContract('MemoryMetadata', async () => {
  const store = new MemoryStore();
  const made: MemoryMetadata[] = [];
  const open = (instanceId: string): MemoryMetadata => {
    const m = new MemoryMetadata({ instanceId, store, registerRetryMs: 50 });
    made.push(m);
    return m;
  };
  return {
    metadata: open('node-a'),
    instanceId: 'node-a',
    peer: async (instanceId) => open(instanceId),
    cleanup: async () => {
      for (const m of made) await m.close();
    },
  };
});
