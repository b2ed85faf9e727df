// The move/journal contract on the etcd adapter against a real etcd.
import { EtcdMetadata } from '../../../src/metadata/etcd-metadata.js';
import { startEtcd, type EtcdHandle } from '../../support/etcd.js';
import { metadataMoveContract } from '../../contract/metadata-move-contract.js';

describe('EtcdMetadata moves against etcd', function () {
  this.timeout(30_000);
  let etcd: EtcdHandle;
  let seq = 0;
  before(async () => {
    etcd = await startEtcd();
  });
  after(async () => {
    await etcd?.stop();
  });

  metadataMoveContract('EtcdMetadata', async () => {
    const prefix = `/mv${++seq}/`;
    const made: EtcdMetadata[] = [];
    const open = (instanceId: string): EtcdMetadata => {
      const m = new EtcdMetadata({
        endpoints: etcd.endpoint,
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
      },
    };
  });
});
