// Validators, conditional requests, byte ranges and content types on a 3-node cluster: every
// node answers for a file owned by another (the owner evaluates the conditions against the
// record its commit is fenced on, and reads a range from its offset).
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { startCluster, type TestCluster } from '../support/cluster.js';
import { call, jsonOf, sha256 } from '../support/http.js';

describe('cluster: conditional requests, ranges and content types across 3 nodes', function () {
  this.timeout(120_000);
  let cluster: TestCluster;
  let n1: string, n2: string, n3: string;

  before(async () => {
    cluster = await startCluster(3);
    [n1, n2, n3] = cluster.nodes.map((n) => n.url) as [string, string, string];
  });
  after(async () => {
    await cluster?.stop();
  });

  async function etagOf(base: string, path: string): Promise<string> {
    const res = await call(base, 'HEAD', path);
    const etag = res.headers.get('etag');
    expect(etag, `ETag of ${path}`).to.match(/^"\d+-\d+"$/);
    return etag!;
  }

  describe('validators', () => {
    it('should send one strong ETag from every node and the PUT when a file is written', async () => {
      const put = await call(n1, 'PUT', '/v1/files/v/etag.bin', { body: 'one' });
      const tags = await Promise.all([n1, n2, n3].map((n) => etagOf(n, '/v1/files/v/etag.bin')));
      const got = await call(n3, 'GET', '/v1/files/v/etag.bin');
      expect(new Set([...tags, put.headers.get('etag'), got.headers.get('etag')]).size).to.equal(1);
    });

    it('should change the ETag when the file is replaced', async () => {
      await call(n1, 'PUT', '/v1/files/v/change.txt', { body: 'one' });
      const before = await etagOf(n2, '/v1/files/v/change.txt');
      await call(n3, 'PUT', '/v1/files/v/change.txt', { body: 'two' });
      expect(await etagOf(n2, '/v1/files/v/change.txt')).to.not.equal(before);
    });

    it('should change the ETag when the file is deleted and created again', async () => {
      await call(n1, 'PUT', '/v1/files/v/again.txt', { body: 'same' });
      const before = await etagOf(n1, '/v1/files/v/again.txt');
      await call(n1, 'DELETE', '/v1/files/v/again.txt');
      await call(n2, 'PUT', '/v1/files/v/again.txt', { body: 'same' });
      expect(await etagOf(n3, '/v1/files/v/again.txt')).to.not.equal(before);
    });

    it('should send Last-Modified as an HTTP date when HEAD reaches a non-owner', async () => {
      await call(n1, 'PUT', '/v1/files/v/lm.txt', { body: 'x' });
      const res = await call(n2, 'HEAD', '/v1/files/v/lm.txt');
      const lm = res.headers.get('last-modified')!;
      expect(new Date(lm).toUTCString()).to.equal(lm);
    });
  });

  describe('optimistic concurrency', () => {
    it('should let exactly one of two If-Match writers through different nodes win', async () => {
      await call(n1, 'PUT', '/v1/files/c/race.txt', { body: 'base' });
      const [e2, e3] = await Promise.all([
        etagOf(n2, '/v1/files/c/race.txt'),
        etagOf(n3, '/v1/files/c/race.txt'),
      ]);
      expect(e2).to.equal(e3);
      const [a, b] = await Promise.all([
        call(n2, 'PUT', '/v1/files/c/race.txt', {
          body: 'from node-2',
          headers: { 'if-match': e2 },
        }),
        call(n3, 'PUT', '/v1/files/c/race.txt', {
          body: 'from node-3',
          headers: { 'if-match': e3 },
        }),
      ]);
      expect([a.status, b.status].sort()).to.deep.equal([200, 412]);
      const winner = a.status === 200 ? 'from node-2' : 'from node-3';
      expect(await (await call(n1, 'GET', '/v1/files/c/race.txt')).text()).to.equal(winner);
    });

    it('should commit exactly one of ten concurrent If-Match writers spread over the nodes', async () => {
      await call(n1, 'PUT', '/v1/files/c/ten.txt', { body: 'base' });
      const etag = await etagOf(n1, '/v1/files/c/ten.txt');
      const nodes = [n1, n2, n3];
      const bodies = Array.from(
        { length: 10 },
        (_, i) => `writer ${i} ${randomBytes(8).toString('hex')}`,
      );
      const answers = await Promise.all(
        bodies.map((body, i) =>
          call(nodes[i % 3]!, 'PUT', '/v1/files/c/ten.txt', {
            body,
            headers: { 'if-match': etag },
          }),
        ),
      );
      const statuses = answers.map((r) => r.status);
      const won = statuses.indexOf(200);
      expect(statuses.filter((s) => s === 200).length, statuses.join(',')).to.equal(1);
      expect(statuses.filter((s) => s === 412).length).to.equal(9);
      expect(await (await call(n2, 'GET', '/v1/files/c/ten.txt')).text()).to.equal(bodies[won]);
    });

    it('should let exactly one of a PUT, a DELETE and a PATCH with one If-Match win in 10 rounds through different nodes', async () => {
      for (let round = 0; round < 10; round++) {
        const path = `/v1/files/c/mixed-${round}.txt`;
        await call(n1, 'PUT', path, { body: 'base' });
        const etag = await etagOf(n1, path);
        const [put, del, mv] = await Promise.all([
          call(n2, 'PUT', path, { body: 'replaced', headers: { 'if-match': etag } }),
          call(n3, 'DELETE', path, { headers: { 'if-match': etag } }),
          call(n2, 'PATCH', path, {
            body: JSON.stringify({ name: `moved-${round}.txt` }),
            headers: { 'content-type': 'application/json', 'if-match': etag },
          }),
        ]);
        const statuses = [put.status, del.status, mv.status];
        // A loser gets 412, or 404 when the winner took the path away first: RFC 9110 §13.2.1
        // ignores preconditions where the request without them would not succeed either.
        const won = statuses.filter((st) => st === 200 || st === 204).length;
        const lost = statuses.filter((st) => st === 412 || st === 404).length;
        expect([won, lost], statuses.join(',')).to.deep.equal([1, 2]);
        const [at, moved] = await Promise.all([
          call(n3, 'GET', path),
          call(n3, 'HEAD', `/v1/files/c/moved-${round}.txt`),
        ]);
        const body = at.status === 200 ? await at.text() : null;
        // What is left is exactly what the winner did.
        if (put.status === 200) expect([body, moved.status]).to.deep.equal(['replaced', 404]);
        if (del.status === 204) expect([at.status, moved.status]).to.deep.equal([404, 404]);
        if (mv.status === 200) expect([at.status, moved.status]).to.deep.equal([404, 200]);
      }
    });

    it('should answer PRECONDITION_FAILED when the loser of an If-Match race is read', async () => {
      await call(n1, 'PUT', '/v1/files/c/code.txt', { body: 'base' });
      const etag = await etagOf(n1, '/v1/files/c/code.txt');
      await call(n2, 'PUT', '/v1/files/c/code.txt', {
        body: 'first',
        headers: { 'if-match': etag },
      });
      const res = await call(n3, 'PUT', '/v1/files/c/code.txt', {
        body: 'second',
        headers: { 'if-match': etag },
      });
      expect(res.status).to.equal(412);
      expect((await jsonOf(res)).code).to.equal('PRECONDITION_FAILED');
    });

    it('should refuse If-None-Match: * with 412 when the path exists on another node', async () => {
      await call(n1, 'PUT', '/v1/files/c/exists.txt', { body: 'kept' });
      const res = await call(n2, 'PUT', '/v1/files/c/exists.txt', {
        body: 'nope',
        headers: { 'if-none-match': '*' },
      });
      expect(res.status).to.equal(412);
      expect(await (await call(n3, 'GET', '/v1/files/c/exists.txt')).text()).to.equal('kept');
    });

    it('should create the file when If-None-Match: * is sent for a free path', async () => {
      const res = await call(n2, 'PUT', '/v1/files/c/fresh.txt', {
        body: 'new',
        headers: { 'if-none-match': '*' },
      });
      expect(res.status).to.equal(201);
    });

    it('should let exactly one of concurrent If-None-Match: * creates from every node win', async () => {
      const answers = await Promise.all(
        [n1, n2, n3, n1, n2, n3].map((n, i) =>
          call(n, 'PUT', '/v1/files/c/once.txt', {
            body: `create ${i}`,
            headers: { 'if-none-match': '*' },
          }),
        ),
      );
      const statuses = answers.map((r) => r.status);
      expect(statuses.filter((s) => s === 201).length, statuses.join(',')).to.equal(1);
      expect(statuses.filter((s) => s === 200).length, statuses.join(',')).to.equal(0);
      expect(statuses.filter((s) => s === 412).length).to.equal(5);
    });

    it('should refuse If-Match with 412 when the path does not exist', async () => {
      const res = await call(n2, 'PUT', '/v1/files/c/missing.txt', {
        body: 'x',
        headers: { 'if-match': '"1-1"' },
      });
      expect(res.status).to.equal(412);
      expect((await call(n1, 'HEAD', '/v1/files/c/missing.txt')).status).to.equal(404);
    });

    it('should refuse If-Unmodified-Since with 412 when the file changed after that date', async () => {
      await call(n1, 'PUT', '/v1/files/c/ius.txt', { body: 'x' });
      const res = await call(n3, 'PUT', '/v1/files/c/ius.txt', {
        body: 'y',
        headers: { 'if-unmodified-since': 'Sat, 01 Jan 2000 00:00:00 GMT' },
      });
      expect(res.status).to.equal(412);
    });

    it('should delete nothing when DELETE carries a stale If-Match', async () => {
      await call(n1, 'PUT', '/v1/files/c/del.txt', { body: 'v1' });
      const stale = await etagOf(n1, '/v1/files/c/del.txt');
      await call(n1, 'PUT', '/v1/files/c/del.txt', { body: 'v2' });
      const res = await call(n2, 'DELETE', '/v1/files/c/del.txt', {
        headers: { 'if-match': stale },
      });
      expect(res.status).to.equal(412);
      expect(await (await call(n3, 'GET', '/v1/files/c/del.txt')).text()).to.equal('v2');
    });

    it('should delete the file when DELETE carries its current ETag through a non-owner', async () => {
      await call(n1, 'PUT', '/v1/files/c/del-ok.txt', { body: 'v1' });
      const etag = await etagOf(n2, '/v1/files/c/del-ok.txt');
      const res = await call(n3, 'DELETE', '/v1/files/c/del-ok.txt', {
        headers: { 'if-match': etag },
      });
      expect(res.status).to.equal(204);
    });

    it('should move nothing when PATCH carries a stale If-Match', async () => {
      await call(n1, 'PUT', '/v1/files/c/mv.txt', { body: 'v1' });
      const stale = await etagOf(n1, '/v1/files/c/mv.txt');
      await call(n1, 'PUT', '/v1/files/c/mv.txt', { body: 'v2' });
      const res = await call(n2, 'PATCH', '/v1/files/c/mv.txt', {
        body: JSON.stringify({ name: 'moved.txt' }),
        headers: { 'content-type': 'application/json', 'if-match': stale },
      });
      expect(res.status).to.equal(412);
      const statuses = await Promise.all([
        call(n3, 'HEAD', '/v1/files/c/mv.txt').then((r) => r.status),
        call(n3, 'HEAD', '/v1/files/c/moved.txt').then((r) => r.status),
      ]);
      expect(statuses).to.deep.equal([200, 404]);
    });

    it('should move the file when PATCH carries its current ETag through a non-owner', async () => {
      await call(n1, 'PUT', '/v1/files/c/mv-ok.txt', { body: 'v1' });
      const etag = await etagOf(n1, '/v1/files/c/mv-ok.txt');
      const res = await call(n3, 'PATCH', '/v1/files/c/mv-ok.txt', {
        body: JSON.stringify({ name: 'mv-done.txt' }),
        headers: { 'content-type': 'application/json', 'if-match': etag },
      });
      expect(res.status).to.equal(200);
    });
  });

  describe('conditional reads', () => {
    let etag: string;
    before(async () => {
      await call(n1, 'PUT', '/v1/files/g/read.txt', { body: 'cached' });
      etag = await etagOf(n1, '/v1/files/g/read.txt');
    });

    for (const [i, name] of [
      [0, 'the owner'],
      [2, 'a non-owner'],
    ] as const) {
      it(`should answer 304 with no body when If-None-Match is current on ${name}`, async () => {
        const res = await call(cluster.nodes[i]!.url, 'GET', '/v1/files/g/read.txt', {
          headers: { 'if-none-match': etag },
        });
        expect(res.status).to.equal(304);
        expect(res.headers.get('etag')).to.equal(etag);
        expect((await res.arrayBuffer()).byteLength).to.equal(0);
      });
    }

    it('should answer 304 when If-Modified-Since is the Last-Modified date', async () => {
      const lm = (await call(n2, 'HEAD', '/v1/files/g/read.txt')).headers.get('last-modified')!;
      const res = await call(n3, 'GET', '/v1/files/g/read.txt', {
        headers: { 'if-modified-since': lm },
      });
      expect(res.status).to.equal(304);
    });

    it('should answer 304 on HEAD when If-None-Match is current', async () => {
      const res = await call(n2, 'HEAD', '/v1/files/g/read.txt', {
        headers: { 'if-none-match': `"0-0", ${etag}` },
      });
      expect(res.status).to.equal(304);
    });

    it('should answer 200 with the bytes when If-None-Match names an older version', async () => {
      const res = await call(n2, 'GET', '/v1/files/g/read.txt', {
        headers: { 'if-none-match': '"1-1"' },
      });
      expect(res.status).to.equal(200);
      expect(await res.text()).to.equal('cached');
    });

    it('should answer 200 when If-Modified-Since is older than the file', async () => {
      const res = await call(n2, 'GET', '/v1/files/g/read.txt', {
        headers: { 'if-modified-since': 'Sat, 01 Jan 2000 00:00:00 GMT' },
      });
      expect(res.status).to.equal(200);
    });

    it('should answer 304 on HEAD through a non-owner when If-Modified-Since is the Last-Modified date', async () => {
      const lm = (await call(n1, 'HEAD', '/v1/files/g/read.txt')).headers.get('last-modified')!;
      const res = await call(n3, 'HEAD', '/v1/files/g/read.txt', {
        headers: { 'if-modified-since': lm },
      });
      expect([res.status, res.headers.get('etag')]).to.deep.equal([304, etag]);
    });

    const old = 'Sat, 01 Jan 2000 00:00:00 GMT';
    const failing: [string, string, Record<string, string>, string?][] = [
      ['HEAD', 'If-Match of another version', { 'if-match': '"1-1"' }],
      ['GET', 'an If-Unmodified-Since before the file', { 'if-unmodified-since': old }],
      ['PUT', 'If-None-Match with the current ETag', {}],
      ['DELETE', 'an If-Unmodified-Since before the file', { 'if-unmodified-since': old }],
      ['PATCH', 'If-None-Match: *', { 'if-none-match': '*' }, JSON.stringify({ name: 'x.txt' })],
    ];
    for (const [method, what, headers, body] of failing) {
      it(`should answer 412 and change nothing when ${method} through a non-owner carries ${what}`, async () => {
        const h = method === 'PUT' ? { 'if-none-match': etag } : headers;
        const res = await call(n2, method, '/v1/files/g/read.txt', {
          body: method === 'PUT' ? 'replaced' : body,
          headers: body ? { ...h, 'content-type': 'application/json' } : h,
        });
        expect(res.status).to.equal(412);
        if (method !== 'HEAD') expect((await jsonOf(res)).code).to.equal('PRECONDITION_FAILED');
        const now = await call(n3, 'GET', '/v1/files/g/read.txt');
        expect([now.headers.get('etag'), await now.text()]).to.deep.equal([etag, 'cached']);
      });
    }

    it('should answer 412 when a GET carries an If-Match that does not match', async () => {
      const res = await call(n3, 'GET', '/v1/files/g/read.txt', {
        headers: { 'if-match': '"1-1"' },
      });
      expect(res.status).to.equal(412);
      expect((await jsonOf(res)).code).to.equal('PRECONDITION_FAILED');
    });
  });

  describe('ranges', () => {
    const data = randomBytes(300_000);
    const size = data.length;
    before(async () => {
      await call(n1, 'PUT', '/v1/files/r/data.bin', { body: data });
    });

    const cases: [string, string, number, number][] = [
      ['the first bytes', 'bytes=0-99', 0, 99],
      ['a middle slice', 'bytes=100000-199999', 100000, 199999],
      ['a suffix', 'bytes=-500', size - 500, size - 1],
      ['an open-ended range', 'bytes=299000-', 299000, size - 1],
      ['a range past the end', `bytes=299990-${size + 50}`, 299990, size - 1],
    ];
    for (const [i, where] of [
      [0, 'the owner'],
      [1, 'a non-owner'],
    ] as const) {
      for (const [what, header, start, end] of cases) {
        it(`should answer 206 with ${what} when asked on ${where}`, async () => {
          const res = await call(cluster.nodes[i]!.url, 'GET', '/v1/files/r/data.bin', {
            headers: { range: header },
          });
          const body = Buffer.from(await res.arrayBuffer());
          expect(res.status).to.equal(206);
          expect(res.headers.get('content-range')).to.equal(`bytes ${start}-${end}/${size}`);
          expect(sha256(body)).to.equal(sha256(data.subarray(start, end + 1)));
        });
      }
    }

    it('should read and forward only the range when a slice of a large file is asked on a non-owner', async () => {
      // /proc/<pid>/io rchar counts every byte a process read (disk and sockets alike): a
      // range served by skipping through the file, or sent whole to the edge to be cut there,
      // shows as tens of MiB on the owner or the receiving node.
      const big = randomBytes(32 * 1024 * 1024);
      expect((await call(n1, 'PUT', '/v1/files/r/big.bin', { body: big })).status).to.equal(201);
      const rchar = (i: number): number =>
        Number(
          /^rchar: (\d+)$/m.exec(
            readFileSync(`/proc/${cluster.nodes[i]!.proc.pid}/io`, 'utf8'),
          )![1],
        );
      const before = [rchar(0), rchar(2)];
      const res = await call(n3, 'GET', '/v1/files/r/big.bin', {
        headers: { range: 'bytes=-4096' },
      });
      const body = Buffer.from(await res.arrayBuffer());
      expect(res.status).to.equal(206);
      expect(sha256(body)).to.equal(sha256(big.subarray(big.length - 4096)));
      const read = [rchar(0) - before[0]!, rchar(2) - before[1]!];
      expect(
        read.every((n) => n < 4 * 1024 * 1024),
        `bytes read: ${read.join(', ')}`,
      ).to.equal(true);
    });

    it('should announce Accept-Ranges: bytes when HEAD reaches a non-owner', async () => {
      const res = await call(n3, 'HEAD', '/v1/files/r/data.bin');
      expect(res.headers.get('accept-ranges')).to.equal('bytes');
    });

    it('should answer 416 with Content-Range bytes */size when the start is past the end', async () => {
      const res = await call(n2, 'GET', '/v1/files/r/data.bin', {
        headers: { range: `bytes=${size}-` },
      });
      expect(res.status).to.equal(416);
      expect(res.headers.get('content-range')).to.equal(`bytes */${size}`);
      expect((await jsonOf(res)).code).to.equal('RANGE_NOT_SATISFIABLE');
    });

    it('should answer 200 with the whole file when several ranges are asked', async () => {
      const res = await call(n3, 'GET', '/v1/files/r/data.bin', {
        headers: { range: 'bytes=0-9,20-29' },
      });
      const body = Buffer.from(await res.arrayBuffer());
      expect(res.status).to.equal(200);
      expect(sha256(body)).to.equal(sha256(data));
    });

    it('should honour If-Range when it names the current ETag', async () => {
      const etag = await etagOf(n2, '/v1/files/r/data.bin');
      const res = await call(n2, 'GET', '/v1/files/r/data.bin', {
        headers: { range: 'bytes=0-9', 'if-range': etag },
      });
      expect(res.status).to.equal(206);
    });

    it('should send the whole file when If-Range names another version', async () => {
      const res = await call(n2, 'GET', '/v1/files/r/data.bin', {
        headers: { range: 'bytes=0-9', 'if-range': '"1-1"' },
      });
      const body = Buffer.from(await res.arrayBuffer());
      expect(res.status).to.equal(200);
      expect(body.length).to.equal(size);
    });
  });

  describe('content types', () => {
    const cases: [string, string][] = [
      ['page.html', 'text/html'],
      ['photo.JPG', 'image/jpeg'],
      ['data.json', 'application/json'],
      ['notes.txt', 'text/plain'],
      ['archive.tar.gz', 'application/gzip'],
      ['blob.unknownext', 'application/octet-stream'],
      ['no-extension', 'application/octet-stream'],
    ];
    for (const [name, type] of cases) {
      it(`should send ${type} when ${name} is read through a non-owner`, async () => {
        await call(n1, 'PUT', `/v1/files/t/${name}`, { body: 'x' });
        const res = await call(n2, 'GET', `/v1/files/t/${name}`);
        expect(res.headers.get('content-type')).to.equal(type);
        expect(res.headers.get('x-content-type-options')).to.equal('nosniff');
      });
    }

    it('should send the RFC 6266 attachment name when a single-use link is redeemed', async () => {
      await call(n1, 'PUT', '/v1/files/t/résumé 1.pdf', { body: 'pdf' });
      const made = await call(n2, 'POST', '/v1/links/generate', {
        body: JSON.stringify({ path: '/t/résumé 1.pdf' }),
        headers: { 'content-type': 'application/json' },
      });
      const { token } = (await jsonOf(made)) as { token: string };
      const res = await call(n3, 'GET', `/download/${token}`, { key: null });
      expect(res.headers.get('content-disposition')).to.equal(
        "attachment; filename*=UTF-8''r%C3%A9sum%C3%A9%201.pdf",
      );
      expect(res.headers.get('content-type')).to.equal('application/pdf');
    });
  });
});
