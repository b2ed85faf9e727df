// PATCH /v1/files/{path}: rename and move of files on one node with a real etcd.
import { expect } from 'chai';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { startEtcd, type EtcdHandle } from '../support/etcd.js';
import { call, jsonOf } from '../support/http.js';
import { OTHER_KEY, startInProcessNode, type InProcessNode } from '../support/node.js';

describe('PATCH rename and move on one node', function () {
  this.timeout(30_000);
  let etcd: EtcdHandle;
  let node: InProcessNode;
  let base: string;
  const patch = (path: string, body: unknown, key?: string) =>
    call(base, 'PATCH', `/v1/files${path}`, {
      body: typeof body === 'string' ? body : JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
      key,
    });

  before(async () => {
    etcd = await startEtcd();
    node = await startInProcessNode(etcd.endpoint);
    base = node.url;
  });
  after(async () => {
    await node?.stop();
    await etcd?.stop();
  });

  it('should rename in place with 200 and the new path when given a name', async () => {
    await call(base, 'POST', '/v1/files/mv/a.txt', { body: 'A' });
    const res = await patch('/mv/a.txt', { name: 'b.txt' });
    expect(res.status).to.equal(200);
    expect(await res.json()).to.deep.equal({ path: '/mv/b.txt' });
  });
  it('should serve the bytes at the new path and 404 at the old one when moved', async () => {
    await call(base, 'POST', '/v1/files/mv/c.txt', { body: 'C' });
    await patch('/mv/c.txt', { destination: '/mv/sub/c2.txt', create_parents: true });
    expect(await (await call(base, 'GET', '/v1/files/mv/sub/c2.txt')).text()).to.equal('C');
    expect((await call(base, 'GET', '/v1/files/mv/c.txt')).status).to.equal(404);
  });
  it('should move the bytes on disk when a file is moved', async () => {
    await call(base, 'POST', '/v1/files/mv/d.txt', { body: 'D' });
    await patch('/mv/d.txt', { name: 'd2.txt' });
    expect(await readFile(join(node.root, 'mv/d2.txt'), 'utf8')).to.equal('D');
    expect(
      await stat(join(node.root, 'mv/d.txt')).then(
        () => true,
        () => false,
      ),
    ).to.equal(false);
  });
  it('should answer 409 when the destination exists without overwrite', async () => {
    await call(base, 'POST', '/v1/files/mv/e.txt', { body: 'E' });
    await call(base, 'POST', '/v1/files/mv/f.txt', { body: 'F' });
    const res = await patch('/mv/e.txt', { name: 'f.txt' });
    expect(res.status).to.equal(409);
    expect((await jsonOf(res)).code).to.equal('FILE_ALREADY_EXISTS');
  });
  it('should replace the destination when overwrite is true', async () => {
    await call(base, 'POST', '/v1/files/mv/g.txt', { body: 'G' });
    await call(base, 'POST', '/v1/files/mv/h.txt', { body: 'H' });
    await patch('/mv/g.txt', { name: 'h.txt', overwrite: true });
    expect(await (await call(base, 'GET', '/v1/files/mv/h.txt')).text()).to.equal('G');
  });
  it('should give the destination a new ETag when a rename with overwrite replaces it', async () => {
    await call(base, 'POST', '/v1/files/mv/new.txt', { body: 'new content: AAAAAAAAAA' });
    await call(base, 'POST', '/v1/files/mv/old.txt', { body: 'old content: bbbbbbbbbb' });
    const old = (await call(base, 'HEAD', '/v1/files/mv/old.txt')).headers.get('etag')!;
    expect((await patch('/mv/new.txt', { name: 'old.txt', overwrite: true })).status).to.equal(200);
    const now = (await call(base, 'HEAD', '/v1/files/mv/old.txt')).headers.get('etag');
    const cached = await call(base, 'GET', '/v1/files/mv/old.txt', {
      headers: { 'if-none-match': old },
    });
    // A download of the old version resumed after its 13th byte: the whole new one, never a
    // splice of the old version's start and the new one's rest.
    const resumed = await call(base, 'GET', '/v1/files/mv/old.txt', {
      headers: { range: 'bytes=13-', 'if-range': old },
    });
    const blind = await call(base, 'PUT', '/v1/files/mv/old.txt', {
      body: 'lost update',
      headers: { 'if-match': old },
    });
    expect([now === old, cached.status, resumed.status, await resumed.text()]).to.deep.equal([
      false,
      200,
      200,
      'new content: AAAAAAAAAA',
    ]);
    expect(blind.status).to.equal(412);
  });
  it('should give the destination a later Last-Modified when a rename with overwrite replaces it', async () => {
    await call(base, 'POST', '/v1/files/mv/older.txt', { body: 'written first' });
    await new Promise((r) => setTimeout(r, 1100));
    await call(base, 'POST', '/v1/files/mv/newer.txt', { body: 'written later' });
    const since = (await call(base, 'HEAD', '/v1/files/mv/newer.txt')).headers.get(
      'last-modified',
    )!;
    // A later second than the overwritten file's (HTTP dates have no finer grain).
    await new Promise((r) => setTimeout(r, 1100));
    await patch('/mv/older.txt', { name: 'newer.txt', overwrite: true });
    const res = await call(base, 'GET', '/v1/files/mv/newer.txt', {
      headers: { 'if-modified-since': since },
    });
    expect([res.status, await res.text()]).to.deep.equal([200, 'written first']);
  });
  it('should answer 404 when the destination parent is missing without create_parents', async () => {
    await call(base, 'POST', '/v1/files/mv/i.txt', { body: 'I' });
    const res = await patch('/mv/i.txt', { destination: '/nowhere/i.txt' });
    expect(res.status).to.equal(404);
  });
  it('should answer 404 FILE_NOT_FOUND when the source is missing', async () => {
    const res = await patch('/mv/missing.txt', { name: 'x' });
    expect((await jsonOf(res)).code).to.equal('FILE_NOT_FOUND');
  });
  it('should answer 400 BAD_REQUEST when the body is not JSON', async () => {
    await call(base, 'POST', '/v1/files/mv/j.txt', { body: 'J' });
    const res = await patch('/mv/j.txt', '{not json');
    expect(res.status).to.equal(400);
    expect((await jsonOf(res)).code).to.equal('BAD_REQUEST');
  });
  for (const [what, body] of [
    ['both name and destination', { name: 'a', destination: '/a' }],
    ['neither name nor destination', { overwrite: true }],
    ['an unknown field', { name: 'a', colour: 'red' }],
    ['a name with a slash', { name: 'a/b' }],
    ['a relative destination', { destination: 'a/b' }],
    ['a non-boolean overwrite', { name: 'a', overwrite: 'yes' }],
  ] as const) {
    it(`should answer 400 BAD_REQUEST when the body has ${what}`, async () => {
      await call(base, 'PUT', '/v1/files/mv/k.txt', { body: 'K' });
      expect((await patch('/mv/k.txt', body)).status).to.equal(400);
    });
  }
  it('should answer 400 when PATCHing the root', async () => {
    expect((await patch('/', { name: 'x' })).status).to.equal(400);
  });
  it('should answer 403 when another user moves a file', async () => {
    await call(base, 'POST', '/v1/files/mv/l.txt', { body: 'L' });
    expect((await patch('/mv/l.txt', { name: 'l2.txt' }, OTHER_KEY)).status).to.equal(403);
  });
  it('should keep every file when two files are swapped through a third name', async () => {
    await call(base, 'POST', '/v1/files/sw/x', { body: 'X' });
    await call(base, 'POST', '/v1/files/sw/y', { body: 'Y' });
    await Promise.all([patch('/sw/x', { name: 'z' }), patch('/sw/y', { name: 'x2' })]);
    const names = (
      (await (await call(base, 'GET', '/v1/files/sw/')).json()) as Array<{ name: string }>
    ).map((e) => e.name);
    expect(names).to.deep.equal(['x2', 'z']);
  });
});
