// The journal adoption contract on the etcd adapter against a real etcd.
import { EtcdMetadata } from '../../../src/metadata/etcd-metadata.js';
import { etcdPerSuite } from '../../support/etcd.js';
import { journalAdoptionContract } from '../../contract/journal-adoption-contract.js';

describe('EtcdMetadata journal adoption against etcd', function () {
  this.timeout(30_000);
  const suite = etcdPerSuite();

  journalAdoptionContract('EtcdMetadata', async () => {
    const prefix = suite.prefix('adopt');
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
  });
});
