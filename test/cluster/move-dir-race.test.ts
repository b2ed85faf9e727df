// Directory moves on a real 3-node cluster, attacked while they run: a tree of 10 000 files
// spread over every node is moved while other users create and replace files under both the
// source and the destination through every node. Afterwards every inode etcd names must have
// its bytes (size and content) on its owner's disk, every write that was answered 2xx must
// still be there, and no disk holds bytes etcd does not name. Moving a tree also needs the
// right to modify every file it carries, whichever node receives the request.
import { expect } from 'chai';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { Etcd3 } from 'etcd3';
import type { Inode } from '../../src/files/ports.js';
import { inodeKey } from '../../src/metadata/keys.js';
import { decodeInode, encodeInode } from '../../src/metadata/records.js';
import { pathOfKey } from '../../src/metadata/scan.js';
import { startCluster, type TestCluster } from '../support/cluster.js';
import { call, jsonOf, sha256 } from '../support/http.js';
import { API_KEY, OTHER_KEY, ROOT_KEY } from '../support/node.js';

const FILES = 10_000;
const OWNER = 'api-user-0';

/** Where the i-th seeded file lives under the tree: 2000 at the top, the rest in 8 subdirs. */
function rel(i: number): string {
  const name = `f-${String(i).padStart(5, '0')}`;
  return i < 2000 ? `/${name}` : `/d-${i % 8}/${name}`;
}

