// The files API of one node over real HTTP, with a real etcd and a real storage root.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { startEtcd, type EtcdHandle } from '../support/etcd.js';
import { call, jsonOf, rawRequest, sha256, type BodyInput } from '../support/http.js';
import { OTHER_KEY, ROOT_KEY, startInProcessNode, type InProcessNode } from '../support/node.js';

describe('HTTP files API on one node', function () {
  this.timeout(30_000);
  let etcd: EtcdHandle;
  let node: InProcessNode;
  let base: string;

  before(async () => {
    etcd = await startEtcd();
    node = await startInProcessNode(etcd.endpoint, {
      overrides: { server: { max_body_bytes: 1024 * 1024 } },
    });
    base = node.url;
  });
  after(async () => {
    await node?.stop();
    await etcd?.stop();
  });

  describe('health and auth', () => {
    it('should answer 200 ok when /health is asked without a key', async () => {
      const res = await call(base, 'GET', '/health', { key: null });
      expect(res.status).to.equal(200);
      expect(await res.json()).to.deep.equal({ status: 'ok' });
    });
    it('should answer 401 AUTHENTICATION_FAILED when the key is missing', async () => {
      const res = await call(base, 'GET', '/v1/files/', { key: null });
      expect(res.status).to.equal(401);
      expect((await jsonOf(res)).code).to.equal('AUTHENTICATION_FAILED');
    });
    it('should answer 401 when the key is wrong', async () => {
      const res = await call(base, 'GET', '/v1/files/', { key: 'wrong-key-0123456789abcdef' });
      expect(res.status).to.equal(401);
    });
    it('should accept a bare key when Bearer is omitted', async () => {
      const res = await fetch(`${base}/v1/files/`, { headers: { authorization: OTHER_KEY } });
      expect(res.status).to.equal(200);
    });
    it('should answer 404 ROUTE_NOT_FOUND as JSON when the endpoint does not exist', async () => {
      const res = await call(base, 'GET', '/v1/nothing');
      expect(res.status).to.equal(404);
      expect((await jsonOf(res)).code).to.equal('ROUTE_NOT_FOUND');
    });
    it('should send the security headers and a request id when answering', async () => {
      const res = await call(base, 'GET', '/health', { key: null });
      expect(res.headers.get('x-content-type-options')).to.equal('nosniff');
      expect(res.headers.get('x-request-id')).to.match(/^[0-9a-f]{16}$/);
    });
  });

  describe('files', () => {
    it('should create a file with 201 when POSTing a new path', async () => {
      const res = await call(base, 'POST', '/v1/files/docs/a.txt', { body: 'hello' });
      expect(res.status).to.equal(201);
      expect((await jsonOf(res)).path).to.equal('/docs/a.txt');
    });
    it('should serve the same bytes with metadata headers when GETting a file', async () => {
      await call(base, 'POST', '/v1/files/get/b.bin', { body: 'bytes!' });
      const res = await call(base, 'GET', '/v1/files/get/b.bin');
      expect(await res.text()).to.equal('bytes!');
      expect(res.headers.get('x-callfs-instance-id')).to.equal('node-1');
      expect(res.headers.get('x-callfs-backend-type')).to.equal('localfs');
    });
    it('should send the validators, length and security headers when a small file is served', async () => {
      const data = randomBytes(1024);
      const put = await call(base, 'PUT', '/v1/files/get/small.bin', { body: data });
      const res = await call(base, 'GET', '/v1/files/get/small.bin');
      expect(sha256(Buffer.from(await res.arrayBuffer()))).to.equal(sha256(data));
      expect({
        etag: res.headers.get('etag'),
        length: res.headers.get('content-length'),
        ranges: res.headers.get('accept-ranges'),
        size: res.headers.get('x-callfs-size'),
        nosniff: res.headers.get('x-content-type-options'),
        id: /^[0-9a-f]{16}$/.test(res.headers.get('x-request-id') ?? ''),
        modified: Boolean(res.headers.get('last-modified')),
      }).to.deep.equal({
        etag: put.headers.get('etag'),
        length: '1024',
        ranges: 'bytes',
        size: '1024',
        nosniff: 'nosniff',
        id: true,
        modified: true,
      });
    });
    it('should answer HEAD with the X-CallFS headers when the file exists', async () => {
      await call(base, 'POST', '/v1/files/head/c.txt', { body: '12345' });
      const res = await call(base, 'HEAD', '/v1/files/head/c.txt');
      expect(res.status).to.equal(200);
      expect(res.headers.get('x-callfs-size')).to.equal('5');
      expect(res.headers.get('x-callfs-mode')).to.equal('0644');
    });
    it('should store the file at its real path under the root when created', async () => {
      await call(base, 'POST', '/v1/files/disk/real.txt', { body: 'on disk' });
      expect(await readFile(join(node.root, 'disk/real.txt'), 'utf8')).to.equal('on disk');
    });
    it('should answer 409 FILE_ALREADY_EXISTS when POSTing an existing file', async () => {
      await call(base, 'POST', '/v1/files/dup.txt', { body: 'one' });
      const res = await call(base, 'POST', '/v1/files/dup.txt', { body: 'two' });
      expect(res.status).to.equal(409);
      expect((await jsonOf(res)).code).to.equal('FILE_ALREADY_EXISTS');
    });
    it('should keep the first content when a POST conflicts', async () => {
      await call(base, 'POST', '/v1/files/keep.txt', { body: 'first' });
      await call(base, 'POST', '/v1/files/keep.txt', { body: 'second' });
      expect(await (await call(base, 'GET', '/v1/files/keep.txt')).text()).to.equal('first');
    });
    it('should answer 201 when PUT creates and 200 when PUT replaces', async () => {
      const a = await call(base, 'PUT', '/v1/files/put/x.txt', { body: 'v1' });
      const b = await call(base, 'PUT', '/v1/files/put/x.txt', { body: 'v2' });
      expect([a.status, b.status]).to.deep.equal([201, 200]);
      expect(await (await call(base, 'GET', '/v1/files/put/x.txt')).text()).to.equal('v2');
    });
    it('should create missing parents as directories when creating a deep file', async () => {
      await call(base, 'POST', '/v1/files/p1/p2/p3/f.txt', { body: 'deep' });
      const res = await call(base, 'HEAD', '/v1/files/p1/p2');
      expect(res.headers.get('x-callfs-type')).to.equal('directory');
      expect(res.headers.get('x-callfs-mode')).to.equal('0755');
    });
    it('should answer 409 PARENT_NOT_A_DIRECTORY when a parent is a file', async () => {
      await call(base, 'POST', '/v1/files/pf.txt', { body: 'f' });
      const res = await call(base, 'POST', '/v1/files/pf.txt/child', { body: 'x' });
      expect(res.status).to.equal(409);
      expect((await jsonOf(res)).code).to.equal('PARENT_NOT_A_DIRECTORY');
    });
    it('should delete a file with 204 and then answer 404', async () => {
      await call(base, 'POST', '/v1/files/del/a.txt', { body: 'x' });
      const del = await call(base, 'DELETE', '/v1/files/del/a.txt');
      const get = await call(base, 'GET', '/v1/files/del/a.txt');
      expect([del.status, get.status]).to.deep.equal([204, 404]);
      expect((await jsonOf(get)).code).to.equal('FILE_NOT_FOUND');
    });
    it('should remove the bytes from disk when a file is deleted', async () => {
      await call(base, 'POST', '/v1/files/deldisk/a.txt', { body: 'x' });
      await call(base, 'DELETE', '/v1/files/deldisk/a.txt');
      const gone = await stat(join(node.root, 'deldisk/a.txt')).then(
        () => false,
        () => true,
      );
      expect(gone).to.equal(true);
    });
    it('should serve a zero-byte file when one was uploaded', async () => {
      await call(base, 'POST', '/v1/files/empty.bin', { body: '' });
      const res = await call(base, 'GET', '/v1/files/empty.bin');
      expect(res.headers.get('content-length')).to.equal('0');
      expect((await res.arrayBuffer()).byteLength).to.equal(0);
    });
    it('should keep binary bytes exact when a chunked upload is streamed', async () => {
      const data = randomBytes(700 * 1024);
      const body = Readable.toWeb(
        Readable.from([data.subarray(0, 300_000), data.subarray(300_000)]),
      );
      const put = await call(base, 'PUT', '/v1/files/bin/chunked.bin', { body: body as BodyInput });
      const got = Buffer.from(
        await (await call(base, 'GET', '/v1/files/bin/chunked.bin')).arrayBuffer(),
      );
      expect(put.status).to.equal(201);
      expect(sha256(got)).to.equal(sha256(data));
    });
    it('should answer 413 PAYLOAD_TOO_LARGE when Content-Length exceeds the limit', async () => {
      const res = await call(base, 'POST', '/v1/files/big.bin', {
        body: Buffer.alloc(1024 * 1024 + 1),
      });
      expect(res.status).to.equal(413);
      expect((await jsonOf(res)).code).to.equal('PAYLOAD_TOO_LARGE');
    });
    it('should leave nothing behind when a chunked upload exceeds the limit', async () => {
      const body = Readable.toWeb(Readable.from([Buffer.alloc(600_000), Buffer.alloc(600_000)]));
      const res = await call(base, 'PUT', '/v1/files/big2.bin', { body: body as BodyInput });
      const head = await call(base, 'HEAD', '/v1/files/big2.bin');
      expect(res.status).to.equal(413);
      expect(head.status).to.equal(404);
    });
  });

  describe('directories', () => {
    it('should create a directory with 201 when POSTing a trailing slash', async () => {
      const res = await call(base, 'POST', '/v1/files/newdir/');
      expect(res.status).to.equal(201);
    });
    it('should answer 200 when the directory already exists on this node', async () => {
      await call(base, 'POST', '/v1/files/again/');
      expect((await call(base, 'POST', '/v1/files/again/')).status).to.equal(200);
    });
    it('should list children sorted by name as a JSON array when GETting a directory', async () => {
      await call(base, 'POST', '/v1/files/ls/b.txt', { body: 'b' });
      await call(base, 'POST', '/v1/files/ls/a.txt', { body: 'a' });
      await call(base, 'POST', '/v1/files/ls/sub/');
      const res = await call(base, 'GET', '/v1/files/ls/');
      const items = (await res.json()) as Array<{ name: string; type: string }>;
      expect(items.map((i) => i.name)).to.deep.equal(['a.txt', 'b.txt', 'sub']);
      expect(items[2]!.type).to.equal('directory');
    });
    it('should answer 409 DIRECTORY_NOT_EMPTY when deleting a non-empty directory', async () => {
      await call(base, 'POST', '/v1/files/full/f.txt', { body: 'f' });
      const res = await call(base, 'DELETE', '/v1/files/full');
      expect(res.status).to.equal(409);
      expect((await jsonOf(res)).code).to.equal('DIRECTORY_NOT_EMPTY');
    });
    it('should delete an empty directory with 204', async () => {
      await call(base, 'POST', '/v1/files/emptydir/');
      expect((await call(base, 'DELETE', '/v1/files/emptydir/')).status).to.equal(204);
    });
    it('should answer 400 NOT_A_FILE when PUTting over a directory', async () => {
      await call(base, 'POST', '/v1/files/isdir/');
      const res = await call(base, 'PUT', '/v1/files/isdir', { body: 'x' });
      expect(res.status).to.equal(400);
      expect((await jsonOf(res)).code).to.equal('NOT_A_FILE');
    });
    it('should answer 409 when POSTing a file where a directory exists', async () => {
      await call(base, 'POST', '/v1/files/dirhere/');
      expect((await call(base, 'POST', '/v1/files/dirhere', { body: 'x' })).status).to.equal(409);
    });
    it('should answer 400 when deleting the root', async () => {
      expect((await call(base, 'DELETE', '/v1/files/')).status).to.equal(400);
    });
  });

  describe('paths from the raw URL', () => {
    it('should answer 400 INVALID_PATH when the raw path climbs above the root', async () => {
      const res = await rawRequest(base, 'GET', '/v1/files/../../etc/passwd');
      expect(res.status).to.equal(400);
      expect(JSON.parse(res.body.toString()).code).to.equal('INVALID_PATH');
    });
    it('should resolve dot segments in the raw path when they stay inside', async () => {
      await call(base, 'POST', '/v1/files/dots/target.txt', { body: 'dots' });
      const res = await rawRequest(base, 'GET', '/v1/files/dots/x/../target.txt');
      expect(res.body.toString()).to.equal('dots');
    });
    it('should answer 400 when the path uses the reserved .callfs folder', async () => {
      const res = await rawRequest(base, 'PUT', '/v1/files/.callfs/tmp/x', {
        body: Buffer.from('x'),
      });
      expect(res.status).to.equal(400);
    });
    it('should answer 400 when PUT has a trailing slash', async () => {
      const res = await call(base, 'PUT', '/v1/files/trail/', { body: 'x' });
      expect(res.status).to.equal(400);
    });
  });

  describe('permissions', () => {
    it('should answer 403 PERMISSION_DENIED when another user overwrites a file', async () => {
      await call(base, 'POST', '/v1/files/perm/mine.txt', { body: 'mine' });
      const res = await call(base, 'PUT', '/v1/files/perm/mine.txt', {
        body: 'theirs',
        key: OTHER_KEY,
      });
      expect(res.status).to.equal(403);
      expect((await jsonOf(res)).code).to.equal('PERMISSION_DENIED');
    });
    it('should answer 403 when another user deletes a file', async () => {
      await call(base, 'POST', '/v1/files/perm/del.txt', { body: 'mine' });
      expect(
        (await call(base, 'DELETE', '/v1/files/perm/del.txt', { key: OTHER_KEY })).status,
      ).to.equal(403);
    });
    it('should let another user read a file when authenticated', async () => {
      await call(base, 'POST', '/v1/files/perm/read.txt', { body: 'public' });
      expect(
        await (await call(base, 'GET', '/v1/files/perm/read.txt', { key: OTHER_KEY })).text(),
      ).to.equal('public');
    });
    it('should let the root user overwrite anything when admin', async () => {
      await call(base, 'POST', '/v1/files/perm/admin.txt', { body: 'mine' });
      expect(
        (await call(base, 'PUT', '/v1/files/perm/admin.txt', { body: 'root', key: ROOT_KEY }))
          .status,
      ).to.equal(200);
    });
    it('should let anyone create children in a directory when it is someone else', async () => {
      await call(base, 'POST', '/v1/files/shared/');
      expect(
        (await call(base, 'POST', '/v1/files/shared/bob.txt', { body: 'b', key: OTHER_KEY }))
          .status,
      ).to.equal(201);
    });
  });
});
