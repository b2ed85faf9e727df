// Decisions a node takes from its watch-fed cache (CachedMetadata) while another node's commit,
// or one of its own whose answer was lost, has not reached that cache yet. A stale record may
// serve the previous version; it must never drop bytes etcd names, nor refuse a request (404,
// 409, 412) that etcd's own record allows. Each cache here is current and hears nothing, as a
// watch a few milliseconds behind.
import { expect } from 'chai';
import { type CallfsError, MetadataUnavailableError } from '../../../src/files/errors.js';
import { InProcessOwnerClient } from '../../../src/files/in-process-owner-client.js';
import type { Conditions } from '../../../src/files/conditions.js';
import type { FilesApi, Membership, Metadata, WriteResult } from '../../../src/files/ports.js';
import { FilesService } from '../../../src/files/service.js';
import { MemoryLinkStore } from '../../../src/links/memory-link-store.js';
import { LinkService } from '../../../src/links/service.js';
import { CachedMetadata } from '../../../src/metadata/cached-metadata.js';
import { MemoryMetadata, MemoryStore } from '../../../src/metadata/memory-metadata.js';
import { createMemoryStorage } from '../../../src/storage/memory.js';
import { FakeFeed } from '../../support/fake-feed.js';
import {
  FAKE_CURSOR_KEY,
  caller,
  chunked,
  fakeCluster,
  moveSpec,
  readFile,
  readStream,
  writeFile,
} from '../../support/fakes.js';

const alice = caller('alice');

/** A cache over `metadata` whose watch is current and delivers nothing. */
function lagging(metadata: Metadata & Membership): CachedMetadata {
  return new CachedMetadata({ inner: metadata, feed: new FakeFeed(), maxEntries: 64 });
}

const STORE = 's3:0123456789ab';

/**
 * Two nodes reaching one shared store (new files go there), both serving its files: node n1
 * reads etcd through a lagging cache, n2 reads etcd.
 */
async function sharedPair(): Promise<{
  n1: FilesService;
  n2: FilesService;
  close(): Promise<void>;
}> {
  const store = new MemoryStore();
  const bucket = createMemoryStorage({ backendType: 's3' });
  Object.defineProperty(bucket, 'location', { value: STORE });
  const services = new Map<string, FilesService>();
  const metas: MemoryMetadata[] = [];
  for (const id of ['n1', 'n2']) {
    const meta = new MemoryMetadata({ instanceId: id, store, autoReregister: false });
    const metadata = id === 'n1' ? lagging(meta) : meta;
    const files = new FilesService({
      cursorKey: FAKE_CURSOR_KEY,
      instanceId: id,
      metadata,
      membership: metadata,
      storage: createMemoryStorage({ backendType: 'localfs' }),
      shared: bucket,
      defaultBackend: 's3',
      owners: new InProcessOwnerClient((o) => (o === id ? undefined : services.get(o))),
      maxBodyBytes: 1 << 20,
    });
    await meta.register({
      instance_id: id,
      http_url: `http://${id}`,
      grpc_addr: `${id}:1`,
      backends: ['localfs', 's3'],
      stores: [STORE],
      started: Date.now(),
    });
    services.set(id, files);
    metas.push(meta);
  }
  return {
    n1: services.get('n1')!,
    n2: services.get('n2')!,
    close: async () => {
      for (const m of metas) await m.deregister();
    },
  };
}

/** A PUT (or POST) with conditions. */
async function putIf(
  files: FilesApi,
  path: string,
  data: string,
  conditions?: Conditions,
  mode: 'WRITE_MODE_CREATE_OR_REPLACE' | 'WRITE_MODE_CREATE_ONLY' = 'WRITE_MODE_CREATE_OR_REPLACE',
): Promise<WriteResult> {
  const body = Buffer.from(data);
  const session = await files.openWrite(alice, {
    path,
    write_mode: mode,
    expected_size: body.length,
    conditions,
  });
  return session.write(chunked(body));
}

/** The bytes a read of `path` on `files` serves, or its error code. */
function contents(files: FilesApi, path: string): Promise<string> {
  return readFile(files, alice, path).then(
    (b) => b.toString(),
    (err: unknown) => (err as CallfsError).code ?? String(err),
  );
}

/** The error code of a call, or 'ok'. */
function outcome(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => 'ok',
    (err: unknown) => (err as CallfsError).code ?? String(err),
  );
}

