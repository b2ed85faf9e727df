// One etcd watch on the whole key prefix, feeding the metadata cache, and the judge of whether
// that cache may answer. etcd3's managed watchers cannot ask for progress (they reject the
// response's watch id -1), so this opens its own watch stream and sends progress requests on
// it: etcd answers each on the same stream, so an answer proves the stream delivered what etcd
// had queued for it when the request arrived (etcd 3.4 may let the answer overtake an event
// queued a moment earlier; the bound absorbs that). The feed is current while such an answer
// arrived for a request sent less than `freshnessMs` ago; a paused
// or unreachable etcd therefore stops the cache within that bound instead of leaving it serving
// a frozen view. Any break of the stream (error, end, cancel, compaction) resets the listeners,
// which forget everything, and the stream is opened anew at the current revision.
// Progress is only asked while the cache is used, so an idle node sends nothing.
import type { Etcd3, IDuplexStream, IWatchRequest, IWatchResponse } from 'etcd3';
import { type MetadataLogger, silentLogger } from './etcd-call.js';
import { prefixEnd } from './keys.js';

/** What the feed tells its listener: changes of keys under the prefix, and loss of continuity. */
export interface FeedListener {
  /** `key` relative to the prefix; `value` null for a delete; `revision` the change's. */
  /** `created`: the key's create revision (etcd's; "0" for a delete). */
  change(key: Buffer, value: Buffer | null, revision: bigint, created: string): void;
  /** Changes may have been missed: forget everything learnt from the feed so far. */
  reset(): void;
}

/** The feed as the cache sees it (a fake in unit tests). */
export interface ChangeFeed {
  /** True while every change committed more than the freshness bound ago has been delivered. */
  isCurrent(): boolean;
  /** True while the stream is up, so changes will keep arriving (fills may enter the cache). */
  isConnected(): boolean;
  subscribe(listener: FeedListener): void;
}

export interface WatchFeedOptions {
  client: Etcd3;
  prefix: string;
  /** How old the newest answered progress request may be for the feed to count as current. */
  freshnessMs?: number;
  /** How often progress is requested while the cache is used (default freshnessMs / 4). */
  progressIntervalMs?: number;
  /** After this long without a lookup no more progress is requested (default 10 s). */
  idleAfterMs?: number;
  logger?: MetadataLogger;
}

/** Unanswered progress requests beyond this are not sent (etcd is not answering anyway). */
const MAX_OUTSTANDING = 4;
const MAX_BACKOFF_MS = 5_000;

interface Probe {
  sentAt: number;
  answered: Array<() => void>;
}

export class EtcdWatchFeed implements ChangeFeed {
  private readonly listeners: FeedListener[] = [];
  private readonly prefix: Buffer;
  private readonly freshnessMs: number;
  private readonly idleAfterMs: number;
  private readonly logger: MetadataLogger;
  private stream: IDuplexStream<IWatchRequest, IWatchResponse> | null = null;
  private connected = false;
  private closed = false;
  private freshUntil = 0;
  private lastUse = 0;
  /** Progress requests sent and not answered yet, oldest first (etcd answers in order). */
  private probes: Probe[] = [];
  private backoff = 100;
  private readonly ticker: NodeJS.Timeout;
  private reconnect: NodeJS.Timeout | undefined;

  constructor(private readonly o: WatchFeedOptions) {
    this.prefix = Buffer.from(o.prefix);
    this.freshnessMs = o.freshnessMs ?? 1_000;
    this.idleAfterMs = o.idleAfterMs ?? 10_000;
    this.logger = o.logger ?? silentLogger;
    this.ticker = setInterval(
      () => {
        if (Date.now() - this.lastUse < this.idleAfterMs) this.probe();
      },
      o.progressIntervalMs ?? Math.max(10, Math.floor(this.freshnessMs / 4)),
    );
    this.ticker.unref();
  }

  subscribe(listener: FeedListener): void {
    this.listeners.push(listener);
  }

  /** Opens the watch; resolves once it is established or has failed (it then retries). */
  async start(): Promise<void> {
    await this.open();
  }

  isConnected(): boolean {
    return this.connected;
  }

