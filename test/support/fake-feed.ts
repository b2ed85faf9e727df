// A change feed for unit tests of the cache (CachedMetadata): a test says whether it is current
// and connected, and delivers other writers' changes, as the etcd watch would, when it wants.
import type { InodeRecord } from '../../src/files/ports.js';
import { inodeKey } from '../../src/metadata/keys.js';
import { encodeInode } from '../../src/metadata/records.js';
import type { ChangeFeed, FeedListener } from '../../src/metadata/watch-feed.js';

export class FakeFeed implements ChangeFeed {
  current = true;
  connected = true;
  private listener?: FeedListener;
  isCurrent(): boolean {
    return this.connected && this.current;
  }
  isConnected(): boolean {
    return this.connected;
  }
  subscribe(listener: FeedListener): void {
    this.listener = listener;
  }
  /** Delivers what another writer committed, as the watch would. */
  deliver(rec: InodeRecord | { path: string; deleted: true; revision: string }): void {
    const value = 'deleted' in rec ? null : Buffer.from(encodeInode(rec.inode));
    this.listener?.change(
      Buffer.from(inodeKey('', rec.path)),
      value,
      BigInt(rec.revision),
      'deleted' in rec ? '0' : rec.created,
    );
  }
  deliverRaw(key: string, value: string | null, revision: bigint): void {
    this.listener?.change(
      Buffer.from(key),
      value === null ? null : Buffer.from(value),
      revision,
      value === null ? '0' : String(revision),
    );
  }
  reset(): void {
    this.listener?.reset();
  }
}
