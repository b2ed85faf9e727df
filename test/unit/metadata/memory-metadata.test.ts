// Runs the metadata contract on the in-memory fake, plus the fake's own test hooks.
import { expect } from 'chai';
import { NodeNotServingError } from '../../../src/files/errors.js';
import { MemoryMetadata, MemoryStore } from '../../../src/metadata/memory-metadata.js';
import {
  fileInode,
  metadataContract,
  nodeRecord,
  parentsOf,
} from '../../contract/metadata-contract.js';

metadataContract('MemoryMetadata', async () => {
  const store = new MemoryStore();
  const made: MemoryMetadata[] = [];
  const open = (instanceId: string): MemoryMetadata => {
    const m = new MemoryMetadata({ instanceId, store, registerRetryMs: 50 });
    made.push(m);
    return m;
  };
  const metadata = open('node-a');
  return {
    metadata,
    instanceId: 'node-a',
    peer: async (instanceId) => open(instanceId),
    expireLease: () => metadata.expireLease(),
    compact: async (revision) => store.compact(revision),
    cleanup: async () => {
      for (const m of made) await m.close();
    },
  };
});

describe('MemoryMetadata test hooks', () => {
  let m: MemoryMetadata;
  beforeEach(async () => {
    m = new MemoryMetadata({ instanceId: 'node-a', autoReregister: false });
    await m.register(nodeRecord('node-a'));
  });

  it('should reject commits with NodeNotServingError when the fence is broken', async () => {
    m.setServing(false);
    const err = await m.create('/f', fileInode('node-a'), parentsOf('node-a')).catch((e) => e);
    expect(err).to.be.instanceOf(NodeNotServingError);
    expect(m.isServing()).to.equal(false);
  });

  it('should commit again when the fence is restored', async () => {
    m.setServing(false);
    m.setServing(true);
    const rec = await m.create('/f', fileInode('node-a'), parentsOf('node-a'));
    expect(rec.path).to.equal('/f');
  });

  it('should report serving changes when the lease expires', async () => {
    const seen: boolean[] = [];
    m.onServingChange((serving) => seen.push(serving));
    await m.expireLease();
    expect(seen).to.deep.equal([false]);
  });

  it('should stay unregistered when the lease expires without auto re-registration', async () => {
    await m.expireLease();
    await new Promise((r) => setTimeout(r, 20));
    expect(await m.getNode('node-a')).to.equal(null);
  });
});
