// The change feed over etcd's watch API. A watch of a directory covers its children
// (`<prefix>fs<dir>//`) or its subtree (`<prefix>fs<dir>/`) and the directory's own key, so its
// deletion or move is seen too, in one etcd watch (watchRange); a file's watch is its key. Each
// watch starts at `since + 1` (or the revision read when it began) with previous values, so a
// delete still says what was deleted, and the watcher is cancelled when the reader leaves.
// A resume point older than etcd's compaction is refused before anything is streamed
// (REVISION_COMPACTED); a compaction that overtakes a running watch (etcd3 re-watches from its
// last revision after a reconnect) ends the stream with the same error.
import {
  Range,
  type Etcd3,
  type IKeyValue,
  type IRangeRequest,
  type IRangeResponse,
  type IWatchResponse,
  type Watcher,
} from 'etcd3';
import type { ChangeFeed, WatchOptions, WatchStream } from '../files/change-feed.js';
import { BadRequestError, CursorExpiredError, NotFoundError } from '../files/errors.js';
import type { Inode } from '../files/ports.js';
import { batchesOf, compactedError, parseRevision, type RawEvent } from './change-events.js';
import { parentOf } from '../files/paths.js';
import { mapEtcdError, rangeWithin } from './etcd-call.js';
import {
  assertCanonical,
  childrenPrefix,
  DEFAULT_PREFIX,
  inodeKey,
  normalizePrefix,
  prefixEnd,
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
    const { range, watched } = this.watchRange(path, isDir, options.recursive);
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
      const watcher = await this.client
        .watch()
        .inRange(range)
        .startRevision(String(start + 1))
        .withPreviousKV()
        .create();
      watchers.push(watcher);
      if (self.released) void watcher.cancel().catch(() => undefined);
      watcher.on('data', (res: IWatchResponse) =>
        queue.push(batchesOf(this.rawEvents(res).filter((e) => watched(e.path)))),
      );
      watcher.on('error', (err: Error) => {
        queue.fail(
          /compacted/i.test(err.message)
            ? compactedError(String(start), err)
            : mapEtcdError(err, 'watch'),
        );
      });
    } catch (err) {
      queue.end();
      throw mapEtcdError(err, 'watch');
    }
    return { startRevision: String(start), batches: queue };
  }

  /**
   * One key range for the whole watch, so etcd delivers its events in revision order: two
   * watchers (the directory's own key and its children) each replay their history on their
   * own, and a resumed feed could then send a later revision before an earlier one — a client
   * cut after it would resume past changes it never saw. A directory's key
   * (`<prefix>fs<parent>//<name>`) and its children (`<prefix>fs<dir>/…`) are not adjacent:
   * the range spans both, and what lies between (siblings and their subtrees) is filtered out.
   */
  private watchRange(
    path: string,
    isDir: boolean,
    recursive: boolean,
  ): { range: Range; watched: (p: string) => boolean } {
    const nul = Buffer.from([0]);
    const below = Buffer.from(
      recursive ? subtreePrefix(this.prefix, path) : childrenPrefix(this.prefix, path),
    );
    const belowEnd = prefixEnd(below);
    const inside = recursive
      ? (p: string) => p.startsWith(path === '/' ? '/' : `${path}/`)
      : (p: string) => parentOf(p) === path;
    if (path === '/') return { range: new Range(below, belowEnd), watched: inside };
    const own = Buffer.from(inodeKey(this.prefix, path));
    const ownEnd = Buffer.concat([own, nul]);
    if (!isDir) return { range: new Range(own, ownEnd), watched: (p) => p === path };
    const range = new Range(
      Buffer.compare(own, below) < 0 ? own : below,
      Buffer.compare(ownEnd, belowEnd) > 0 ? ownEnd : belowEnd,
    );
    return { range, watched: (p) => p === path || inside(p) };
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

  private range(req: IRangeRequest): Promise<IRangeResponse> {
    return rangeWithin(this.client, this.timeoutMs, req, 'watch');
  }
}
