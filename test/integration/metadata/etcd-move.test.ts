// The move/journal and journal adoption contracts on the etcd adapter against a real etcd,
// each test on a fresh prefix of one etcd.
import { EtcdMetadata } from '../../../src/metadata/etcd-metadata.js';
import { etcdPerSuite } from '../../support/etcd.js';
import type { MetadataSubject } from '../../contract/metadata-contract.js';
import { journalAdoptionContract } from '../../contract/journal-adoption-contract.js';
import { metadataMoveContract } from '../../contract/metadata-move-contract.js';

describe('EtcdMetadata moves and journal adoption against etcd', function () {
  this.timeout(30_000);
  const suite = etcdPerSuite();

  async function subject(): Promise<MetadataSubject> {
    const prefix = suite.prefix('mv');
    const made: EtcdMetadata[] = [];
    const open = (instanceId: string): EtcdMetadata => {
      const m = new EtcdMetadata({
        endpoints: suite.etcd.endpoint,
        prefix,
        instanceId,
        leaseTtlSeconds: 2,
        requestTimeoutMs: 2_000,
        registerRetryMs: 300,
      });
      made.push(m);
      return m;
    };
    return {
      metadata: open('node-a'),
      instanceId: 'node-a',
      peer: async (instanceId) => open(instanceId),
      cleanup: async () => {
        for (const m of made) await m.close();
        await suite.raw.delete().prefix(prefix);
      },
    };
  }

  metadataMoveContract('EtcdMetadata', subject);
  journalAdoptionContract('EtcdMetadata', subject);
});
