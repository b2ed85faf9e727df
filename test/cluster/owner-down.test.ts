// Owner failures: a dead owner (kill -9, port refused) or a hung one (SIGSTOP) gives 503
// OWNER_UNAVAILABLE naming it; other paths keep working; a restarted owner serves again.
import { expect } from 'chai';
import { startCluster, type TestCluster } from '../support/cluster.js';
import { call, jsonOf } from '../support/http.js';
import { until } from '../support/wait.js';

describe('cluster: owner down', function () {
  this.timeout(120_000);
  let cluster: TestCluster;
  let n1: string;

  before(async () => {
    cluster = await startCluster(3);
    n1 = cluster.nodes[0]!.url;
    await call(cluster.nodes[0]!.url, 'POST', '/v1/files/od/one.txt', { body: 'one' });
    await call(cluster.nodes[1]!.url, 'POST', '/v1/files/od/two.txt', { body: 'two' });
    await call(cluster.nodes[2]!.url, 'POST', '/v1/files/od/three.txt', { body: 'three' });
  });
  after(async () => {
    await cluster?.stop();
  });

  describe('when the owner is killed', () => {
    before(async () => {
      await cluster.nodes[2]!.kill('SIGKILL');
    });

    it('should answer 503 OWNER_UNAVAILABLE naming the owner when its port refuses', async () => {
      const res = await call(n1, 'GET', '/v1/files/od/three.txt');
      const body = await jsonOf(res);
      expect(res.status).to.equal(503);
      expect(body.code).to.equal('OWNER_UNAVAILABLE');
      expect(body.instance_id).to.equal('node-3');
    });
    it('should send Retry-After when the owner is unavailable', async () => {
      const res = await call(n1, 'HEAD', '/v1/files/od/three.txt');
      expect(res.status).to.equal(503);
      expect(res.headers.get('retry-after')).to.equal('1');
    });
    it('should answer 503 for a PUT when the owner is down', async () => {
      const res = await call(n1, 'PUT', '/v1/files/od/three.txt', { body: 'new' });
      expect(res.status).to.equal(503);
    });
    it('should keep serving paths of live owners when one owner is down', async () => {
      const res = await call(n1, 'GET', '/v1/files/od/two.txt');
      expect(await res.text()).to.equal('two');
    });
    it('should list the directory from etcd when an owner of a child is down', async () => {
      const res = await call(n1, 'GET', '/v1/files/od/');
      expect(res.status).to.equal(200);
    });
    it('should serve the files again when the owner restarts', async () => {
      await cluster.nodes[2]!.restart();
      const res = await call(n1, 'GET', '/v1/files/od/three.txt');
      expect(await res.text()).to.equal('three');
    });
  });

  describe('when the owner hangs', () => {
    before(() => {
      cluster.nodes[1]!.proc.kill('SIGSTOP');
    });
    after(() => {
      cluster.nodes[1]!.proc.kill('SIGCONT');
    });

    it('should answer 503 OWNER_UNAVAILABLE naming the owner when it does not answer', async () => {
      const res = await call(n1, 'GET', '/v1/files/od/two.txt');
      const body = await jsonOf(res);
      expect(res.status).to.equal(503);
      expect(body.instance_id).to.equal('node-2');
    });
    it('should answer 503 naming the owner when a move of its bytes to another node finds it hung', async () => {
      const res = await call(n1, 'PATCH', '/v1/files/od/two.txt', {
        body: JSON.stringify({ destination: '/od/two.txt', instance: 'node-3' }),
      });
      const body = await jsonOf(res);
      expect(res.status).to.equal(503);
      expect(body.instance_id).to.equal('node-2');
    });
    it('should keep serving paths of other owners when one owner hangs', async () => {
      const res = await call(n1, 'GET', '/v1/files/od/one.txt');
      expect(await res.text()).to.equal('one');
    });
  });

  describe('when the owner hangs before a change', () => {
    // A change waits for the owner to accept it, not for a total deadline; a stopped owner never
    // accepts, so it is still reported after peer.ready_timeout_ms. Stopped afresh, so that both
    // calls reach it while its membership lease still runs.
    before(async () => {
      const put = () => call(cluster.nodes[1]!.url, 'PUT', '/v1/files/od/four.txt', { body: '4' });
      expect(await until(async () => (await put()).status < 300), 'node-2 serves again').to.equal(
        true,
      );
      cluster.nodes[1]!.proc.kill('SIGSTOP');
    });
    after(() => {
      cluster.nodes[1]!.proc.kill('SIGCONT');
    });

    it('should answer 503 naming the owner when a delete finds it hung', async () => {
      const res = await call(n1, 'DELETE', '/v1/files/od/four.txt');
      const body = await jsonOf(res);
      expect(res.status).to.equal(503);
      expect(body.instance_id).to.equal('node-2');
    });
    it('should answer 503 naming the owner when a rename on it finds it hung', async () => {
      const res = await call(n1, 'PATCH', '/v1/files/od/four.txt', {
        body: JSON.stringify({ destination: '/od/four-renamed.txt' }),
      });
      const body = await jsonOf(res);
      expect(res.status).to.equal(503);
      expect(body.instance_id).to.equal('node-2');
    });
  });
});
