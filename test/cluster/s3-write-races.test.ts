// Writers of one S3 file through every node at once, with the bucket on every node (each node
// serves and commits S3 files itself): PUTs, a PUT with If-Match, a POST, a DELETE, renames
// both ways (with and without overwrite), a backend move and a recursive DELETE of the
// directory, each started after a random pause. After every round each path must read the same
// on every node, as the bytes of a write that was answered 2xx, and an inode in etcd must be
// readable everywhere; at the end the bucket must hold exactly the objects inodes name, and
// each disk exactly the files inodes name, with no temp or S3 journal entry left. Found a
// replace staged on one backend committing over a generation on the other (the old bytes left
// behind, the disk file's inode naming the S3 creator: 404 everywhere).
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { call, sha256 } from '../support/http.js';
import { startMixedCluster, type MixedCluster } from '../support/s3-cluster.js';

const JSON_HEADERS = { 'content-type': 'application/json' };
const ROUNDS = 25;

type Inodes = Map<string, Record<string, unknown>>;

describe('cluster: racing writers of S3 files through every node', function () {
  this.timeout(300_000);
  let mixed: MixedCluster;
  let raw: Etcd3;
  let urls: string[];

  before(async () => {
    mixed = await startMixedCluster({ bucketOnAll: true });
    urls = mixed.urls;
    raw = new Etcd3({ hosts: mixed.cluster.etcd.endpoint });
  });
  after(async () => {
    raw?.close();
    await mixed?.stop();
  });

  /** Every inode, by path. */
  async function inodes(): Promise<Inodes> {
    const prefix = `${mixed.cluster.prefix}fs`;
    const all = await raw.getAll().prefix(`${prefix}/`).strings();
    const out: Inodes = new Map();
    for (const [key, value] of Object.entries(all)) {
      out.set(key.slice(prefix.length).replace('//', '/'), JSON.parse(value));
    }
    return out;
  }

  /** Status and code (or SHA-256 of the body) of one request. */
  async function answer(res: Response): Promise<string> {
    if (res.status >= 500) return `${res.status} ${((await res.json()) as { code: string }).code}`;
    await res.arrayBuffer();
    return String(res.status);
  }

  async function reads(path: string): Promise<string[]> {
    return Promise.all(
      urls.map(async (u) => {
        const res = await call(u, 'GET', `/v1/files${path}`);
        const body = Buffer.from(await res.arrayBuffer());
        return res.status === 200 ? `200 ${sha256(body)}` : String(res.status);
      }),
    );
  }

  async function leftovers(files: Inodes): Promise<string[]> {
    const found: string[] = [];
    const named = new Set<string>();
    for (const [path, ino] of files) {
      if (ino.state === 'writing') found.push(`claim left at ${path}`);
      if (ino.type === 'file' && ino.backend_type === 's3') named.add(String(ino.write));
    }
    const objects = (await mixed.objectKeys()).map((k) => k.split('/').pop()!);
    for (const o of objects) if (!named.has(o)) found.push(`object ${o} named by no inode`);
    for (const w of named) if (!objects.includes(w)) found.push(`object ${w} missing`);
    for (const node of mixed.cluster.nodes) {
      const onDisk = (await readdir(node.root, { recursive: true, withFileTypes: true }))
        .filter((e) => e.isFile())
        .map((e) => join(e.parentPath, e.name).slice(node.root.length))
        .filter((p) => !p.startsWith('/.callfs/'));
      const mine = [...files]
        .filter(([, i]) => i.type === 'file' && (i.backend_type ?? 'localfs') === 'localfs')
        .filter(([, i]) => i.instance_id === node.instanceId)
        .map(([p]) => p);
      for (const p of onDisk) if (!mine.includes(p)) found.push(`${node.instanceId}: stray ${p}`);
      for (const p of mine) if (!onDisk.includes(p)) found.push(`${node.instanceId}: lost ${p}`);
      for (const dir of ['tmp', 's3']) {
        const left = (await readdir(join(node.root, '.callfs', dir)).catch(() => [])).filter(
          (n) => !n.startsWith('.'),
        );
        if (left.length > 0) found.push(`${node.instanceId}: .callfs/${dir} ${left.join(',')}`);
      }
    }
    return found;
  }

  it('should end every round with one answered version everywhere and no bytes left behind', async () => {
    const problems: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const dir = `/wr${round}`;
      const [f, g] = [`${dir}/f.bin`, `${dir}/g.bin`];
      const seed = randomBytes(1000 + round);
      expect((await call(urls[2]!, 'PUT', `/v1/files${f}`, { body: seed })).status).to.equal(201);
      const etag = (await call(urls[0]!, 'HEAD', `/v1/files${f}`)).headers.get('etag')!;
      const answered = new Set([sha256(seed)]);
      const write = async (i: number, method: string, path: string, size: number) => {
        const body = randomBytes(size);
        const headers: Record<string, string> = method === 'PUT-IF' ? { 'if-match': etag } : {};
        const res = await call(urls[i % 3]!, method === 'PUT-IF' ? 'PUT' : method, path, {
          body,
          headers,
        });
        if (res.status < 300) answered.add(sha256(body));
        return `${method} ${await answer(res)}`;
      };
      const patch = async (i: number, path: string, spec: object) =>
        `PATCH ${await answer(
          await call(urls[i % 3]!, 'PATCH', `/v1/files${path}`, {
            body: JSON.stringify(spec),
            headers: JSON_HEADERS,
          }),
        )}`;
      const ops: Array<() => Promise<string>> = [
        () => write(0, 'PUT', `/v1/files${f}`, 2000 + round),
        () => write(1, 'PUT', `/v1/files${f}`, 9 * 1024 * 1024 + round),
        () => write(2, 'PUT-IF', `/v1/files${f}`, 2000 + round),
        () => write(round + 2, 'POST', `/v1/files${f}`, 9 * 1024 * 1024 + round),
        () => write(round, 'PUT', `/v1/files${g}`, 2000 + round),
        async () =>
          `DELETE ${await answer(await call(urls[round % 3]!, 'DELETE', `/v1/files${f}`))}`,
        () => patch(round + 1, f, { name: 'g.bin', overwrite: round % 2 === 0 }),
        () => patch(round + 1, g, { name: 'f.bin', overwrite: round % 3 === 0 }),
        () => patch(round + 2, f, { destination: f, backend: round % 2 ? 'localfs' : 's3' }),
      ];
      if (round % 4 === 3) {
        ops.push(
          async () =>
            `DELETE dir ${await answer(
              await call(urls[(round + 2) % 3]!, 'DELETE', `/v1/files${dir}?recursive=true`),
            )}`,
        );
      }
      const answers = await Promise.all(
        ops.map(async (op) => {
          await new Promise((r) => setTimeout(r, Math.random() * 120));
          return op();
        }),
      );
      // Past the metadata caches' lag (milliseconds).
      await new Promise((r) => setTimeout(r, 300));
      const files = await inodes();
      for (const path of [f, g]) {
        const seen = await reads(path);
        const what = `${path} (${answers.join(', ')})`;
        if (new Set(seen).size !== 1) problems.push(`${what}: nodes disagree: ${seen.join(' | ')}`);
        for (const s of seen) {
          if (s.startsWith('200 ') && !answered.has(s.slice(4))) {
            problems.push(`${what}: bytes no 2xx write sent`);
          }
          if (s !== '404' && !s.startsWith('200 ')) problems.push(`${what}: read ${s}`);
        }
        const ino = files.get(path);
        if (ino && ino.state !== 'writing' && seen.some((s) => !s.startsWith('200 '))) {
          problems.push(`${what}: etcd names ${JSON.stringify(ino)}, reads ${seen.join(' | ')}`);
        }
      }
    }
    problems.push(...(await leftovers(await inodes())));
    expect(problems).to.deep.equal([]);
  });
});
