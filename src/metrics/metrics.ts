// One node's Prometheus metrics (API.md §5). Each `Metrics` owns its own Registry — never
// prom-client's global default — so nodes sharing a process (tests) keep separate counts. The
// instrumented ports and the edge record through the small methods below; every label value
// they pass is bounded (route patterns, method and operation names, error codes), never a
// file path or anything a client chooses freely.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { TalliedCounter } from './tally.js';

export interface MetricsOptions {
  /**
   * Also collect Node's process metrics (CPU, memory, event loop, GC). Off by default: it
   * installs process-wide observers, which one node wants and a unit test's edge does not.
   */
  defaultMetrics?: boolean;
}

/** HTTP requests run from milliseconds (metadata) to minutes (large transfers). */
const HTTP_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
/** Calls to other owners: answers to a unary call or a Ready, and whole uploads. */
const PROXY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60];
/** etcd round trips are sub-millisecond on loopback and bounded by the request timeout. */
const ETCD_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
/** Backend operations: opens and renames are fast, temp writes last as long as the upload. */
const BACKEND_BUCKETS = [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 60, 300];

export class Metrics {
  readonly registry = new Registry();
  private readonly httpRequests: TalliedCounter<'method' | 'path' | 'status_code'>;
  private readonly httpDuration: Histogram<'method' | 'path'>;
  private readonly fileOperations: TalliedCounter<'operation' | 'backend_type'>;
  private readonly backendDuration: Histogram<'operation' | 'backend_type'>;
  private readonly linkGenerations: Counter;
  private readonly proxyDuration: Histogram<'operation' | 'outcome'>;
  private readonly etcdDuration: Histogram<'operation' | 'outcome'>;
  private readonly cacheLookups: TalliedCounter<'kind' | 'result'>;
  private cacheSize: () => number = () => 0;
  private readonly journalSetAside: Counter<'kind'>;

  constructor(options: MetricsOptions = {}) {
    const registers = [this.registry];
    this.httpRequests = new TalliedCounter(['method', 'path', 'status_code'], {
      name: 'callfs_http_requests_total',
      help: 'HTTP requests answered, by method, route pattern and status code.',
      registers,
    });
    this.httpDuration = new Histogram({
      name: 'callfs_http_request_duration_seconds',
      help: 'Time from receiving an HTTP request to its response headers, by method and route pattern.',
      labelNames: ['method', 'path'],
      buckets: HTTP_BUCKETS,
      registers,
    });
    this.fileOperations = new TalliedCounter(['operation', 'backend_type'], {
      name: 'callfs_file_operations_total',
      help: 'File operations done on this node, by upstream CallFS operation (create, read, update, delete, list, move) and backend type.',
      registers,
    });
    this.backendDuration = new Histogram({
      name: 'callfs_backend_op_duration_seconds',
      help: 'Duration of storage backend operations, by operation and backend type.',
      labelNames: ['operation', 'backend_type'],
      buckets: BACKEND_BUCKETS,
      registers,
    });
    this.linkGenerations = new Counter({
      name: 'callfs_single_use_link_generations_total',
      help: 'Single-use download links generated on this node.',
      registers,
    });
    this.proxyDuration = new Histogram({
      name: 'callfs_proxy_request_duration_seconds',
      help: 'Duration of calls to the owner of a path on another node, by operation and outcome (ok or the error code).',
      labelNames: ['operation', 'outcome'],
      buckets: PROXY_BUCKETS,
      registers,
    });
    this.etcdDuration = new Histogram({
      name: 'callfs_etcd_request_duration_seconds',
      help: 'Duration of metadata store (etcd) requests, by operation and outcome (ok or the error code).',
      labelNames: ['operation', 'outcome'],
      buckets: ETCD_BUCKETS,
      registers,
    });
    this.cacheLookups = new TalliedCounter(['kind', 'result'], {
      name: 'callfs_metadata_cache_lookups_total',
      help: 'Reads of the metadata cache, by kind (inode, node) and result: hit (no etcd request), miss (read from etcd), bypass (cache not current: read from etcd).',
      registers,
    });
    const size = (): number => this.cacheSize();
    new Gauge({
      name: 'callfs_metadata_cache_entries',
      help: 'Inodes held by the metadata cache.',
      registers,
      collect() {
        this.set(size());
      },
    });
    this.journalSetAside = new Counter({
      name: 'callfs_journal_quarantined_total',
      help: 'Journal entries start-up recovery could neither finish nor drop and set aside for an operator (see callfs fsck), by journal and entry kind.',
      labelNames: ['kind'],
      registers,
    });
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry });
  }

  /** The Content-Type of `render()`'s text (the Prometheus text exposition format). */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** Every metric of this node in the Prometheus text format. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  httpRequest(method: string, path: string, status: number, seconds: number): void {
    this.httpRequests.inc(method, path, String(status));
    this.httpDuration.observe({ method, path }, seconds);
  }

  fileOperation(operation: string, backendType: string): void {
    this.fileOperations.inc(operation, backendType);
  }

  backendOp(operation: string, backendType: string, seconds: number): void {
    this.backendDuration.observe({ operation, backend_type: backendType }, seconds);
  }

  /** One single-use link was generated (the links service's `onGenerated`). */
  linkGenerated(): void {
    this.linkGenerations.inc();
  }

  proxyRequest(operation: string, outcome: string, seconds: number): void {
    this.proxyDuration.observe({ operation, outcome }, seconds);
  }

  etcdRequest(operation: string, outcome: string, seconds: number): void {
    this.etcdDuration.observe({ operation, outcome }, seconds);
  }

  cacheLookup(kind: string, result: string): void {
    this.cacheLookups.inc(kind, result);
  }

  /** Where the cache-size gauge reads its value when scraped. */
  observeCacheSize(size: () => number): void {
    this.cacheSize = size;
  }

  /** A journal entry was set aside; `kind` is a bounded label (`local-commit`, `ops-move-dir`...). */
  journalQuarantined(kind: string): void {
    this.journalSetAside.inc({ kind });
  }

  /**
   * Reports, at each scrape, the journal entries of nodes gone for good that wait for them,
   * by entry kind (a bounded label: `ops-move-file`...).
   */
  leftBehindJournal(kinds: () => Iterable<string>): void {
    new Gauge({
      name: 'callfs_journal_left_behind_entries',
      help: 'Journal entries of nodes without membership for longer than metadata_store.adopt_jobs_after_ms that no node takes over (they wait for their node; remove them with etcdctl once it is decommissioned), by entry kind.',
      labelNames: ['kind'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const kind of kinds()) this.inc({ kind });
      },
    });
  }

  /**
   * Reports, at each scrape, how many directory moves this node coordinates wait for an owning
   * node's disk step (their sources stay `moving` meanwhile).
   */
  waitingMoves(count: () => number): void {
    new Gauge({
      name: 'callfs_directory_moves_waiting',
      help: 'Directory moves this node coordinates whose namespace moved but whose source stays moving until an owning node has done its disk step, as its last check (every 10 s) found them.',
      registers: [this.registry],
      collect() {
        this.set(count());
      },
    });
  }

  /** Reports, at each scrape, how many journaled writes wait for their commit outcome. */
  pendingCommits(count: () => number): void {
    new Gauge({
      name: 'callfs_pending_commits',
      help: 'Journaled writes whose commit outcome is not settled yet (etcd unanswered, rename failed).',
      registers: [this.registry],
      collect() {
        this.set(count());
      },
    });
  }
}
