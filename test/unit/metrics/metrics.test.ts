// The node's metrics object: its own registry per node (no global default), every metric of
// API.md §5 registered, the Prometheus text format, and the link-generation counter.
import { expect } from 'chai';
import { register as globalRegistry } from 'prom-client';
import { Metrics } from '../../../src/metrics/metrics.js';
import { sample } from './samples.js';

const NAMES = [
  'callfs_http_requests_total',
  'callfs_http_request_duration_seconds',
  'callfs_file_operations_total',
  'callfs_backend_op_duration_seconds',
  'callfs_single_use_link_generations_total',
  'callfs_proxy_request_duration_seconds',
  'callfs_etcd_request_duration_seconds',
];

describe('Metrics', () => {
  it('should register every documented metric when created', async () => {
    const names = (await new Metrics().registry.getMetricsAsJSON()).map((m) => m.name);
    expect(names).to.include.members(NAMES);
  });

  it('should keep counts apart when two nodes run in one process', async () => {
    const a = new Metrics();
    const b = new Metrics();
    a.linkGenerated();
    expect(await sample(a, 'callfs_single_use_link_generations_total')).to.equal(1);
    expect(await sample(b, 'callfs_single_use_link_generations_total')).to.equal(0);
  });

  it("should leave prom-client's global registry empty when metrics are created", async () => {
    new Metrics({ defaultMetrics: true });
    expect(globalRegistry.getMetricsAsArray()).to.have.length(0);
  });

  it('should include the Node process metrics when defaultMetrics is asked for', async () => {
    const text = await new Metrics({ defaultMetrics: true }).render();
    expect(text).to.match(/^process_cpu_user_seconds_total /m);
    expect(text).to.match(/^nodejs_heap_size_used_bytes /m);
  });

  it('should leave the Node process metrics out when defaultMetrics is not asked for', async () => {
    expect(await new Metrics().render()).not.to.include('process_cpu_user_seconds_total');
  });

  it('should report the waiting directory moves as the files service counts them when scraped', async () => {
    const metrics = new Metrics();
    let waiting = 2;
    metrics.waitingMoves(() => waiting);
    const first = await sample(metrics, 'callfs_directory_moves_waiting');
    waiting = 0;
    const second = await sample(metrics, 'callfs_directory_moves_waiting');
    expect([first, second]).to.deep.equal([2, 0]);
  });

  it('should count the left-behind journal entries by kind as the last sweep saw them when scraped', async () => {
    const metrics = new Metrics();
    let kinds = ['ops-move-file', 'ops-move-dir-disk', 'ops-move-file'];
    metrics.leftBehindJournal(() => kinds);
    const first = await sample(metrics, 'callfs_journal_left_behind_entries', {
      kind: 'ops-move-file',
    });
    kinds = [];
    const second = await sample(metrics, 'callfs_journal_left_behind_entries', {
      kind: 'ops-move-file',
    });
    expect([first, second]).to.deep.equal([2, undefined]);
  });

  it('should render the Prometheus text format when asked', async () => {
    const metrics = new Metrics();
    metrics.httpRequest('GET', '/v1/files/*', 200, 0.01);
    expect(metrics.contentType).to.match(/^text\/plain; version=0\.0\.4/);
    expect(await metrics.render()).to.include(
      'callfs_http_requests_total{method="GET",path="/v1/files/*",status_code="200"} 1',
    );
  });

  it('should observe one duration per request when requests are recorded', async () => {
    const metrics = new Metrics();
    metrics.httpRequest('PUT', '/v1/files/*', 201, 0.2);
    metrics.httpRequest('PUT', '/v1/files/*', 200, 0.3);
    const labels = { method: 'PUT', path: '/v1/files/*' };
    expect(await sample(metrics, 'callfs_http_request_duration_seconds_count', labels)).to.equal(2);
    expect(await sample(metrics, 'callfs_http_request_duration_seconds_sum', labels)).to.be.closeTo(
      0.5,
      1e-9,
    );
  });
});
