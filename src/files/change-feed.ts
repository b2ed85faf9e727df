// The change feed port: what the edge's `GET /v1/watch/{path}` and the gRPC `Watch` stream read.
// A watch covers one path: a file's own inode, or a directory's children (or whole subtree)
// plus the directory itself. Changes arrive grouped by store revision, so a client that resumes
// "after revision R" never gets half of a revision; a revision is the feed's resume point.
import type { NodeType } from './ports.js';

export type ChangeKind = 'create' | 'update' | 'delete' | 'move';

/** One visible change of the namespace. In-flight upload claims are never reported. */
export interface Change {
  type: ChangeKind;
  path: string;
  /** Moves: where the entry was before (in the same revision). */
  from?: string;
  /** What the path is (for a delete: what it was). */
  entry_type: NodeType;
  /** The owning node (files) or the creating node (directories). */
  instance_id: string;
  backend_type: string;
  size: number;
  owner: string;
  /** Unix milliseconds. */
  mtime: number;
  /** The store revision of the change: resume with `since` = this value. */
  revision: string;
}

/** Every change of one store revision inside the watched range. */
export interface ChangeBatch {
  revision: string;
  changes: Change[];
}

export interface WatchOptions {
  /** Directories: the whole subtree rather than the direct children. */
  recursive: boolean;
  /** Report only changes after this revision (a revision the client saw); default: from now. */
  since?: string;
  /** Ends the watch and releases the store's watcher. */
  signal: AbortSignal;
}

export interface WatchStream {
  /** The revision the feed starts after: `since`, or the store's revision when it began. */
  startRevision: string;
  /**
   * Batches in revision order. Ends when the signal aborts; throws RevisionCompactedError when
   * the store can no longer replay from where the feed is, MetadataUnavailableError when the
   * store is gone for good.
   */
  batches: AsyncIterable<ChangeBatch>;
}

export interface ChangeFeed {
  /**
   * Starts a watch of `path`. NotFoundError when the path does not exist now,
   * RevisionCompactedError when `since` is older than the store's history, BadRequestError when
   * it is in the future. Both are decided before this resolves.
   */
  watch(path: string, options: WatchOptions): Promise<WatchStream>;
}
