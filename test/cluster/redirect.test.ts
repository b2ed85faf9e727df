// Redirects to the owner: a bulk client's GET or PUT with ?redirect=true (or Prefer: redirect)
// through a non-owner answers 307 to the owner with a token the owner accepts once, in place of
// the API key, for that method, path and file only.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { startCluster, type TestCluster } from '../support/cluster.js';
import { call, jsonOf, sha256 } from '../support/http.js';

async function noFollow(
  url: string,
  init: { method: string; key?: string | null; headers?: Record<string, string>; body?: Buffer },
): Promise<Response> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.key !== null)
    headers.authorization = `Bearer ${init.key ?? 'test-key-0123456789abcdef'}`;
  return fetch(url, { method: init.method, headers, body: init.body, redirect: 'manual' });
}

describe('cluster: redirects to the owner', function () {
  this.timeout(120_000);
  let cluster: TestCluster;
  let n1: string, n2: string;
  const data = randomBytes(3 * 1024 * 1024 + 17);

  before(async () => {
    cluster = await startCluster(2);
    [n1, n2] = cluster.nodes.map((n) => n.url) as [string, string];
    const res = await call(n1, 'POST', '/v1/files/rd/big.bin', { body: data });
    expect(res.status).to.equal(201);
  });
  after(async () => {
    await cluster?.stop();
  });

  async function redirected(method: string, path: string, body?: Buffer): Promise<string> {
    const res = await noFollow(`${n2}/v1/files${path}?redirect=true`, { method, body });
    expect(res.status).to.equal(307);
    return res.headers.get('location') as string;
  }

  it('should answer 307 to the owner when GET asks a non-owner for a redirect', async () => {
    const res = await noFollow(`${n2}/v1/files/rd/big.bin?redirect=true`, { method: 'GET' });
    expect(res.status).to.equal(307);
    expect(res.headers.get('location')).to.match(
      new RegExp(`^${n1}/v1/files/rd/big\\.bin\\?redirect_token=`),
    );
  });
  it('should serve the bytes without an API key when the GET redirect is followed', async () => {
    const res = await noFollow(await redirected('GET', '/rd/big.bin'), {
      method: 'GET',
      key: null,
    });
    expect(res.status).to.equal(200);
    expect(sha256(Buffer.from(await res.arrayBuffer()))).to.equal(sha256(data));
  });
  it('should answer 401 when a followed redirect is used a second time', async () => {
    const location = await redirected('GET', '/rd/big.bin');
    await (await noFollow(location, { method: 'GET', key: null })).arrayBuffer();
    const again = await noFollow(location, { method: 'GET', key: null });
    expect(again.status).to.equal(401);
    expect((await jsonOf(again)).code).to.equal('AUTHENTICATION_FAILED');
  });
  it('should store the bytes on the owner when a PUT redirect is followed', async () => {
    await call(n1, 'POST', '/v1/files/rd/put.bin', { body: 'v1' });
    const next = randomBytes(2 * 1024 * 1024 + 5);
    const location = await redirected('PUT', '/rd/put.bin', next);
    expect(location.startsWith(`${n1}/`)).to.equal(true);
    const put = await noFollow(location, { method: 'PUT', key: null, body: next });
    expect(put.status).to.equal(200);
    const back = await call(n1, 'GET', '/v1/files/rd/put.bin');
    expect(sha256(Buffer.from(await back.arrayBuffer()))).to.equal(sha256(next));
  });
  it('should redirect when the client sends Prefer: redirect', async () => {
    const res = await noFollow(`${n2}/v1/files/rd/big.bin`, {
      method: 'GET',
      headers: { prefer: 'redirect' },
    });
    expect(res.status).to.equal(307);
    expect(res.headers.get('preference-applied')).to.equal('redirect');
  });
  it('should answer 401 when the token in a redirect is tampered with', async () => {
    const location = await redirected('GET', '/rd/big.bin');
    const tampered = location.replace(
      /redirect_token=(.)/,
      (_, ch: string) => `redirect_token=${ch === 'e' ? 'f' : 'e'}`,
    );
    const res = await noFollow(tampered, { method: 'GET', key: null });
    expect(res.status).to.equal(401);
    expect((await jsonOf(res)).code).to.equal('AUTHENTICATION_FAILED');
  });
  it('should answer 401 when a token is presented for another path', async () => {
    await call(n1, 'POST', '/v1/files/rd/other.bin', { body: 'secret' });
    const location = await redirected('GET', '/rd/big.bin');
    const res = await noFollow(location.replace('/rd/big.bin', '/rd/other.bin'), {
      method: 'GET',
      key: null,
    });
    expect(res.status).to.equal(401);
    expect((await jsonOf(res)).code).to.equal('AUTHENTICATION_FAILED');
  });
  it('should answer 401 when the file was deleted and created again after the redirect', async () => {
    await call(n1, 'POST', '/v1/files/rd/again.bin', { body: 'first' });
    const location = await redirected('GET', '/rd/again.bin');
    await call(n1, 'DELETE', '/v1/files/rd/again.bin');
    await call(n1, 'POST', '/v1/files/rd/again.bin', { body: 'second' });
    const res = await noFollow(location, { method: 'GET', key: null });
    expect(res.status).to.equal(401);
  });
  it('should serve directly without a redirect when the receiving node owns the path', async () => {
    const res = await noFollow(`${n1}/v1/files/rd/big.bin?redirect=true`, { method: 'GET' });
    expect(res.status).to.equal(200);
    expect(sha256(Buffer.from(await res.arrayBuffer()))).to.equal(sha256(data));
  });
  it('should answer 401 when a redirect token is sent for a DELETE', async () => {
    const location = await redirected('GET', '/rd/big.bin');
    const res = await noFollow(location, { method: 'DELETE', key: null });
    expect(res.status).to.equal(401);
  });
});
