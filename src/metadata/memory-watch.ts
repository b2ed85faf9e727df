// The change feed of the in-memory fake, read from the history the fake keeps for reads at a
// revision (memory-history.ts): after each change it reports what changed in the watched range
// since the last revision it reported, so it behaves like an etcd watch started at `since + 1`,
// compaction included.
import type { ChangeFeed, WatchOptions, WatchStream } from '../files/change-feed.js';
import { BadRequestError, CursorExpiredError, NotFoundError } from '../files/errors.js';
import { batchesOf, compactedError, parseRevision, type RawEvent } from './change-events.js';
import type { Inode } from '../files/ports.js';
import { parentOf } from '../files/paths.js';
import { assertCanonical } from './keys.js';
import type { MemoryStore } from './memory-store.js';
import { WatchQueue } from './watch-queue.js';

export class MemoryChangeFeed implements ChangeFeed {
  constructor(private readonly store: MemoryStore) {}

  async watch(path: string, options: WatchOptions): Promise<WatchStream> {
    assertCanonical(path);
    const since = options.since === undefined ? undefined : parseRevision(options.since);
    const inodes = this.store.inodes;
    const now = Number(this.store.currentRevision());
    if (since !== undefined) {
      if (since > now) throw new BadRequestError(`since ${since} is in the future (now ${now})`);
      try {
        inodes.changesBetween(since, since);
      } catch (err) {
        throw err instanceof CursorExpiredError ? compactedError(String(since), err) : err;
      }
    }
    // A resumed watch of a path deleted since `since` still replays the delete (etcd-watch.ts).
    const visible = <R extends { inode: Inode }>(r: R | undefined): R | undefined =>
      r && r.inode.state !== 'writing' ? r : undefined;
    const target =
      path === '/'
        ? null
        : (visible(inodes.get(path)) ??
          (since === undefined ? undefined : visible(inodes.at(String(since)).get(path))));
    if (path !== '/' && !target) throw new NotFoundError(`${path} does not exist`);
    const isDir = path === '/' || target?.inode.type === 'directory';
    const start = since ?? now;
    const below = path === '/' ? '/' : `${path}/`;
    const watched = (p: string): boolean =>
      p === path || (isDir && (options.recursive ? p.startsWith(below) : parentOf(p) === path));
    let seen = start;
    let unsubscribe = (): void => undefined;
    const queue = new WatchQueue(() => unsubscribe(), options.signal);
    const pump = (): void => {
      const upTo = Number(this.store.currentRevision());
      try {
        const raw: RawEvent[] = inodes
          .changesBetween(seen, upTo)
          .filter((c) => watched(c.key))
          .map((c) => ({
            path: c.key,
            revision: String(c.revision),
            before: c.before?.inode ?? null,
            after: c.after?.inode ?? null,
          }));
        seen = upTo;
        queue.push(batchesOf(raw));
      } catch (err) {
        queue.fail(
          err instanceof CursorExpiredError ? compactedError(String(seen), err) : (err as Error),
        );
      }
    };
    if (!options.signal.aborted) unsubscribe = inodes.subscribe(pump);
    pump();
    return { startRevision: String(start), batches: queue };
  }
}
