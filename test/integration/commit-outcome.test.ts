// A commit whose etcd reply is lost (a proxy holds back etcd's answers while the commit
// transaction applies) is settled while the node runs: once etcd can be read again, the
// reconciler rolls the kept temp forward, the bytes match the generation etcd names, and no
// temp remains.
import { expect } from 'chai';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallfsError } from '../../src/files/errors.js';
import { InProcessOwnerClient } from '../../src/files/in-process-owner-client.js';
import type { Metadata } from '../../src/files/ports.js';
import { FilesService } from '../../src/files/service.js';
import { EtcdMetadata } from '../../src/metadata/etcd-metadata.js';
import { createLocalfsStorage } from '../../src/storage/localfs.js';
import { startEtcd, type EtcdHandle } from '../support/etcd.js';
import { startEtcdProxy, type EtcdProxy } from '../support/etcd-proxy.js';
import { caller, readStream, rejection, writeFile } from '../support/fakes.js';
import { uniquePrefix } from '../support/node.js';
import { until } from '../support/wait.js';
import { FAKE_CURSOR_KEY } from '../support/fakes.js';
import { uploadTemps } from '../support/temps.js';

describe('integration: a commit whose etcd reply is lost', function () {
  this.timeout(60_000);
  let etcd: EtcdHandle;
  let proxy: EtcdProxy;
  let meta: EtcdMetadata;
  let root: string;
  let files: FilesService;
  /** Holds etcd's replies from the next commit transaction on. */
  let loseNextCommitReply = false;

  before(async () => {
    etcd = await startEtcd();
    proxy = await startEtcdProxy(etcd.endpoint);
    root = await mkdtemp(join(tmpdir(), 'callfs-commit-'));
    meta = new EtcdMetadata({
      endpoints: proxy.endpoint,
      prefix: uniquePrefix(),
      instanceId: 'commit-1',
      requestTimeoutMs: 1000,
    });
    const metadata = new Proxy(meta, {
      get: (target, key) => {
        const value = Reflect.get(target, key) as unknown;
        if (typeof value !== 'function') return value;
        if (key !== 'replace') return value.bind(target);
        return (...args: unknown[]) => {
          if (loseNextCommitReply) {
            loseNextCommitReply = false;
            proxy.holdReplies();
          }
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    }) as Metadata;
    files = new FilesService({
      cursorKey: FAKE_CURSOR_KEY,
      instanceId: 'commit-1',
      metadata,
      membership: meta,
      storage: await createLocalfsStorage({ root }),
      owners: new InProcessOwnerClient(() => undefined),
      maxBodyBytes: 1 << 20,
    });
    await meta.register({
      instance_id: 'commit-1',
      http_url: 'http://127.0.0.1:1',
      grpc_addr: '127.0.0.1:1',
      backends: ['localfs'],
      started: Date.now(),
    });
    files.reconciler.start();
  });
  after(async () => {
    await files?.reconciler.stop();
    proxy?.release();
    await meta?.close();
    await proxy?.close();
    await etcd?.stop();
    await rm(root, { recursive: true, force: true });
  });

  it('should serve the bytes etcd names and leave no temp when the reply comes back', async () => {
    const alice = caller('alice');
    await writeFile(files, alice, '/lost/reply.txt', 'generation one');
    loseNextCommitReply = true;
    const err = await rejection(writeFile(files, alice, '/lost/reply.txt', 'generation two'));
    const pendingWhileCut = files.reconciler.size;
    proxy.release();
    const settled = await until(async () => files.reconciler.size === 0);
    const rec = await meta.get('/lost/reply.txt');
    const bytes = await readFile(join(root, 'lost/reply.txt'), 'utf8');
    const temps = await uploadTemps(root);
    expect((err as CallfsError).code).to.equal('METADATA_UNAVAILABLE');
    expect(pendingWhileCut).to.equal(1);
    expect(settled).to.equal(true);
    expect({ gen: rec?.inode.gen, bytes, temps }).to.deep.equal({
      gen: 2,
      bytes: 'generation two',
      temps: [],
    });
  });

  it('should never serve the old bytes under the ETag of the generation etcd names when its temp waits for the reconciler', async () => {
    const alice = caller('alice');
    await writeFile(files, alice, '/lost/etag.txt', 'generation one');
    // The reconciler's next pass is held off, so the window it would close stays open.
    await files.reconciler.stop();
    try {
      loseNextCommitReply = true;
      await rejection(writeFile(files, alice, '/lost/etag.txt', 'generation two'));
      proxy.release();
      await until(async () =>
        meta.get('/lost/etag.txt').then(
          () => true,
          () => false,
        ),
      );
      const { info, body } = await files.read(alice, '/lost/etag.txt');
      const bytes = (await readStream(body)).toString();
      const named = (await meta.get('/lost/etag.txt'))?.inode.gen;
      // Before: "generation one" under the ETag of generation 2, which a cache keeps for good.
      expect({ named, bytes, etag: info.etag }).to.deep.equal({
        named: 2,
        bytes: 'generation two',
        etag: info.etag.endsWith('-2"') ? info.etag : 'an ETag of generation 2',
      });
    } finally {
      files.reconciler.start();
      await until(async () => files.reconciler.size === 0);
    }
  });
});
