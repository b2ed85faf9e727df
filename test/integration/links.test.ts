// Single-use links on one in-process node over real HTTP and a real etcd: generation, one
// download then 410, expiry, forged and unknown tokens, bad bodies, the download rate limit
// (each test downloads from its own loopback address, so each has its own bucket), and the
// etcd LinkStore against the shared contract plus its lease handling.
import { request as httpRequest } from 'node:http';
import { expect } from 'chai';
import { Etcd3 } from 'etcd3';
import { MetadataUnavailableError } from '../../src/files/errors.js';
import { EtcdLinkStore } from '../../src/links/etcd-link-store.js';
import { startEtcd, untilHung, type EtcdHandle } from '../support/etcd.js';
import { answerOf, call, jsonOf, sha256, type Answer } from '../support/http.js';
import {
  OTHER_KEY,
  startInProcessNode,
  uniquePrefix,
  type InProcessNode,
} from '../support/node.js';
import { linkStoreContract, newId, sampleLink } from '../contract/link-store-contract.js';

let nextClient = 10;
/** A loopback source address no other test uses: its own download rate-limit bucket. */
function freshClient(): string {
  nextClient += 1;
  return `127.0.${Math.floor(nextClient / 250)}.${(nextClient % 250) + 1}`;
}

/** GET /download/<token> without any authorization, from `clientIp`. */
function download(base: string, token: string, clientIp = freshClient()): Promise<Answer> {
  const url = new URL(`/download/${token}`, base);
  return answerOf((onResponse) =>
    httpRequest(
      { host: url.hostname, port: url.port, path: url.pathname, localAddress: clientIp },
      onResponse,
    ),
  );
}

function codeOf(d: Answer): string {
  return (JSON.parse(d.body.toString('utf8')) as { code: string }).code;
}

describe('single-use links on one node', function () {
  this.timeout(30_000);
  let etcd: EtcdHandle;
  let node: InProcessNode;
  let base: string;

  before(async () => {
    etcd = await startEtcd();
    node = await startInProcessNode(etcd.endpoint);
    base = node.url;
    await call(base, 'POST', '/v1/files/share/report.bin', {
      body: Buffer.from('quarterly numbers'),
    });
  });
  after(async () => {
    await node?.stop();
    await etcd?.stop();
  });

  async function generate(body: unknown): Promise<Response> {
    return call(base, 'POST', '/v1/links/generate', {
      body: typeof body === 'string' ? body : JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });
  }

  async function tokenFor(path: string, expirySeconds = 3600): Promise<string> {
    const res = await generate({ path, expiry_seconds: expirySeconds });
    expect(res.status, 'generate').to.equal(201);
    return (await jsonOf(res)).token as string;
  }

  describe('generate', () => {
    it('should answer 201 with a url on this node, the token and the expiry', async () => {
      const res = await generate({ path: '/share/report.bin', expiry_seconds: 600 });
      const body = await jsonOf(res);
      expect(res.status).to.equal(201);
      expect(body.url).to.equal(`${base}/download/${body.token as string}`);
      expect(body.expires).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    });

    for (const expiry of [0, 86_401, 'x']) {
      it(`should answer 400 BAD_REQUEST when expiry_seconds is ${JSON.stringify(expiry)}`, async () => {
        const res = await generate({ path: '/share/report.bin', expiry_seconds: expiry });
        expect(res.status).to.equal(400);
        expect((await jsonOf(res)).code).to.equal('BAD_REQUEST');
      });
    }

    it('should answer 404 FILE_NOT_FOUND when the file does not exist', async () => {
      const res = await generate({ path: '/share/missing.bin' });
      expect(res.status).to.equal(404);
      expect((await jsonOf(res)).code).to.equal('FILE_NOT_FOUND');
    });

    it('should answer 401 when the request has no key', async () => {
      const res = await call(base, 'POST', '/v1/links/generate', {
        key: null,
        body: JSON.stringify({ path: '/share/report.bin' }),
      });
      expect(res.status).to.equal(401);
    });
  });

  describe('download', () => {
    it('should serve the exact bytes as an attachment without any key when the link is fresh', async () => {
      const res = await download(base, await tokenFor('/share/report.bin'));
      expect(res.status).to.equal(200);
      expect(sha256(res.body)).to.equal(sha256('quarterly numbers'));
      expect(res.headers['content-disposition']).to.equal(
        "attachment; filename*=UTF-8''report.bin",
      );
    });

    it('should answer 410 LINK_USED when the link is downloaded a second time', async () => {
      const token = await tokenFor('/share/report.bin');
      await download(base, token);
      const again = await download(base, token);
      expect(again.status).to.equal(410);
      expect(codeOf(again)).to.equal('LINK_USED');
    });

    it('should answer 410 LINK_EXPIRED when the expiry has passed', async () => {
      const token = await tokenFor('/share/report.bin', 1);
      await new Promise((r) => setTimeout(r, 1_500));
      const res = await download(base, token);
      expect(res.status).to.equal(410);
      expect(codeOf(res)).to.equal('LINK_EXPIRED');
    });

    it('should answer 404 FILE_NOT_FOUND when the token is well-formed but unknown', async () => {
      const res = await download(base, `${'A'.repeat(22)}.${'B'.repeat(32)}`);
      expect(res.status).to.equal(404);
      expect(codeOf(res)).to.equal('FILE_NOT_FOUND');
    });

    it('should answer 404 FILE_NOT_FOUND when the token is malformed', async () => {
      const res = await download(base, 'not-a-token');
      expect(res.status).to.equal(404);
      expect(codeOf(res)).to.equal('FILE_NOT_FOUND');
    });

    it('should answer 404 FILE_NOT_FOUND when the file was deleted after generation', async () => {
      await call(base, 'POST', '/v1/files/share/gone.bin', { body: 'soon gone' });
      const token = await tokenFor('/share/gone.bin');
      await call(base, 'DELETE', '/v1/files/share/gone.bin');
      const res = await download(base, token);
      expect(res.status).to.equal(404);
      expect(codeOf(res)).to.equal('FILE_NOT_FOUND');
      expect(res.body.toString('utf8')).to.not.include('gone.bin');
    });

    it('should answer 404 without the path when the file was deleted and created again by another user', async () => {
      await call(base, 'POST', '/v1/files/share/swapped.bin', { body: 'the original' });
      const token = await tokenFor('/share/swapped.bin');
      await call(base, 'DELETE', '/v1/files/share/swapped.bin');
      const planted = await call(base, 'POST', '/v1/files/share/swapped.bin', {
        key: OTHER_KEY,
        body: 'planted by alice',
      });
      expect(planted.status, 'planted').to.equal(201);
      const res = await download(base, token);
      expect(res.status).to.equal(404);
      expect(codeOf(res)).to.equal('FILE_NOT_FOUND');
      expect(res.body.toString('utf8')).to.not.include('swapped');
    });

    it('should serve the new content when the file was replaced by its owner', async () => {
      await call(base, 'POST', '/v1/files/share/edited.bin', { body: 'draft' });
      const token = await tokenFor('/share/edited.bin');
      await call(base, 'PUT', '/v1/files/share/edited.bin', { body: 'final text' });
      const res = await download(base, token);
      expect(res.status).to.equal(200);
      expect(sha256(res.body)).to.equal(sha256('final text'));
    });

    it('should answer 429 RATE_LIMIT_EXCEEDED when one client downloads too fast', async () => {
      const client = freshClient();
      const results = await Promise.all(
        Array.from({ length: 30 }, () => download(base, 'not-a-token', client)),
      );
      const limited = results.filter((r) => r.status === 429);
      expect(limited.length).to.be.greaterThan(0);
      expect(codeOf(limited[0]!)).to.equal('RATE_LIMIT_EXCEEDED');
      expect(limited[0]!.headers['retry-after']).to.equal('1');
    });

    it('should still serve another client when one client is limited', async () => {
      const client = freshClient();
      await Promise.all(Array.from({ length: 30 }, () => download(base, 'x', client)));
      const other = await download(base, await tokenFor('/share/report.bin'));
      expect(other.status).to.equal(200);
    });
  });

  describe('etcd layout', () => {
    it('should store the link under <prefix>links/<id> when one is generated', async () => {
      const prefix = uniquePrefix();
      const own = await startInProcessNode(etcd.endpoint, { prefix, instanceId: 'layout-node' });
      const client = new Etcd3({ hosts: etcd.endpoint });
      try {
        await call(own.url, 'POST', '/v1/files/l.txt', { body: 'x' });
        const res = await call(own.url, 'POST', '/v1/links/generate', {
          body: JSON.stringify({ path: '/l.txt', expiry_seconds: 60 }),
        });
        const id = ((await jsonOf(res)).token as string).split('.')[0]!;
        const value = await client.get(`${prefix}links/${id}`).json();
        expect(value).to.include({ path: '/l.txt', creator: 'api-user-0', state: 'active' });
      } finally {
        client.close();
        await own.stop();
      }
    });
  });
});

