// The API's features on S3 files, on a mixed cluster (node-1 and node-2 keep new files on their
// disks, node-3 on a real s3rver bucket), run twice: with the bucket on every node (each serves
// S3 files itself) and with it on node-3 only (the others forward to node-3). S3 files must
// behave as local ones: single-use links, conditional requests, ranges, the change feed,
// directory moves and recursive deletes, content types. And as a mixed cluster: conflicts and
// races through every node, node-3 killed mid-upload and then for good (with the bucket on every
// node the others still serve its files; without it they answer 503). Both set-ups of these
// cases share the two clusters (one per set-up) instead of starting two more.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { call, jsonOf, sha256 } from '../support/http.js';
import { API_KEY } from '../support/node.js';
import { startMixedCluster, type MixedCluster } from '../support/s3-cluster.js';
import { dataOf, openFeed } from '../support/watch-feed.js';

const JSON_HEADERS = { 'content-type': 'application/json' };
const MiB = 1024 * 1024;

/** Journal entries of S3 writes in progress on a node (`<root>/.callfs/s3/*.json`). */
async function journaledUploads(dir: string): Promise<number> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.filter((n) => n.endsWith('.json')).length;
}

async function until(ok: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (await ok()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('condition not met within 30 s');
}

for (const bucketOnAll of [true, false]) {
  const where = bucketOnAll ? 'the bucket on every node' : 'the bucket on node-3 only';

  describe(`cluster: features of S3 files, ${where}`, function () {
    this.timeout(180_000);
    /** A test whose outcome cannot differ between the set-ups: it runs in the first only. */
    const itOnce = bucketOnAll ? it : (): void => undefined;
    let mixed: MixedCluster;
    let n1: string, n2: string, n3: string;

    before(async () => {
      mixed = await startMixedCluster({ bucketOnAll });
      [n1, n2, n3] = mixed.urls as [string, string, string];
    });
    after(async () => {
      await mixed?.stop();
    });

    /** Creates a file through node-3, so its bytes are an object in the bucket. */
    async function onS3(path: string, body: Buffer | string): Promise<void> {
      const res = await call(n3, 'PUT', `/v1/files${path}`, { body });
      const type = (await call(n1, 'HEAD', `/v1/files${path}`)).headers.get(
        'x-callfs-backend-type',
      );
      expect([res.status, type], `create ${path} on S3`).to.deep.equal([201, 's3']);
    }

    async function etagOf(base: string, path: string): Promise<string> {
      const etag = (await call(base, 'HEAD', `/v1/files${path}`)).headers.get('etag');
      expect(etag, `ETag of ${path}`).to.match(/^"\d+-\d+"$/);
      return etag!;
    }

    async function shaOf(base: string, path: string): Promise<string> {
      const res = await call(base, 'GET', `/v1/files${path}`);
      return `${res.status} ${sha256(Buffer.from(await res.arrayBuffer()))}`;
    }

    async function link(base: string, path: string): Promise<string> {
      const res = await call(base, 'POST', '/v1/links/generate', {
        body: JSON.stringify({ path, expiry_seconds: 600 }),
        headers: JSON_HEADERS,
      });
      expect(res.status, 'generate').to.equal(201);
      return (await jsonOf(res)).token as string;
    }

    describe('single-use links', () => {
      const data = randomBytes(3 * 1024 * 1024 + 17);
      before(async () => {
        await onS3('/links/s3.bin', data);
      });

      it('should serve the bytes on node-2 when a link to an S3 file was made on node-1', async () => {
        const token = await link(n1, '/links/s3.bin');
        const res = await fetch(`${n2}/download/${token}`);
        const body = Buffer.from(await res.arrayBuffer());
        expect([res.status, sha256(body)]).to.deep.equal([200, sha256(data)]);
      });

      it('should answer 410 LINK_USED on every node when a link to an S3 file was redeemed', async () => {
        const token = await link(n2, '/links/s3.bin');
        await (await fetch(`${n1}/download/${token}`)).arrayBuffer();
        const answers = await Promise.all(
          [n1, n2, n3].map(async (n) => {
            const res = await fetch(`${n}/download/${token}`);
            return `${res.status} ${(await jsonOf(res)).code}`;
          }),
        );
        expect(answers).to.deep.equal(Array(3).fill('410 LINK_USED'));
      });

      it('should give one 200 and one 410 when two nodes redeem one link to an S3 file at once', async () => {
        const pairs = [
          [n1, n2],
          [n2, n3],
          [n3, n1],
        ];
        const outcomes: string[] = [];
        for (const pair of pairs) {
          const token = await link(n3, '/links/s3.bin');
          const answers = await Promise.all(
            pair.map(async (n) => {
              const res = await fetch(`${n}/download/${token}`);
              const body = Buffer.from(await res.arrayBuffer());
              if (res.status !== 200) return String(res.status);
              return sha256(body) === sha256(data) ? 'ok' : 'bad bytes';
            }),
          );
          outcomes.push(answers.sort().join(' '));
        }
        expect(outcomes).to.deep.equal(Array(pairs.length).fill('410 ok'));
      });
    });

    describe('conditional requests', () => {
      it('should send one ETag from every node when an S3 file is read', async () => {
        await onS3('/c/etag.bin', 'one');
        const tags = await Promise.all([n1, n2, n3].map((n) => etagOf(n, '/c/etag.bin')));
        expect(new Set(tags).size).to.equal(1);
      });

      it('should let exactly one of two If-Match writers through node-1 and node-2 win', async () => {
        await onS3('/c/race.txt', 'base');
        const etag = await etagOf(n3, '/c/race.txt');
        const [a, b] = await Promise.all(
          [n1, n2].map((n, i) =>
            call(n, 'PUT', '/v1/files/c/race.txt', {
              body: `from node-${i + 1}`,
              headers: { 'if-match': etag },
            }),
          ),
        );
        expect([a!.status, b!.status].sort()).to.deep.equal([200, 412]);
        const winner = a!.status === 200 ? 'from node-1' : 'from node-2';
        expect(await (await call(n3, 'GET', '/v1/files/c/race.txt')).text()).to.equal(winner);
      });

      it('should commit one of ten If-Match writers and keep one object when they race over all nodes', async () => {
        await onS3('/c/ten.bin', 'base');
        const keysBefore = await mixed.objectKeys();
        const etag = await etagOf(n1, '/c/ten.bin');
        const bodies = Array.from({ length: 10 }, () => randomBytes(64 * 1024));
        const answers = await Promise.all(
          bodies.map((body, i) =>
            call([n1, n2, n3][i % 3]!, 'PUT', '/v1/files/c/ten.bin', {
              body,
              headers: { 'if-match': etag },
            }).then(async (r) => {
              await r.arrayBuffer();
              return String(r.status);
            }),
          ),
        );
        const won = answers.indexOf('200');
        expect(answers.filter((s) => s === '200').length, answers.join(',')).to.equal(1);
        expect(answers.filter((s) => s === '412').length).to.equal(9);
        expect(await shaOf(n2, '/c/ten.bin')).to.equal(`200 ${sha256(bodies[won]!)}`);
        // The losers' objects and the replaced generation's are gone: still one object.
        expect((await mixed.objectKeys()).length).to.equal(keysBefore.length);
      });

      it('should refuse If-None-Match: * with 412 through node-1 when the S3 file exists', async () => {
        await onS3('/c/exists.txt', 'kept');
        const res = await call(n1, 'PUT', '/v1/files/c/exists.txt', {
          body: 'nope',
          headers: { 'if-none-match': '*' },
        });
        expect([res.status, (await jsonOf(res)).code]).to.deep.equal([412, 'PRECONDITION_FAILED']);
        expect(await (await call(n2, 'GET', '/v1/files/c/exists.txt')).text()).to.equal('kept');
      });

      // Only node-3 takes part: the outcome is the same in both set-ups, so it runs in one.
      itOnce(
        'should create the S3 file when If-None-Match: * is sent to node-3 for a free path',
        async () => {
          const res = await call(n3, 'PUT', '/v1/files/c/fresh.txt', {
            body: 'new',
            headers: { 'if-none-match': '*' },
          });
          const head = await call(n1, 'HEAD', '/v1/files/c/fresh.txt');
          expect([res.status, head.headers.get('x-callfs-backend-type')]).to.deep.equal([
            201,
            's3',
          ]);
        },
      );

      it('should let exactly one of six If-None-Match: * creates from every node win', async () => {
        const answers = await Promise.all(
          [n3, n1, n2, n3, n1, n2].map((n, i) =>
            call(n, 'PUT', '/v1/files/c/once.txt', {
              body: `create ${i}`,
              headers: { 'if-none-match': '*' },
            }).then(async (r) => {
              await r.arrayBuffer();
              return r.status;
            }),
          ),
        );
        expect(answers.filter((s) => s === 201).length, answers.join(',')).to.equal(1);
        expect(answers.filter((s) => s === 412).length, answers.join(',')).to.equal(5);
      });

      for (const [i, name] of [
        [0, 'node-1'],
        [1, 'node-2'],
        [2, 'node-3'],
      ] as const) {
        // On node-3 only node-3 takes part (the same in both set-ups), so that case runs in one.
        (i === 2 ? itOnce : it)(
          `should answer 304 with no body on ${name} when If-None-Match names the S3 file`,
          async () => {
            const path = `/c/cached-${i}.txt`;
            await onS3(path, 'cached');
            const etag = await etagOf(n3, path);
            const res = await call(mixed.urls[i]!, 'GET', `/v1/files${path}`, {
              headers: { 'if-none-match': etag },
            });
            expect([res.status, (await res.arrayBuffer()).byteLength]).to.deep.equal([304, 0]);
          },
        );
      }

      it('should answer 304 through node-1 when If-Modified-Since is the Last-Modified date', async () => {
        await onS3('/c/ims.txt', 'x');
        const lm = (await call(n2, 'HEAD', '/v1/files/c/ims.txt')).headers.get('last-modified')!;
        const res = await call(n1, 'GET', '/v1/files/c/ims.txt', {
          headers: { 'if-modified-since': lm },
        });
        expect(res.status).to.equal(304);
      });

      it('should keep the S3 file when DELETE through node-1 carries a stale If-Match', async () => {
        await onS3('/c/del.txt', 'v1');
        const stale = await etagOf(n1, '/c/del.txt');
        await call(n2, 'PUT', '/v1/files/c/del.txt', { body: 'v2' });
        const res = await call(n1, 'DELETE', '/v1/files/c/del.txt', {
          headers: { 'if-match': stale },
        });
        expect(res.status).to.equal(412);
        expect(await (await call(n3, 'GET', '/v1/files/c/del.txt')).text()).to.equal('v2');
      });
    });

    describe('ranges', () => {
      const data = randomBytes(300_000);
      const size = data.length;
      before(async () => {
        await onS3('/r/data.bin', data);
      });

      const cases: [string, string, number, number][] = [
        ['the first bytes', 'bytes=0-99', 0, 99],
        ['a middle slice', 'bytes=100000-199999', 100000, 199999],
        ['a suffix', 'bytes=-500', size - 500, size - 1],
        ['a range past the end', `bytes=299990-${size + 50}`, 299990, size - 1],
      ];
      for (const [what, header, start, end] of cases) {
        it(`should answer 206 with ${what} of an S3 file through node-1`, async () => {
          const res = await call(n1, 'GET', '/v1/files/r/data.bin', { headers: { range: header } });
          const body = Buffer.from(await res.arrayBuffer());
          expect([res.status, res.headers.get('content-range')]).to.deep.equal([
            206,
            `bytes ${start}-${end}/${size}`,
          ]);
          expect(sha256(body)).to.equal(sha256(data.subarray(start, end + 1)));
        });
      }

      it('should answer 416 RANGE_NOT_SATISFIABLE through node-2 when the start is past the end', async () => {
        const res = await call(n2, 'GET', '/v1/files/r/data.bin', {
          headers: { range: `bytes=${size}-` },
        });
        expect([res.status, res.headers.get('content-range')]).to.deep.equal([
          416,
          `bytes */${size}`,
        ]);
        expect((await jsonOf(res)).code).to.equal('RANGE_NOT_SATISFIABLE');
      });

      it('should answer 206 through node-2 when If-Range names the current ETag', async () => {
        const etag = await etagOf(n1, '/r/data.bin');
        const res = await call(n2, 'GET', '/v1/files/r/data.bin', {
          headers: { range: 'bytes=10-19', 'if-range': etag },
        });
        const body = Buffer.from(await res.arrayBuffer());
        expect([res.status, sha256(body)]).to.deep.equal([206, sha256(data.subarray(10, 20))]);
      });
      it('should serve one whole version to every reader when an S3 file is replaced while read', async () => {
        const versions = Array.from({ length: 6 }, () => randomBytes(1024 * 1024 + 3));
        await onS3('/r/churn.bin', versions[0]!);
        const shas = new Set(versions.map((v) => sha256(v)));
        const slices = new Set(versions.map((v) => sha256(v.subarray(1000, 600_000))));
        const writes = versions
          .slice(1)
          .map((v, i) => call([n2, n3][i % 2]!, 'PUT', '/v1/files/r/churn.bin', { body: v }));
        const reads = Array.from({ length: 24 }, async (_, i) => {
          const res = await call([n1, n2, n3][i % 3]!, 'GET', '/v1/files/r/churn.bin', {
            headers: i % 2 === 0 ? {} : { range: 'bytes=1000-599999' },
          });
          const buf = Buffer.from(await res.arrayBuffer());
          const sha = sha256(buf);
          if (res.status === 200) return shas.has(sha) ? 'whole' : 'torn';
          if (res.status === 206) return slices.has(sha) ? 'whole' : 'torn';
          // The status and the body (its error code) say which failure it was.
          return `${res.status} ${buf.toString().slice(0, 200)}`;
        });
        const written = await Promise.all(writes.map(async (w) => (await w).status));
        const got = await Promise.all(reads);
        expect(written).to.deep.equal([200, 200, 200, 200, 200]);
        expect(got).to.deep.equal(Array(24).fill('whole'));
      });
    });

    describe('change feed', () => {
      it('should report create, update, move and delete of an S3 file when watched on node-1', async () => {
        await call(n1, 'POST', '/v1/files/feed/');
        const feed = await openFeed(n1, '/feed?recursive=true');
        try {
          const [ready] = await feed.next(1);
          expect(ready?.event).to.equal('ready');
          await onS3('/feed/a.bin', 'v1');
          await call(n2, 'PUT', '/v1/files/feed/a.bin', { body: 'version 2' });
          await call(n1, 'PATCH', '/v1/files/feed/a.bin', {
            body: JSON.stringify({ name: 'b.bin' }),
            headers: JSON_HEADERS,
          });
          await call(n2, 'DELETE', '/v1/files/feed/b.bin');
          const events = await feed.next(4);
          expect(
            events.map((e) => [e.event, dataOf(e).path, dataOf(e).from ?? null]),
          ).to.deep.equal([
            ['create', '/feed/a.bin', null],
            ['update', '/feed/a.bin', null],
            ['move', '/feed/b.bin', '/feed/a.bin'],
            ['delete', '/feed/b.bin', null],
          ]);
          expect(dataOf(events[1]!)).to.include({
            size: 9,
            instance_id: 'node-3',
            backend_type: 's3',
          });
        } finally {
          feed.close();
        }
      });
    });

    describe('directory moves', () => {
      /** A tree of S3 files (through node-3) and localfs files (through node-1 and node-2). */
      async function tree(dir: string): Promise<Map<string, Buffer>> {
        const files = new Map<string, Buffer>();
        const spec = [
          [2, 'one.bin'],
          [0, 'local-1.bin'],
          [2, 'sub/two.bin'],
          [1, 'sub/local-2.bin'],
          [2, 'sub/deep/three.bin'],
        ] as const;
        for (const [i, name] of spec) {
          const body = randomBytes(50_000 + i * 1000);
          const res = await call(mixed.urls[i]!, 'POST', `/v1/files/${dir}/${name}`, { body });
          expect(res.status, name).to.equal(201);
          files.set(name, body);
        }
        return files;
      }

      /** `status sha` of every file of the tree under `dir`, read through every node. */
      async function readAll(dir: string, files: Map<string, Buffer>): Promise<string[]> {
        const out: string[] = [];
        for (const base of mixed.urls) {
          for (const name of files.keys()) out.push(await shaOf(base, `/${dir}/${name}`));
        }
        return out;
      }
      const expected = (files: Map<string, Buffer>): string[] =>
        Array(3)
          .fill(0)
          .flatMap(() => [...files.values()].map((b) => `200 ${sha256(b)}`));

      it('should serve every S3 file intact from every node when their directory is renamed', async () => {
        const files = await tree('mv1');
        const keysBefore = await mixed.objectKeys();
        const res = await call(n2, 'PATCH', '/v1/files/mv1', {
          body: JSON.stringify({ name: 'mv1-renamed' }),
          headers: JSON_HEADERS,
        });
        expect([res.status, (await jsonOf(res)).path]).to.deep.equal([200, '/mv1-renamed']);
        expect(await readAll('mv1-renamed', files)).to.deep.equal(expected(files));
        // A rename is metadata only: no object was copied or removed.
        expect(await mixed.objectKeys()).to.deep.equal(keysBefore);
      });

      it('should serve every S3 file intact from every node when their directory moves under another', async () => {
        const files = await tree('mv2');
        const res = await call(n1, 'PATCH', '/v1/files/mv2', {
          body: JSON.stringify({ destination: '/elsewhere/deeper/mv2', create_parents: true }),
          headers: JSON_HEADERS,
        });
        const gone = await call(n3, 'HEAD', '/v1/files/mv2/one.bin');
        expect([res.status, gone.status]).to.deep.equal([200, 404]);
        expect(await readAll('elsewhere/deeper/mv2', files)).to.deep.equal(expected(files));
      });

      it('should keep serving S3 files at their new path after they are replaced there', async () => {
        await tree('mv3');
        await call(n3, 'PATCH', '/v1/files/mv3', {
          body: JSON.stringify({ name: 'mv3-renamed' }),
          headers: JSON_HEADERS,
        });
        const body = randomBytes(70_000);
        const put = await call(n1, 'PUT', '/v1/files/mv3-renamed/sub/two.bin', { body });
        const type = (await call(n2, 'HEAD', '/v1/files/mv3-renamed/sub/two.bin')).headers.get(
          'x-callfs-backend-type',
        );
        expect([put.status, type]).to.deep.equal([200, 's3']);
        expect(await shaOf(n2, '/mv3-renamed/sub/two.bin')).to.equal(`200 ${sha256(body)}`);
      });
    });

    describe('directory move against writers', () => {
      it('should leave every S3 file whole and exactly its objects in the bucket when replaces race a rename', async () => {
        const names = Array.from(
          { length: 24 },
          (_, i) => `${i % 3 === 0 ? 'sub/' : ''}f-${i}.bin`,
        );
        const sent = new Map<string, Set<string>>(names.map((n) => [n, new Set<string>()]));
        const keysBefore = new Set(await mixed.objectKeys());
        for (const name of names) {
          const body = randomBytes(20_000);
          sent.get(name)!.add(sha256(body));
          await onS3(`/race-mv/${name}`, body);
        }
        const move = call(n2, 'PATCH', '/v1/files/race-mv', {
          body: JSON.stringify({ name: 'race-mv-done' }),
          headers: JSON_HEADERS,
        });
        const writes = names.flatMap((name, i) =>
          [0, 1].map(async (k) => {
            const body = randomBytes(20_000 + k);
            sent.get(name)!.add(sha256(body));
            try {
              const res = await call(mixed.urls[(i + k) % 3]!, 'PUT', `/v1/files/race-mv/${name}`, {
                body,
              });
              await res.arrayBuffer();
              return String(res.status);
            } catch (err) {
              return `${name}: ${String((err as Error).cause ?? err)}`;
            }
          }),
        );
        const moved = await move;
        const statuses = await Promise.all(writes);
        expect(moved.status, await moved.text()).to.equal(200);
        const allowed = ['200', '201', '404', '409', '503'];
        expect(statuses.filter((st) => !allowed.includes(st))).to.deep.equal([]);
        // What the namespace names afterwards, under either name, read through every node.
        let onS3Count = 0;
        const bad: string[] = [];
        for (const dir of ['race-mv', 'race-mv-done']) {
          for (const name of names) {
            const head = await call(n1, 'HEAD', `/v1/files/${dir}/${name}`);
            if (head.status === 404) continue;
            if (head.headers.get('x-callfs-backend-type') === 's3') onS3Count += 1;
            for (const u of mixed.urls) {
              const res = await call(u, 'GET', `/v1/files/${dir}/${name}`);
              const sha = sha256(Buffer.from(await res.arrayBuffer()));
              if (res.status !== 200 || !sent.get(name)!.has(sha)) {
                bad.push(`${dir}/${name} via ${u}: ${res.status}`);
              }
            }
          }
        }
        const added = (await mixed.objectKeys()).filter((k) => !keysBefore.has(k));
        expect(bad).to.deep.equal([]);
        expect(added.length, `${added.length} new objects, ${onS3Count} S3 files`).to.equal(
          onS3Count,
        );
      });
    });

    describe('recursive deletes', () => {
      it('should remove the objects of every S3 file from the bucket when their tree is deleted through node-1', async () => {
        const keysBefore = await mixed.objectKeys();
        for (const [i, path] of [
          [2, '/rd/a.bin'],
          [2, '/rd/sub/b.bin'],
          [0, '/rd/sub/c.bin'],
          [2, '/rd/sub/deep/d.bin'],
          [1, '/rd/e.bin'],
        ] as const) {
          const res = await call(mixed.urls[i]!, 'POST', `/v1/files${path}`, {
            body: randomBytes(10_000),
          });
          expect(res.status, path).to.equal(201);
        }
        const during = (await mixed.objectKeys()).length;
        const res = await call(n1, 'DELETE', '/v1/files/rd?recursive=true');
        const after = await Promise.all(
          mixed.urls.map(async (u) => (await call(u, 'HEAD', '/v1/files/rd/sub/b.bin')).status),
        );
        expect([during - keysBefore.length, res.status]).to.deep.equal([3, 204]);
        expect(after).to.deep.equal([404, 404, 404]);
        expect(await mixed.objectKeys()).to.deep.equal(keysBefore);
      });
    });

    describe('content types', () => {
      const cases: [string, string][] = [
        ['page.html', 'text/html'],
        ['photo.JPG', 'image/jpeg'],
        ['data.json', 'application/json'],
        ['archive.tar.gz', 'application/gzip'],
        ['blob.unknownext', 'application/octet-stream'],
        ['no-extension', 'application/octet-stream'],
      ];
      for (const [name, type] of cases) {
        it(`should send ${type} from every node and store it on the object when ${name} is on S3`, async () => {
          const keysBefore = new Set(await mixed.objectKeys());
          await onS3(`/t/${name}`, 'x');
          const [key] = (await mixed.objectKeys()).filter((k) => !keysBefore.has(k));
          const sent = await Promise.all(
            mixed.urls.map(async (u) =>
              (await call(u, 'GET', `/v1/files/t/${name}`)).headers.get('content-type')!,
            ),
          );
          expect([...sent, await mixed.objectContentType(key!)]).to.deep.equal(Array(4).fill(type));
        });
      }

      it('should send the type of the new name when an S3 file is renamed to another extension', async () => {
        await onS3('/t/renamed.bin', 'x');
        await call(n1, 'PATCH', '/v1/files/t/renamed.bin', {
          body: JSON.stringify({ name: 'renamed.html' }),
          headers: JSON_HEADERS,
        });
        const sent = await Promise.all(
          mixed.urls.map(async (u) =>
            (await call(u, 'GET', '/v1/files/t/renamed.html')).headers.get('content-type')!,
          ),
        );
        expect(sent).to.deep.equal(Array(3).fill('text/html'));
      });

      it('should name the S3 file in the attachment and send its type when a link is redeemed', async () => {
        await onS3('/t/résumé 1.pdf', 'pdf');
        const token = await link(n1, '/t/résumé 1.pdf');
        const res = await fetch(`${n2}/download/${token}`);
        expect([
          res.headers.get('content-disposition'),
          res.headers.get('content-type'),
        ]).to.deep.equal([
          "attachment; filename*=UTF-8''r%C3%A9sum%C3%A9%201.pdf",
          'application/pdf',
        ]);
      });
    });

    // The cases of a mixed cluster as such, kept apart from the others by their paths (/seed,
    // /race, /cut): conflicts and races through every node, node-3 killed mid-upload.
    if (bucketOnAll) {
      describe('writers on every node and a node-3 killed mid-upload', () => {
        let urls: string[];
        const objectCount = async (): Promise<number> => (await mixed.objectKeys()).length;
        before(() => {
          urls = mixed.urls;
        });

        it('should name node-3 and backend s3 in the 409 when node-1 POSTs a path node-3 created', async () => {
          const created = await call(urls[2]!, 'POST', '/v1/files/seed/report.docx', {
            body: 'v1',
          });
          const res = await call(urls[0]!, 'POST', '/v1/files/seed/report.docx', { body: 'again' });
          const body = await jsonOf(res);
          expect([created.status, res.status]).to.deep.equal([201, 409]);
          expect([body.instance_id, body.backend_type]).to.deep.equal(['node-3', 's3']);
        });

        it('should report backend type s3 on every node when HEAD asks for an S3 file', async () => {
          await call(urls[2]!, 'PUT', '/v1/files/seed/head.txt', { body: 'x' });
          const types = await Promise.all(
            urls.map(async (u) =>
              (await call(u, 'HEAD', '/v1/files/seed/head.txt')).headers.get(
                'x-callfs-backend-type',
              ),
            ),
          );
          expect(types).to.deep.equal(['s3', 's3', 's3']);
        });

        it('should report backend type localfs when node-1 creates a file', async () => {
          await call(urls[0]!, 'PUT', '/v1/files/seed/local.txt', { body: 'x' });
          const res = await call(urls[2]!, 'HEAD', '/v1/files/seed/local.txt');
          expect(res.headers.get('x-callfs-backend-type')).to.equal('localfs');
        });

        it('should create exactly one file when 100 POSTs of one path race across all nodes', async () => {
          const results = await Promise.all(
            Array.from({ length: 100 }, (_, i) =>
              call(urls[i % 3]!, 'POST', '/v1/files/race/one.txt', { body: `body ${i}` }).then(
                async (r) => {
                  await r.arrayBuffer();
                  return r.status;
                },
              ),
            ),
          );
          expect(results.filter((s) => s === 201).length).to.equal(1);
          expect(results.filter((s) => s !== 201 && s !== 409)).to.deep.equal([]);
        });

        it('should end with one whole body on every node when 50 replaces of one S3 file race', async () => {
          const objectsBefore = await objectCount();
          await call(urls[2]!, 'PUT', '/v1/files/race/s3.bin', { body: 'start' });
          const bodies = Array.from({ length: 50 }, () => randomBytes(64 * 1024));
          const statuses = await Promise.all(
            bodies.map((b, i) =>
              call(urls[i % 3]!, 'PUT', '/v1/files/race/s3.bin', { body: b }).then(async (r) => {
                await r.arrayBuffer();
                return r.status;
              }),
            ),
          );
          const got = await Promise.all(
            urls.map(async (u) =>
              sha256(
                Buffer.from(await (await call(u, 'GET', '/v1/files/race/s3.bin')).arrayBuffer()),
              ),
            ),
          );
          expect(statuses.filter((s) => s !== 200)).to.deep.equal([]);
          expect(new Set(got).size).to.equal(1);
          expect(bodies.map((b) => sha256(b))).to.include(got[0]);
          // Every losing and every replaced generation's object is gone: one object for the file.
          expect(await objectCount()).to.equal(objectsBefore + 1);
        });

        it('should leave nothing visible and no journaled upload when node-3 is killed mid-upload', async () => {
          const journal = join(mixed.cluster.nodes[2]!.root, '.callfs', 's3');
          const before = await objectCount();
          const req = request(`${urls[2]}/v1/files/cut/big.bin`, {
            method: 'PUT',
            headers: { authorization: `Bearer ${API_KEY}`, 'content-length': String(64 * MiB) },
          });
          req.on('error', () => undefined);
          // 20 MiB: two parts are on their way, and the upload id is in node-3's journal.
          for (let i = 0; i < 20; i++) req.write(randomBytes(MiB));
          await until(async () => (await journaledUploads(journal)) > 0);
          await mixed.cluster.nodes[2]!.kill('SIGKILL');
          req.destroy();
          await mixed.cluster.nodes[2]!.restart();
          const res = await call(urls[0]!, 'GET', '/v1/files/cut/big.bin');
          expect([res.status, await journaledUploads(journal), await objectCount()]).to.deep.equal([
            404,
            0,
            before,
          ]);
        });
      });
    }

    // Last: node-3 stays dead. With the bucket on every node, the others serve its S3 files.
    if (bucketOnAll) {
      describe('with node-3, which created the S3 files, killed', () => {
        const data = randomBytes(200_000);
        const dead = randomBytes(300_000);
        let token: string;
        before(async () => {
          await onS3('/dead/k/a.bin', data);
          await onS3('/dead/k/sub/b.bin', data);
          await call(n1, 'PUT', '/v1/files/dead/k/local.bin', { body: data });
          await onS3('/dead/rd/a.bin', data);
          await onS3('/dead/rd/sub/b.bin', data);
          await call(n2, 'PUT', '/v1/files/dead/rd/local.bin', { body: data });
          await onS3('/dead/c.txt', 'base');
          token = await link(n3, '/dead/k/a.bin');
          await call(n3, 'PUT', '/v1/files/dead/a.bin', { body: dead });
          await call(n3, 'PUT', '/v1/files/dead/b.txt', { body: 'b' });
          await mixed.cluster.nodes[2]!.kill('SIGKILL');
        });

        it('should read, replace and delete node-3 files through the others when node-3 is killed', async () => {
          const read = await call(n1, 'GET', '/v1/files/dead/a.bin');
          const readSha = sha256(Buffer.from(await read.arrayBuffer()));
          const put = await call(n2, 'PUT', '/v1/files/dead/a.bin', { body: 'replaced' });
          const after = await (await call(n1, 'GET', '/v1/files/dead/a.bin')).text();
          const del = await call(n1, 'DELETE', '/v1/files/dead/b.txt');
          expect([read.status, readSha]).to.deep.equal([200, sha256(dead)]);
          expect([put.status, after, del.status]).to.deep.equal([200, 'replaced', 204]);
        });

        it('should serve a link to an S3 file on node-2 when its creator is dead', async () => {
          const res = await fetch(`${n2}/download/${token}`);
          const body = Buffer.from(await res.arrayBuffer());
          expect([res.status, sha256(body)]).to.deep.equal([200, sha256(data)]);
        });

        it('should answer 206 then 412 for an S3 file through node-1 when its creator is dead', async () => {
          const range = await call(n1, 'GET', '/v1/files/dead/k/a.bin', {
            headers: { range: 'bytes=5-9' },
          });
          const got = Buffer.from(await range.arrayBuffer());
          const stale = await call(n2, 'PUT', '/v1/files/dead/c.txt', {
            body: 'nope',
            headers: { 'if-match': '"1-1"' },
          });
          expect([range.status, sha256(got)]).to.deep.equal([206, sha256(data.subarray(5, 10))]);
          expect(stale.status).to.equal(412);
        });

        it('should rename a tree of S3 files through node-1 and serve them when their creator is dead', async () => {
          const res = await call(n1, 'PATCH', '/v1/files/dead/k', {
            body: JSON.stringify({ name: 'k2' }),
            headers: JSON_HEADERS,
          });
          const got = [];
          for (const u of [n1, n2]) {
            for (const f of ['a.bin', 'sub/b.bin', 'local.bin']) {
              got.push(await shaOf(u, `/dead/k2/${f}`));
            }
          }
          expect([res.status, (await jsonOf(res)).code ?? null]).to.deep.equal([200, null]);
          expect(got).to.deep.equal(Array(6).fill(`200 ${sha256(data)}`));
        });

        it('should delete a tree of S3 files and their objects through node-1 when their creator is dead', async () => {
          const before = (await mixed.objectKeys()).length;
          const res = await call(n1, 'DELETE', '/v1/files/dead/rd?recursive=true');
          const after = (await mixed.objectKeys()).length;
          expect([res.status, before - after]).to.deep.equal([204, 2]);
        });
      });
    } else {
      // Last: node-3 stays dead. Without the bucket, node-1 and node-2 forward to it.
      describe('node-1 and node-2 forwarding to node-3', () => {
        let urls: string[];
        before(() => {
          urls = mixed.urls;
        });

        it('should serve and replace an S3 file through node-1 when node-1 has no bucket', async () => {
          const data = randomBytes(2 * 1024 * 1024);
          await call(urls[2]!, 'PUT', '/v1/files/fwd/a.bin', { body: data });
          const got = await call(urls[0]!, 'GET', '/v1/files/fwd/a.bin');
          const gotSha = sha256(Buffer.from(await got.arrayBuffer()));
          const put = await call(urls[1]!, 'PUT', '/v1/files/fwd/a.bin', { body: 'v2' });
          const after = await (await call(urls[2]!, 'GET', '/v1/files/fwd/a.bin')).text();
          expect([got.status, gotSha, got.headers.get('x-callfs-backend-type')]).to.deep.equal([
            200,
            sha256(data),
            's3',
          ]);
          expect([put.status, after]).to.deep.equal([200, 'v2']);
        });

        it('should answer 503 OWNER_UNAVAILABLE through node-1 when node-3 is killed', async () => {
          await call(urls[2]!, 'PUT', '/v1/files/fwd/gone.txt', { body: 'x' });
          await mixed.cluster.nodes[2]!.kill('SIGKILL');
          const res = await call(urls[0]!, 'GET', '/v1/files/fwd/gone.txt');
          expect([res.status, (await jsonOf(res)).code]).to.deep.equal([503, 'OWNER_UNAVAILABLE']);
        });
      });
    }
  });
}
