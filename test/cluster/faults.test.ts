// Faults on a real cluster: an owner killed mid-upload leaves nothing half-written; etcd paused
// gives fast 503 METADATA_UNAVAILABLE and the nodes recover without a restart; heavy races of
// creates and replaces from all nodes end in one winner or one complete version, never a 5xx.
import { expect } from 'chai';
import { Etcd3 } from 'etcd3';
import { request } from 'node:http';
import { startCluster, type TestCluster } from '../support/cluster.js';
import { untilHung } from '../support/etcd.js';
import { call, jsonOf } from '../support/http.js';
import { API_KEY } from '../support/node.js';
import { until } from '../support/wait.js';
import { uploadTemps } from '../support/temps.js';

/** Streams `mib` MiB to a node; resolves with the status, or 0 when the connection broke. */
function slowUpload(
  base: string,
  method: string,
  path: string,
  mib: number,
  onProgress: (sentMiB: number) => void,
): Promise<number> {
  const url = new URL(base);
  return new Promise((resolve) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method,
        path,
        headers: { authorization: `Bearer ${API_KEY}`, 'content-length': String(mib * 1048576) },
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', () => resolve(0));
    const piece = Buffer.alloc(1048576, 3);
    let sent = 0;
    const pump = (): void => {
      while (sent < mib) {
        sent += 1;
        onProgress(sent);
        if (!req.write(piece)) {
          req.once('drain', pump);
          return;
        }
      }
      req.end();
    };
    pump();
  });
}

describe('cluster: faults and races', function () {
  this.timeout(180_000);
  let cluster: TestCluster;
  let etcd: Etcd3;
  let n: string[];

  before(async () => {
    cluster = await startCluster(3);
    etcd = new Etcd3({ hosts: cluster.etcd.endpoint });
    n = cluster.nodes.map((x) => x.url);
  });
  after(async () => {
    etcd?.close();
    await cluster?.stop();
  });

  describe('owner killed mid-upload', () => {
    it('should keep the old content when the owner dies during a relayed PUT', async function () {
      // The relaying node must end the client's request once the owner is gone, long before
      // its 60 s idle timeout would: a hang fails this test by its own timeout.
      this.timeout(20_000);
      await call(n[0]!, 'POST', '/v1/files/crash/put.bin', { body: 'old content' });
      let killed = false;
      const status = await slowUpload(n[1]!, 'PUT', '/v1/files/crash/put.bin', 200, (mib) => {
        if (mib === 40 && !killed) {
          killed = true;
          void cluster.nodes[0]!.kill('SIGKILL');
        }
      });
      await cluster.nodes[0]!.restart();
      const res = await call(n[2]!, 'GET', '/v1/files/crash/put.bin');
      expect(status).to.not.equal(200);
      expect(await res.text()).to.equal('old content');
    });
    it('should leave no inode and no temp file when the owner dies during a direct POST', async () => {
      let killed = false;
      await slowUpload(n[1]!, 'POST', '/v1/files/crash/post.bin', 200, (mib) => {
        if (mib === 40 && !killed) {
          killed = true;
          void cluster.nodes[1]!.kill('SIGKILL');
        }
      });
      await cluster.nodes[1]!.restart();
      const temps = await uploadTemps(cluster.nodes[1]!.root);
      // The claim was leased to the dead process: it is gone within the lease TTL.
      const gone = await until(
        async () => (await etcd.get(`${cluster.prefix}fs/crash//post.bin`).string()) === null,
      );
      expect(temps).to.deep.equal([]);
      expect(gone).to.equal(true);
    });
    it('should let the path be created again when the crashed create was cleaned up', async () => {
      const res = await call(n[2]!, 'POST', '/v1/files/crash/post.bin', { body: 'fresh' });
      expect(res.status).to.equal(201);
    });
  });

  describe('etcd paused', () => {
    it('should answer 503 METADATA_UNAVAILABLE when etcd does not answer', async () => {
      cluster.etcd.pause();
      try {
        await untilHung(cluster.etcd.endpoint);
        // A node's metadata cache may answer a warm read for up to its freshness bound (1 s)
        // after etcd stopped answering; past it, reads go to etcd.
        let res = await call(n[0]!, 'GET', '/v1/files/crash/put.bin');
        for (const until = Date.now() + 3_000; res.status === 200 && Date.now() < until;) {
          await res.arrayBuffer();
          res = await call(n[0]!, 'GET', '/v1/files/crash/put.bin');
        }
        const body = await jsonOf(res);
        expect(res.status).to.equal(503);
        expect(body.code).to.equal('METADATA_UNAVAILABLE');
      } finally {
        cluster.etcd.resume();
      }
    });
    it('should serve again without a restart when etcd is back', async () => {
      const back = await until(
        async () =>
          (await call(n[0]!, 'PUT', '/v1/files/crash/after.txt', { body: 'ok' })).status === 201,
      );
      // A node whose lease lapsed during the pause registers again in the background.
      const ready = await until(async () =>
        (await Promise.all(n.map((url) => fetch(`${url}/ready`)))).every((r) => r.status === 200),
      );
      expect([back, ready]).to.deep.equal([true, true]);
    });
  });

  describe('races', () => {
    it('should give exactly one 201 and 99 409s when 100 POSTs of one path race over 3 nodes', async () => {
      const statuses = await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          call(n[i % 3]!, 'POST', '/v1/files/races/hundred.txt', { body: `b${i}` }).then(
            (r) => r.status,
          ),
        ),
      );
      expect(statuses.filter((s) => s === 201)).to.have.length(1);
      expect(statuses.filter((s) => s === 409)).to.have.length(99);
    });
    it('should end with one complete body and no 5xx when 50 PUTs of one file race from all nodes', async () => {
      await call(n[0]!, 'POST', '/v1/files/races/fifty.bin', { body: 'seed' });
      const bodies = Array.from({ length: 50 }, (_, i) => Buffer.alloc(64 * 1024 + i, i));
      const statuses = await Promise.all(
        bodies.map((b, i) =>
          call(n[i % 3]!, 'PUT', '/v1/files/races/fifty.bin', { body: b }).then((r) => r.status),
        ),
      );
      const final = Buffer.from(
        await (await call(n[1]!, 'GET', '/v1/files/races/fifty.bin')).arrayBuffer(),
      );
      expect(statuses.filter((s) => s >= 500)).to.deep.equal([]);
      expect(bodies.some((b) => b.equals(final))).to.equal(true);
    });
  });
});