describe('cluster: directory moves against concurrent writers', function () {
  this.timeout(180_000);
  let cluster: TestCluster;
  let raw: Etcd3;
  const url = (i: number) => cluster.nodes[i]!.url;
  const rootOf = (id: string) => cluster.nodes.find((n) => n.instanceId === id)!.root;

  before(async () => {
    cluster = await startCluster(3);
    raw = new Etcd3({ hosts: cluster.etcd.endpoint });
  });
  after(async () => {
    raw?.close();
    await cluster?.stop();
  });

  /** Puts inodes straight into etcd, 100 per transaction, and each file's bytes on its disk. */
  async function seed(dir: string, known: Map<string, string>): Promise<void> {
    const now = Date.now();
    const dirInode: Inode = {
      type: 'directory',
      instance_id: 'node-1',
      backend_type: 'localfs',
      size: 0,
      mode: 0o755,
      owner: OWNER,
      mtime: now,
      gen: 1,
      state: 'ready',
    };
    const puts: Array<[string, Inode]> = [[dir, dirInode]];
    for (let k = 0; k < 8; k++) puts.push([`${dir}/d-${k}`, dirInode]);
    const disk: Array<[string, string]> = [];
    for (let i = 0; i < FILES; i++) {
      const path = `${dir}${rel(i)}`;
      const owner = `node-${(i % 3) + 1}`;
      const body = `${rel(i)}|seed`;
      known.set(sha256(body), rel(i));
      disk.push([join(rootOf(owner), path), body]);
      puts.push([
        path,
        { ...dirInode, type: 'file', instance_id: owner, size: body.length, mode: 0o644 },
      ]);
    }
    for (let i = 0; i < disk.length; i += 200) {
      await Promise.all(
        disk.slice(i, i + 200).map(async ([file, body]) => {
          await mkdir(dirname(file), { recursive: true });
          await writeFile(file, body);
        }),
      );
    }
    const batches: Array<Array<[string, Inode]>> = [];
    for (let i = 0; i < puts.length; i += 100) batches.push(puts.slice(i, i + 100));
    // Directories first, so no file is ever visible without its parent.
    const put = (batch: Array<[string, Inode]>) =>
      raw
        .if(inodeKey(cluster.prefix, '/never'), 'Version', '==', 0)
        .then(
          ...batch.map(([p, inode]) =>
            raw.put(inodeKey(cluster.prefix, p)).value(encodeInode(inode)),
          ),
        )
        .commit();
    await put(batches.shift()!);
    while (batches.length > 0) await Promise.all(batches.splice(0, 10).map(put));
  }

  /** Every inode in etcd, by path. */
  async function inodes(): Promise<Map<string, Inode>> {
    const all = await raw.getAll().prefix(`${cluster.prefix}fs`).buffers();
    const cut = Buffer.byteLength(cluster.prefix);
    const out = new Map<string, Inode>();
    for (const [key, value] of Object.entries(all)) {
      const path = pathOfKey(Buffer.from(key).subarray(cut));
      out.set(path, decodeInode(path, value.toString()));
    }
    return out;
  }

  /** Every file on a node's disk outside the internal folder, as API paths. */
  async function diskFiles(root: string): Promise<string[]> {
    const entries = await readdir(root, { recursive: true, withFileTypes: true });
    return entries
      .filter((e) => e.isFile())
      .map((e) => `/${relative(root, join(e.parentPath, e.name))}`)
      .filter((p) => !p.startsWith('/.callfs/'));
  }

  it('should keep every inode backed by its bytes when writers race a move of 10 000 files', async () => {
    const known = new Map<string, string>(); // sha256 of a body → the relative path it was for
    await seed('/big', known);
    const ok: string[] = []; // relative paths of writes answered 2xx
    const statuses = new Map<string, number>();
    let seq = 0;
    const write = async (n: number): Promise<void> => {
      const id = seq++;
      const node = url(id % 3);
      const key = id % 2 === 0 ? API_KEY : OTHER_KEY;
      const pick = Math.floor(Math.random() * FILES);
      const plans: Array<[string, string, string]> = [
        ['PUT', '/big', rel(pick)], // replace under the source
        ['POST', '/big', `/new-${n}-${id}`], // create under the source
        ['POST', '/moved', rel(pick)], // create of a name the move is about to write
        ['POST', '/moved', `/d-3/new-${n}-${id}`], // create under the destination
        ['PUT', '/moved', rel(pick)], // replace under the destination
      ];
      const [method, base, r] = plans[id % plans.length]!;
      const body = `${r}|w${id}`;
      known.set(sha256(body), r);
      const res = await call(node, method, `/v1/files${base}${r}`, { body, key });
      const code =
        res.status < 300 ? String(res.status) : `${res.status} ${(await jsonOf(res)).code}`;
      if (res.status < 300) {
        await res.arrayBuffer().catch(() => undefined);
        ok.push(r);
      }
      const tag = `${method} ${base} ${code}`;
      statuses.set(tag, (statuses.get(tag) ?? 0) + 1);
    };

    let moving = true;
    const move = call(url(1), 'PATCH', '/v1/files/big', {
      body: JSON.stringify({ destination: '/moved' }),
    })
      .catch(() => null)
      .finally(() => (moving = false));
    // Writers start once the destination exists (before, a create there would simply make the
    // move answer 409) and run until the move has answered.
    while (moving && (await call(url(0), 'HEAD', '/v1/files/moved')).status !== 200) {
      await new Promise((r) => setTimeout(r, 5));
    }
    await Promise.all(
      Array.from({ length: 4 }, async (_, n) => {
        while (moving) await write(n);
      }),
    );
    // The job outlives its request: a PATCH that outlasts the server's idle timeout loses its
    // connection, and then the job's end shows as its journal entry going away.
    const res = await move;
    for (let i = 0; i < 600; i++) {
      if ((await raw.getAll().prefix(`${cluster.prefix}ops/`).keys()).length === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(res?.status ?? 200, res ? JSON.stringify(await res.clone().json()) : '').to.equal(200);

    const etcd = await inodes();
    const problems: string[] = [];
    const named = new Map<string, Set<string>>();
    for (const [path, inode] of etcd) {
      if (inode.state !== 'ready') problems.push(`${path} left ${inode.state}`);
      if (inode.type !== 'file') continue;
      if (!named.has(inode.instance_id)) named.set(inode.instance_id, new Set());
      named.get(inode.instance_id)!.add(path);
      const bytes = await readFile(join(rootOf(inode.instance_id), path)).catch(() => null);
      const base = path.startsWith('/moved/') ? path.slice('/moved'.length) : path.slice(4);
      if (!bytes) problems.push(`${path}: etcd names it on ${inode.instance_id}, no bytes`);
      else if (bytes.length !== inode.size) problems.push(`${path}: size ${bytes.length}`);
      else if (known.get(sha256(bytes)) !== base) problems.push(`${path}: foreign bytes`);
    }
    for (let i = 0; i < FILES; i++) {
      if (!etcd.has(`/moved${rel(i)}`)) problems.push(`seeded ${rel(i)} lost`);
    }
    for (const r of ok) {
      if (!etcd.has(`/moved${r}`) && !etcd.has(`/big${r}`)) problems.push(`write ${r} lost`);
    }
    for (const node of cluster.nodes) {
      for (const p of await diskFiles(node.root)) {
        if (!named.get(node.instanceId)?.has(p)) problems.push(`${node.instanceId}${p} unnamed`);
      }
    }
    expect(problems.slice(0, 20), JSON.stringify([...statuses])).to.deep.equal([]);
    // The attack ran: writes were tried and some were answered while the move ran.
    expect(seq, JSON.stringify([...statuses])).to.be.greaterThan(10);
  });

  it('should accept creates under the destination again when the move is done', async () => {
    const res = await call(url(2), 'POST', '/v1/files/moved/after.txt', { body: 'after' });
    expect(res.status).to.equal(201);
  });

  describe('permissions', () => {
    beforeEach(async () => {
      await call(url(0), 'DELETE', '/v1/files/perm?recursive=true', { key: ROOT_KEY });
      expect((await call(url(0), 'POST', '/v1/files/perm/')).status).to.equal(201);
      const b = await call(url(2), 'POST', '/v1/files/perm/sub/b.txt', {
        body: 'b',
        key: OTHER_KEY,
      });
      expect(b.status).to.equal(201);
    });

    it('should answer 403 PERMISSION_DENIED when the owner of the directory moves a tree holding another user file', async () => {
      const res = await call(url(1), 'PATCH', '/v1/files/perm', {
        body: JSON.stringify({ destination: '/perm-a' }),
      });
      const still = await call(url(0), 'GET', '/v1/files/perm/sub/b.txt');
      expect([res.status, (await jsonOf(res)).code, still.status]).to.deep.equal([
        403,
        'PERMISSION_DENIED',
        200,
      ]);
    });
    it('should answer 403 PERMISSION_DENIED when the owner of a file moves the directory of another user', async () => {
      const res = await call(url(2), 'PATCH', '/v1/files/perm', {
        body: JSON.stringify({ destination: '/perm-b' }),
        key: OTHER_KEY,
      });
      const moved = await call(url(0), 'HEAD', '/v1/files/perm-b');
      expect([res.status, (await jsonOf(res)).code, moved.status]).to.deep.equal([
        403,
        'PERMISSION_DENIED',
        404,
      ]);
    });
    it('should move the tree when an admin moves it from a node that owns none of it', async () => {
      const res = await call(url(1), 'PATCH', '/v1/files/perm', {
        body: JSON.stringify({ destination: '/perm-root' }),
        key: ROOT_KEY,
      });
      const got = await call(url(0), 'GET', '/v1/files/perm-root/sub/b.txt');
      expect([res.status, sha256(Buffer.from(await got.arrayBuffer()))]).to.deep.equal([
        200,
        sha256('b'),
      ]);
    });
  });
});