/**
 * n2 writes `path` twice after n1 cached the first version: returns the second one's ETag,
 * which a client of n2 holds while n1's cache still names the first.
 */
async function replacedBehindCache(pair: { n1: FilesApi; n2: FilesApi }, path: string) {
  await writeFile(pair.n2, alice, path, 'version 1');
  await pair.n1.stat(alice, path);
  return (await writeFile(pair.n2, alice, path, 'version 2')).info.etag;
}

describe('decisions from a stale cache', () => {
  it('should keep the bytes of a file moved here when the cache still names the sender', async () => {
    const cluster = await fakeCluster(['n1', 'n2'], {
      metadataOf: (id, m) => (id === 'n1' ? lagging(m) : m),
    });
    try {
      const [n1, n2] = [cluster.node('n1'), cluster.node('n2')];
      await writeFile(n2.files, alice, '/f', 'moving bytes');
      // A read through n1 caches n2's record; n2 then moves the file to n1 and says commit
      // before n1's watch brings the switch.
      expect((await n1.files.stat(alice, '/f')).instance_id).to.equal('n2');
      await n2.files.move(alice, '/f', moveSpec('/f', { instance: 'n1' }));
      expect([
        (await n1.metadata.get('/f'))?.inode.instance_id,
        n1.storage.read('/f')?.toString(),
        n2.storage.read('/f'),
      ]).to.deep.equal(['n1', 'moving bytes', undefined]);
      expect(await contents(n2.files, '/f')).to.equal('moving bytes');
    } finally {
      await cluster.close();
    }
  });

  it('should keep a committed write whose answer was lost when the cache names the old version', async () => {
    const meta = new MemoryMetadata({ instanceId: 'n1', store: new MemoryStore() });
    let loseNextReply = false;
    const flaky = new Proxy(meta, {
      get: (target, key) => {
        const value = Reflect.get(target, key) as unknown;
        if (typeof value !== 'function') return value;
        if (key !== 'replace') return value.bind(target);
        return async (...args: unknown[]) => {
          const rec = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          if (!loseNextReply) return rec;
          loseNextReply = false;
          throw new MetadataUnavailableError('etcd did not answer the commit');
        };
      },
    });
    const cached = lagging(flaky);
    const disk = createMemoryStorage({ backendType: 'localfs' });
    const files = new FilesService({
      cursorKey: FAKE_CURSOR_KEY,
      instanceId: 'n1',
      metadata: cached,
      membership: cached,
      storage: disk,
      owners: new InProcessOwnerClient(() => undefined),
      maxBodyBytes: 1 << 20,
    });
    await meta.register({
      instance_id: 'n1',
      http_url: 'http://n1',
      grpc_addr: 'n1:1',
      backends: ['localfs'],
      started: Date.now(),
    });
    try {
      await writeFile(files, alice, '/u', 'old');
      loseNextReply = true;
      // etcd applied the replace; the re-read must ask etcd, not the cache that still names gen 1.
      const outcome = await writeFile(files, alice, '/u', 'new').then(
        (r) => r.info.etag,
        (err: unknown) => (err as CallfsError).code,
      );
      const rec = await meta.get('/u');
      expect([outcome.endsWith('-2"'), rec?.inode.gen, disk.read('/u')?.toString()]).to.deep.equal([
        true,
        2,
        'new',
      ]);
    } finally {
      await meta.deregister();
    }
  });

  describe('single-use links to a file another node deleted and wrote again', () => {
    /** n2 re-creates /l after n1 cached the deleted namesake; a link service per node. */
    async function recreated() {
      const caches = new Map<string, CachedMetadata>();
      const cluster = await fakeCluster(['n1', 'n2'], {
        metadataOf: (id, m) => {
          if (id !== 'n1') return m;
          caches.set(id, lagging(m));
          return caches.get(id)!;
        },
      });
      const [n1, n2] = [cluster.node('n1'), cluster.node('n2')];
      await writeFile(n2.files, alice, '/l', 'deleted');
      await n1.files.stat(alice, '/l');
      await n2.files.remove(alice, '/l');
      await writeFile(n2.files, alice, '/l', 'linked');
      const store = new MemoryLinkStore();
      const links = (files: FilesApi, metadata: Metadata) =>
        new LinkService({
          store,
          files,
          metadata,
          secret: 'links-secret-0123456789abcdef0123456789',
          baseUrl: () => 'http://callfs.test',
        });
      return {
        on1: links(n1.files, caches.get('n1')!),
        on2: links(n2.files, n2.metadata),
        close: () => cluster.close(),
      };
    }
    const served = (links: LinkService, token: string) =>
      links.redeem(token).then(
        async (r) => (await readStream(r.body)).toString(),
        (err: unknown) => (err as CallfsError).code,
      );

    it('should serve a link made on n2 when redeemed on n1, whose cache names the old file', async () => {
      const c = await recreated();
      try {
        const { token } = await c.on2.generate(alice, '/l', 60);
        // n1 forwards the read to n2, then checks the file is the link's.
        expect(await served(c.on1, token)).to.equal('linked');
      } finally {
        await c.close();
      }
    });

    it('should make a link on n1, whose cache names the old file, to the file that is there', async () => {
      const c = await recreated();
      try {
        const { token } = await c.on1.generate(alice, '/l', 60);
        expect(await served(c.on2, token)).to.equal('linked');
      } finally {
        await c.close();
      }
    });
  });

  describe('refusals of a shared-store file another node just changed', () => {
    let pair: Awaited<ReturnType<typeof sharedPair>>;
    beforeEach(async () => {
      pair = await sharedPair();
    });
    afterEach(() => pair.close());

    it('should replace it on If-Match with the ETag of the version the cache has not seen', async () => {
      const etag = await replacedBehindCache(pair, '/s');
      const result = await outcome(putIf(pair.n1, '/s', 'version 3', { ifMatch: [etag] }));
      expect([result, await contents(pair.n2, '/s')]).to.deep.equal(['ok', 'version 3']);
    });

    it('should create it again by POST once deleted, though the cache still names it', async () => {
      await writeFile(pair.n2, alice, '/p', 'first');
      await pair.n1.stat(alice, '/p');
      await pair.n2.remove(alice, '/p');
      const result = await outcome(
        putIf(pair.n1, '/p', 'second', undefined, 'WRITE_MODE_CREATE_ONLY'),
      );
      expect([result, await contents(pair.n2, '/p')]).to.deep.equal(['ok', 'second']);
    });

    it('should delete it on If-Match with the ETag of the version the cache has not seen', async () => {
      const etag = await replacedBehindCache(pair, '/d');
      const result = await outcome(
        pair.n1.remove(alice, '/d', { conditions: { ifMatch: [etag] } }),
      );
      expect([result, await outcome(pair.n2.stat(alice, '/d'))]).to.deep.equal([
        'ok',
        'FILE_NOT_FOUND',
      ]);
    });

    it('should rename it on If-Match with the ETag of the version the cache has not seen', async () => {
      const etag = await replacedBehindCache(pair, '/m');
      const result = await outcome(pair.n1.move(alice, '/m', moveSpec('/m2'), { ifMatch: [etag] }));
      // The bucket of this fake keeps bytes by path: etcd's record says what was renamed.
      const moved = await pair.n2.stat(alice, '/m2').then(
        (i) => i.size,
        (err: unknown) => (err as CallfsError).code,
      );
      expect([result, moved]).to.deep.equal(['ok', 'version 2'.length]);
    });

    it('should rename it without conditions, though the cache names the replaced version', async () => {
      await replacedBehindCache(pair, '/r');
      const result = await outcome(pair.n1.move(alice, '/r', moveSpec('/r2')));
      const moved = await pair.n2.stat(alice, '/r2').then(
        (i) => i.size,
        (err: unknown) => (err as CallfsError).code,
      );
      expect([result, moved]).to.deep.equal(['ok', 'version 2'.length]);
    });

    it('should rename onto a file with overwrite, though the cache names its replaced version', async () => {
      await writeFile(pair.n1, alice, '/src', 'the source');
      await replacedBehindCache(pair, '/dst');
      const result = await outcome(
        pair.n1.move(alice, '/src', moveSpec('/dst', { overwrite: true })),
      );
      // The bucket of this fake keeps bytes by path: etcd's record says what was renamed.
      const moved = await pair.n2.stat(alice, '/dst').then(
        (i) => i.size,
        (err: unknown) => (err as CallfsError).code,
      );
      expect([result, moved]).to.deep.equal(['ok', 'the source'.length]);
    });

    it('should delete it without conditions, though the cache names the replaced version', async () => {
      await replacedBehindCache(pair, '/u');
      const result = await outcome(pair.n1.remove(alice, '/u'));
      expect([result, await outcome(pair.n2.stat(alice, '/u'))]).to.deep.equal([
        'ok',
        'FILE_NOT_FOUND',
      ]);
    });

    it("should let the user who wrote it again delete it, though the cache names the old owner's", async () => {
      await writeFile(pair.n2, alice, '/o', 'alice');
      await pair.n1.stat(alice, '/o');
      await pair.n2.remove(alice, '/o');
      await writeFile(pair.n2, caller('bob'), '/o', 'bob');
      const result = await outcome(pair.n1.remove(caller('bob'), '/o'));
      expect([result, await outcome(pair.n2.stat(alice, '/o'))]).to.deep.equal([
        'ok',
        'FILE_NOT_FOUND',
      ]);
    });

    it("should find it once its create finished, though the cache holds the create's claim", async () => {
      const body = Buffer.from('created');
      const session = await pair.n2.openWrite(alice, {
        path: '/c',
        write_mode: 'WRITE_MODE_CREATE_OR_REPLACE',
        expected_size: body.length,
      });
      // n1 reads the path while the body is on its way: the claim is cached, not yet a file.
      const during = await outcome(pair.n1.stat(alice, '/c'));
      await session.write(chunked(body));
      expect([during, await contents(pair.n1, '/c')]).to.deep.equal(['FILE_NOT_FOUND', 'created']);
    });

    it('should let the user who made a directory again delete it, though the cache names the old one', async () => {
      await pair.n2.mkdir(alice, '/dd');
      await pair.n1.stat(alice, '/dd');
      await pair.n2.remove(alice, '/dd');
      await pair.n2.mkdir(caller('bob'), '/dd');
      const result = await outcome(pair.n1.remove(caller('bob'), '/dd'));
      expect([result, await outcome(pair.n2.stat(alice, '/dd'))]).to.deep.equal([
        'ok',
        'FILE_NOT_FOUND',
      ]);
    });

    it('should make a directory where it was deleted, though the cache still names it', async () => {
      await writeFile(pair.n2, alice, '/k', 'a file');
      await pair.n1.stat(alice, '/k');
      await pair.n2.remove(alice, '/k');
      const result = await pair.n1.mkdir(alice, '/k').then(
        (r) => r.created,
        (err: unknown) => (err as CallfsError).code,
      );
      expect([result, (await pair.n2.stat(alice, '/k')).type]).to.deep.equal([
        true,
        'FILE_TYPE_DIRECTORY',
      ]);
    });

    it('should rename a file onto a path another node deleted, though the cache still names it', async () => {
      await writeFile(pair.n2, alice, '/from', 'renamed');
      await writeFile(pair.n2, alice, '/onto', 'deleted');
      await pair.n1.stat(alice, '/onto');
      await pair.n2.remove(alice, '/onto');
      const result = await outcome(pair.n1.move(alice, '/from', moveSpec('/onto')));
      expect([result, (await pair.n2.stat(alice, '/onto')).size]).to.deep.equal([
        'ok',
        'renamed'.length,
      ]);
    });

    it('should rename a directory onto a path another node deleted, though the cache still names it', async () => {
      await pair.n1.mkdir(alice, '/dir');
      await writeFile(pair.n2, alice, '/taken', 'deleted');
      await pair.n1.stat(alice, '/taken');
      await pair.n2.remove(alice, '/taken');
      const result = await outcome(pair.n1.move(alice, '/dir', moveSpec('/taken')));
      expect([result, (await pair.n2.stat(alice, '/taken')).type]).to.deep.equal([
        'ok',
        'FILE_TYPE_DIRECTORY',
      ]);
    });

    it('should rename a file whose create finished after the cache took its claim', async () => {
      const body = Buffer.from('new file');
      const session = await pair.n2.openWrite(alice, {
        path: '/new',
        write_mode: 'WRITE_MODE_CREATE_OR_REPLACE',
        expected_size: body.length,
      });
      await outcome(pair.n1.stat(alice, '/new'));
      await session.write(chunked(body));
      const result = await outcome(pair.n1.move(alice, '/new', moveSpec('/new2')));
      expect([result, (await pair.n2.stat(alice, '/new2')).size]).to.deep.equal([
        'ok',
        body.length,
      ]);
    });
  });
});
