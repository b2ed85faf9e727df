// The operations endpoints of a real node (API.md §5) on a real etcd: `/metrics` (auth, the
// Prometheus text format, route-pattern labels, file/backend/etcd/proxy/link metrics, Node's
// process metrics, one registry per node) and the JSON request log read from the node's own
// logger: the request id on every request line, never the API key.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { expect } from 'chai';
import { createLogger } from '../../src/logger.js';
import { startNode, type RunningNode } from '../../src/node.js';
import { startEtcd, type EtcdHandle } from '../support/etcd.js';
import { call, jsonOf } from '../support/http.js';
import {
  API_KEY,
  startInProcessNode,
  testConfig,
  uniquePrefix,
  type InProcessNode,
} from '../support/node.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a Prometheus text exposition (comments skipped). */
function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[k] = v;
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return samples;
}

/** The value of the sample of `name` whose labels include `labels`, or undefined. */
function valueOf(
  samples: Sample[],
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  return samples.find(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  )?.value;
}

describe('operations endpoints', function () {
  this.timeout(30_000);
  let etcd: EtcdHandle;
  let root: string;
  let a: RunningNode;
  let b: InProcessNode;
  let base: string;
  const logs: string[] = [];

  const scrape = async (url = base): Promise<Sample[]> =>
    parseMetrics(await (await call(url, 'GET', '/metrics')).text());
  const logLines = (): Array<Record<string, unknown>> =>
    logs
      .join('')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);

  before(async () => {
    etcd = await startEtcd();
    root = await mkdtemp(join(tmpdir(), 'callfs-ops-'));
    const prefix = uniquePrefix();
    const config = testConfig({ etcdEndpoint: etcd.endpoint, prefix, instanceId: 'node-a', root });
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        logs.push(chunk.toString());
        callback();
      },
    });
    a = await startNode(config, createLogger({ level: 'info', format: 'json' }, sink));
    base = a.httpUrl;
    b = await startInProcessNode(etcd.endpoint, { prefix, instanceId: 'node-b' });
  });
  after(async () => {
    await b?.stop();
    await a?.close();
    if (root) await rm(root, { recursive: true, force: true });
    await etcd?.stop();
  });

  describe('GET /metrics', () => {
    it('should answer 401 AUTHENTICATION_FAILED when no key is sent', async () => {
      const res = await call(base, 'GET', '/metrics', { key: null });
      expect(res.status).to.equal(401);
      expect((await jsonOf(res)).code).to.equal('AUTHENTICATION_FAILED');
    });

    it('should answer the Prometheus text format when a key is sent', async () => {
      const res = await call(base, 'GET', '/metrics');
      expect(res.status).to.equal(200);
      expect(res.headers.get('content-type')).to.match(/^text\/plain; version=0\.0\.4/);
      expect(await res.text()).to.include('# TYPE callfs_http_request_duration_seconds histogram');
    });

    it('should count requests under the route pattern when files are created', async () => {
      await call(base, 'POST', '/v1/files/ops/one.txt', { body: '1' });
      await call(base, 'POST', '/v1/files/ops/two.txt', { body: '2' });
      const labels = { method: 'POST', path: '/v1/files/*', status_code: '201' };
      const samples = await scrape();
      expect(valueOf(samples, 'callfs_http_requests_total', labels)).to.be.at.least(2);
      expect(samples.some((s) => s.labels.path?.includes('one.txt'))).to.equal(false);
    });

    it('should time requests under method and route when they are answered', async () => {
      await call(base, 'GET', '/v1/files/');
      const labels = { method: 'GET', path: '/v1/files/*' };
      expect(
        valueOf(await scrape(), 'callfs_http_request_duration_seconds_count', labels),
      ).to.be.at.least(1);
    });

    it('should count file operations on localfs when a file is written and read', async () => {
      await call(base, 'PUT', '/v1/files/ops/rw.txt', { body: 'rw' });
      await call(base, 'GET', '/v1/files/ops/rw.txt').then((r) => r.text());
      const samples = await scrape();
      const count = (operation: string) =>
        valueOf(samples, 'callfs_file_operations_total', { operation, backend_type: 'localfs' });
      expect(count('create')).to.be.at.least(1);
      expect(count('read')).to.be.at.least(1);
    });

    it("should count upstream CallFS's update, delete and list when a file is replaced, listed and deleted", async () => {
      await call(base, 'PUT', '/v1/files/ops/cycle.txt', { body: '1' });
      await call(base, 'PUT', '/v1/files/ops/cycle.txt', { body: '2' });
      await call(base, 'GET', '/v1/directories/ops');
      await call(base, 'DELETE', '/v1/files/ops/cycle.txt');
      const samples = await scrape();
      const count = (operation: string) =>
        valueOf(samples, 'callfs_file_operations_total', { operation, backend_type: 'localfs' });
      expect(
        [count('update'), count('list'), count('delete')].map((n) => (n ?? 0) >= 1),
      ).to.deep.equal([true, true, true]);
    });

    it('should time backend operations when a file is written', async () => {
      await call(base, 'PUT', '/v1/files/ops/backend.txt', { body: 'b' });
      const labels = { operation: 'temp_commit', backend_type: 'localfs' };
      expect(
        valueOf(await scrape(), 'callfs_backend_op_duration_seconds_count', labels),
      ).to.be.at.least(1);
    });

    it('should time etcd requests with their outcome when metadata is read', async () => {
      await call(base, 'HEAD', '/v1/files/ops');
      const labels = { operation: 'get', outcome: 'ok' };
      expect(
        valueOf(await scrape(), 'callfs_etcd_request_duration_seconds_count', labels),
      ).to.be.at.least(1);
    });

    it('should read the ops/ journal from etcd once when the node starts', async () => {
      const labels = { operation: 'journal', outcome: 'ok' };
      expect(
        valueOf(await scrape(), 'callfs_etcd_request_duration_seconds_count', labels),
      ).to.equal(1);
    });

    it('should time proxy calls on the relaying node when a file of another node is read', async () => {
      await call(base, 'POST', '/v1/files/ops/owned-by-a.txt', { body: 'a' });
      await call(b.url, 'GET', '/v1/files/ops/owned-by-a.txt').then((r) => r.text());
      const labels = { operation: 'read', outcome: 'ok' };
      expect(
        valueOf(await scrape(b.url), 'callfs_proxy_request_duration_seconds_count', labels),
      ).to.be.at.least(1);
    });

    it('should keep counts per node when two nodes run in one process', async () => {
      await call(base, 'POST', '/v1/files/ops/only-a.txt', { body: 'a' });
      const labels = { method: 'POST', path: '/v1/files/*', status_code: '201' };
      expect(valueOf(await scrape(b.url), 'callfs_http_requests_total', labels)).to.equal(
        undefined,
      );
    });

    it('should count a link generation when a single-use link is generated', async () => {
      await call(base, 'POST', '/v1/files/ops/linked.txt', { body: 'l' });
      const before = valueOf(await scrape(), 'callfs_single_use_link_generations_total') ?? 0;
      const res = await call(base, 'POST', '/v1/links/generate', {
        body: JSON.stringify({ path: '/ops/linked.txt', expiry_seconds: 60 }),
        headers: { 'content-type': 'application/json' },
      });
      expect(res.status).to.equal(201);
      expect(valueOf(await scrape(), 'callfs_single_use_link_generations_total')).to.equal(
        before + 1,
      );
    });

    it('should include the Node process metrics when scraped', async () => {
      const samples = await scrape();
      expect(valueOf(samples, 'process_cpu_user_seconds_total')).to.be.a('number');
      expect(valueOf(samples, 'nodejs_heap_size_used_bytes')).to.be.above(0);
    });
  });

  describe('request log', () => {
    it('should log the request id the client saw when a request is answered', async () => {
      const res = await call(base, 'GET', '/v1/files/');
      const id = res.headers.get('x-request-id');
      const line = logLines().find((l) => l.msg === 'request' && l.request_id === id);
      expect(line).to.include({ method: 'GET', route: '/v1/files/*', status: 200 });
    });

    it('should carry a request id on every request line when requests are answered', async () => {
      await call(base, 'GET', '/health', { key: null });
      await call(base, 'GET', '/v1/nothing');
      const lines = logLines().filter((l) => l.msg === 'request');
      expect(lines).to.have.length.at.least(2);
      expect(lines.every((l) => /^[0-9a-f]{16}$/.test(String(l.request_id)))).to.equal(true);
    });

    it('should never log the API key when requests carry it', async () => {
      await call(base, 'PUT', '/v1/files/ops/secret.txt', { body: 's' });
      await call(base, 'GET', '/v1/files/ops/missing.txt');
      expect(logs.join('')).not.to.include(API_KEY);
    });
  });
});