  isCurrent(): boolean {
    const now = Date.now();
    this.lastUse = now;
    if (!this.connected) return false;
    if (now < this.freshUntil) return true;
    // Coming back from idle (or etcd is slow): ask now rather than at the next tick.
    if (this.probes.length === 0) this.probe();
    return false;
  }

  /**
   * Resolves once every change committed before the call has been delivered (or the stream
   * broke, which resets the listeners): how a test or a caller waits out the feed's lag.
   */
  sync(): Promise<void> {
    if (!this.connected) return Promise.resolve();
    return new Promise((resolve) => {
      const probe = this.probe(true);
      if (probe) probe.answered.push(resolve);
      else resolve();
    });
  }

  close(): void {
    this.closed = true;
    clearInterval(this.ticker);
    clearTimeout(this.reconnect);
    this.drop();
  }

  private async open(): Promise<void> {
    if (this.closed) return;
    let stream: IDuplexStream<IWatchRequest, IWatchResponse>;
    try {
      stream = await this.o.client.watchClient.watch();
    } catch (err) {
      this.broken(null, err);
      return;
    }
    if (this.closed) {
      stream.cancel();
      return;
    }
    this.stream = stream;
    const sentAt = Date.now();
    const created = new Promise<void>((resolve) => {
      stream.on('data', (res) => {
        if (res.created && !res.canceled) {
          this.connected = true;
          this.backoff = 100;
          // The stream starts at the current revision: nothing before it is known.
          this.reset();
          this.freshUntil = sentAt + this.freshnessMs;
          resolve();
          return;
        }
        this.response(stream, res);
      });
      stream.on('error', (err) => {
        this.broken(stream, err);
        resolve();
      });
      stream.on('end', () => {
        this.broken(stream, new Error('watch stream ended'));
        resolve();
      });
    });
    stream.write({
      create_request: { key: this.prefix, range_end: prefixEnd(this.prefix) },
    });
    await created;
  }

  private response(stream: IDuplexStream<IWatchRequest, IWatchResponse>, res: IWatchResponse) {
    if (stream !== this.stream) return;
    if (res.canceled) {
      this.broken(stream, new Error(`watch canceled: ${res.cancel_reason || 'compacted'}`));
      return;
    }
    if (String(res.watch_id) === '-1') {
      const probe = this.probes.shift();
      if (probe) {
        this.freshUntil = Math.max(this.freshUntil, probe.sentAt + this.freshnessMs);
        for (const answered of probe.answered) answered();
      }
      return;
    }
    const cut = this.prefix.length;
    for (const ev of res.events) {
      const key = ev.kv.key.subarray(cut);
      const value = ev.type === 'Delete' ? null : ev.kv.value;
      const revision = BigInt(ev.kv.mod_revision);
      const created = String(ev.kv.create_revision);
      for (const listener of this.listeners) listener.change(key, value, revision, created);
    }
  }

  /** Sends a progress request unless enough are unanswered (`force`: send it anyway). */
  private probe(force = false): Probe | null {
    if (!this.connected || !this.stream) return null;
    if (this.probes.length >= MAX_OUTSTANDING && !force) return null;
    const probe: Probe = { sentAt: Date.now(), answered: [] };
    this.probes.push(probe);
    this.stream.write({ progress_request: {} });
    return probe;
  }

  private broken(stream: IDuplexStream<IWatchRequest, IWatchResponse> | null, err: unknown) {
    if (stream !== this.stream) return;
    if (!this.closed) this.logger.warn({ err }, 'metadata watch broke; cache off until it is back');
    this.drop();
    if (this.closed) return;
    clearTimeout(this.reconnect);
    this.reconnect = setTimeout(() => void this.open(), this.backoff);
    this.reconnect.unref();
    this.backoff = Math.min(this.backoff * 2, MAX_BACKOFF_MS);
  }

  /** Stops using the current stream: nothing cached survives it. */
  private drop(): void {
    const stream = this.stream;
    this.stream = null;
    this.connected = false;
    this.freshUntil = 0;
    const probes = this.probes;
    this.probes = [];
    this.reset();
    for (const probe of probes) for (const answered of probe.answered) answered();
    stream?.cancel();
  }

  private reset(): void {
    for (const listener of this.listeners) listener.reset();
  }
}
