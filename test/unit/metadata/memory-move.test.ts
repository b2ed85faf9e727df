// The move/journal and journal adoption contracts on the in-memory fake, on one subject.
import { MemoryMetadata, MemoryStore } from '../../../src/metadata/memory-metadata.js';
import type { MetadataSubject } from '../../contract/metadata-contract.js';
import { journalAdoptionContract } from '../../contract/journal-adoption-contract.js';
import { metadataMoveContract } from '../../contract/metadata-move-contract.js';

async function subject(): Promise<MetadataSubject> {
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
}

metadataMoveContract('MemoryMetadata', subject);
journalAdoptionContract('MemoryMetadata', subject);