describe('EtcdLinkStore against etcd', function () {
  this.timeout(30_000);
  let etcd: EtcdHandle;
  let client: Etcd3;

  before(async () => {
    etcd = await startEtcd();
    client = new Etcd3({ hosts: etcd.endpoint });
  });
  after(async () => {
    client?.close();
    await etcd?.stop();
  });

  linkStoreContract('EtcdLinkStore', async () => ({
    store: new EtcdLinkStore({ client, prefix: uniquePrefix(), requestTimeoutMs: 2_000 }),
    cleanup: async () => undefined,
  }));

  async function leaseTtlOf(prefix: string, id: string): Promise<number> {
    const res = await client.kv.range({ key: Buffer.from(`${prefix}links/${id}`) });
    const lease = res.kvs[0]?.lease ?? '0';
    const ttl = await client.leaseClient.leaseTimeToLive({ ID: lease });
    return Number(ttl.TTL);
  }

  it('should attach the record to a lease of the given TTL when a link is created', async () => {
    const prefix = uniquePrefix();
    const store = new EtcdLinkStore({ client, prefix });
    const id = newId();
    await store.create(id, sampleLink(), 90_000);
    expect(await leaseTtlOf(prefix, id)).to.be.within(89_990, 90_000);
  });

  it('should keep the lease when a link is redeemed', async () => {
    const prefix = uniquePrefix();
    const store = new EtcdLinkStore({ client, prefix });
    const id = newId();
    await store.create(id, sampleLink(), 90_000);
    await store.redeem((await store.get(id))!);
    expect(await leaseTtlOf(prefix, id)).to.be.within(89_990, 90_000);
  });

  it('should throw MetadataUnavailableError when etcd does not answer', async () => {
    // Its own client: a paused etcd opens the client's circuit breaker for a while.
    const own = new Etcd3({ hosts: etcd.endpoint });
    const store = new EtcdLinkStore({ client: own, prefix: uniquePrefix(), requestTimeoutMs: 300 });
    etcd.pause();
    try {
      await untilHung(etcd.endpoint);
      const err = await store.get(newId()).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).to.be.instanceOf(MetadataUnavailableError);
    } finally {
      etcd.resume();
      own.close();
    }
  });
});
