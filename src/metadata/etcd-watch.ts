// The change feed over etcd's watch API. A watch of a directory is a range watch on its
// children (`<prefix>fs<dir>//`) or its subtree (`<prefix>fs<dir>/`) plus a watch of the
// directory's own key, so its deletion or move is seen too; a file's watch is its key. Each
// watch starts at `since + 1` (or the revision read when it began) with previous values, so a
// delete still says what was deleted, and both watchers are cancelled when the reader leaves.
// A resume point older than etcd's compaction is refused before anything is streamed
// (REVISION_COMPACTED); a compaction that overtakes a running watch (etcd3 re-watches from its
// last revision after a reconnect) ends the stream with the same error.
import type { Etcd3, IKeyValue, IRangeRequest, IWatchResponse, Watcher } from 'etcd3';
import type { ChangeFeed, WatchOptions, WatchStream } from '../files/change-feed.js';
import { BadRequestError, CursorExpiredError, NotFoundError } from '../files/errors.js';
import type { Inode } from '../files/ports.js';
import { batchesOf, compactedError, parseRevision, type RawEvent } from './change-events.js';
import { callOptions, mapEtcdError } from './etcd-call.js';
import {
  assertCanonical,
  childrenPrefix,
  DEFAULT_PREFIX,
  inodeKey,
  normalizePrefix,
  subtreePrefix,
} from './keys.js';
import { decodeInode } from './records.js';
import { pathOfKey } from './scan.js';
import { WatchQueue } from './watch-queue.js';

export interface EtcdChangeFeedOptions {
  client: Etcd3;
  prefix?: string;
  requestTimeoutMs?: number;
}

export class EtcdChangeFeed implements ChangeFeed {
  private readonly client: Etcd3;
  private readonly prefix: string;
  private readonly timeoutMs: number;
  private readonly open = new Set<WatchQueue>();

  constructor(o: EtcdChangeFeedOptions) {
    this.client = o.client;
    this.prefix = normalizePrefix(o.prefix ?? DEFAULT_PREFIX);
    this.timeoutMs = o.requestTimeoutMs ?? 5_000;
  }

  async watch(path: string, options: WatchOptions): Promise<WatchStream> {
    assertCanonical(path);
    const since = options.since === undefined ? undefined : parseRevision(options.since);
    const now = Number(
      (await this.range({ key: this.rootKey(), count_only: true })).header.revision,
    );
    if (since !== undefined) {
      if (since > now) throw new BadRequestError(`since ${since} is in the future (now ${now})`);
      // A read at `since` fails exactly when etcd could no longer replay from after it.
      await this.range({ key: this.rootKey(), count_only: true, revision: since }).catch((err) => {
        throw err instanceof CursorExpiredError ? compactedError(String(since), err) : err;
      });
    }
    const isDir = await this.checkTarget(path, since);
    const start = since ?? now;
    const ranges: Array<{ key?: string; prefix?: string }> = [];
    if (path !== '/') ranges.push({ key: inodeKey(this.prefix, path) });
    if (isDir) {
      const prefix = options.recursive
        ? subtreePrefix(this.prefix, path)
        : childrenPrefix(this.prefix, path);
      ranges.push({ prefix });
    }
    const watchers: Watcher[] = [];
    // The queue may end (and release) while it is being built, when the signal already fired.
    const self: { queue?: WatchQueue; released?: boolean } = {};
    const queue = new WatchQueue(() => {
      self.released = true;
      if (self.queue) this.open.delete(self.queue);
      for (const w of watchers) void w.cancel().catch(() => undefined);
    }, options.signal);
    self.queue = queue;
    if (!self.released) this.open.add(queue);
    try {
      for (const r of ranges) {
        let b = this.client.watch();
        b = r.key !== undefined ? b.key(r.key) : b.prefix(r.prefix as string);
        const watcher = await b
          .startRevision(String(start + 1))
          .withPreviousKV()
          .create();
        watchers.push(watcher);
        if (self.released) void watcher.cancel().catch(() => undefined);
        watcher.on('data', (res: IWatchResponse) => queue.push(batchesOf(this.rawEvents(res))));
        watcher.on('error', (err: Error) => {
          queue.fail(
            /compacted/i.test(err.message)
              ? compactedError(String(start), err)
              : mapEtcdError(err, 'watch'),
          );
        });
      }
    } catch (err) {
      queue.end();
      throw mapEtcdError(err, 'watch');
    }
    return { startRevision: String(start), batches: queue };
  }

  /** Ends every open watch (its stream ends cleanly), so a stopping node is not held open. */
  close(): void {
    for (const q of [...this.open]) q.end();
  }

  /**
   * True for a directory; NotFoundError when nothing visible is at `path` now nor, for a
   * resumed watch, at `since`: a client that reconnects after the path was deleted (or moved
   * away) gets that delete replayed rather than a 404 that hides it.
   */
  private async checkTarget(path: string, since: number | undefined): Promise<boolean> {
    if (path === '/') return true;
    const key = Buffer.from(inodeKey(this.prefix, path));
    const visibleAt = async (revision?: number): Promise<Inode | null> => {
      const res = await this.range(revision === undefined ? { key } : { key, revision });
      const kv = res.kvs[0];
      const inode = kv ? decodeInode(path, kv.value.toString('utf8')) : null;
      return inode && inode.state !== 'writing' ? inode : null;
    };
    const inode = (await visibleAt()) ?? (since === undefined ? null : await visibleAt(since));
    if (!inode) throw new NotFoundError(`${path} does not exist`);
    return inode.type === 'directory';
  }

  private rootKey(): Buffer {
    return Buffer.from(`${this.prefix}fs/`);
  }

  private rawEvents(res: IWatchResponse): RawEvent[] {
    const cut = Buffer.byteLength(this.prefix);
    const decode = (path: string, kv: IKeyValue | undefined): Inode | null =>
      kv && kv.value.length > 0 ? decodeInode(path, kv.value.toString('utf8')) : null;
    return res.events.map((ev) => {
      const path = pathOfKey(ev.kv.key.subarray(cut));
      return {
        path,
        revision: ev.kv.mod_revision,
        before: decode(path, ev.prev_kv),
        after: ev.type === 'Delete' ? null : decode(path, ev.kv),
      };
    });
  }

  private async range(req: IRangeRequest) {
    try {
      return await this.client.kv.range(req, callOptions(this.timeoutMs));
    } catch (err) {
      throw mapEtcdError(err, 'watch');
    }
  }
}
