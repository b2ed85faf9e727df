// The metadata store's port: the namespace of inodes in etcd (src/metadata/etcd-metadata.ts) or
// in memory (src/metadata/memory-metadata.ts), both held to test/contract/metadata-contract.ts.

export type NodeType = 'file' | 'directory';

/** The inode value stored in the metadata store for one canonical path. */
export interface Inode {
  type: NodeType;
  /** The node owning the bytes (files) or the node that created it (directories). */
  instance_id: string;
  backend_type: string;
  size: number;
  mode: number;
  owner: string;
  /** Unix milliseconds. */
  mtime: number;
  /** Write generation: 0 while a create is in flight, then 1, 2, ... per committed write. */
  gen: number;
  /**
   * `writing`: a create claimed the path and its bytes are not committed yet. `moving`: a
   * directory whose subtree a directory move is re-keying (the source and the destination):
   * nothing may be created under it until the move ends.
   */
  state: 'ready' | 'writing' | 'moving';
  /**
   * The id of the staged write whose bytes this generation names (its temp's `id`), so a
   * journaled temp is never taken for another write that got the same `gen`.
   */
  write?: string;
  /**
   * Files on a store several nodes share (S3): which one (the store's `location`), so any node
   * that reaches the same store serves the file itself, even when its creator is down.
   */
  store?: string;
}

/** An inode as read, with the revision that fences any change made from it. */
export interface InodeRecord {
  path: string;
  inode: Inode;
  /** The store's modification revision of this inode ("0" for the synthesized root). */
  revision: string;
  /**
   * The store revision that created this path's inode: kept by replaces, new when the path is
   * deleted and created again (or moved in afresh), so it tells one file from a later namesake.
   */
  created: string;
}

export interface CreateOptions {
  /**
   * Template for missing ancestors, created as directories in the same transaction; without
   * it a missing parent is NotFoundError.
   */
  parents?: { owner: string; instance_id: string; backend_type: string; mtime: number };
  /** Attach the inode to this node's membership lease: a claim that dies with the node. */
  leased?: boolean;
  /**
   * The write's id: the create applies only while no fence is put for it (`fenceWrite`), and
   * fails with StaleRevisionError once one is.
   */
  fence?: string;
}

export interface MoveOptions {
  /** The destination as read, when it may be overwritten (compared); else it must be absent. */
  overwrite?: InodeRecord | null;
  /** Template for missing destination ancestors; without it a missing parent is FILE_NOT_FOUND. */
  parents?: CreateOptions['parents'];
  /** A journal entry written in the same transaction (see `journal`). */
  journal?: JournalEntry;
}

/** The records a rekey left at their source. */
export interface RekeyResult {
  /** Changed or gone since read: read them again. */
  stale: InodeRecord[];
  /** Unchanged, but their destination key exists: left where they are. */
  taken: InodeRecord[];
}

/** A multi-step operation recorded in the metadata store until all of its steps are done. */
export interface JournalEntry {
  id: string;
  value: { type: string; node: string; [field: string]: unknown };
}

/** One read of the journal: what start-up recovery and `callfs fsck` both need. */
export interface JournalRead {
  /** The entries of the node asked for, oldest first. */
  entries: JournalEntry[];
  /** The keys of entries whose value is not JSON: no node can tell they are its own. */
  unreadable: string[];
}

/** One page of a scan of the namespace (listings, subtree jobs), read at one store revision. */
export interface ScanOptions {
  /** The most records to return (≥ 1). */
  limit: number;
  /** Resume at a previous page's `next` (opaque); BadRequestError when it is not this scan's. */
  from?: string;
  /** Read at this store revision (a previous page's); CursorExpiredError once it is compacted. */
  revision?: string;
  /** Subtree scans: the deepest level returned (0 = children only); deeper ones are skipped. */
  maxDepth?: number;
}

export interface ScanPage {
  /** Inodes in key order, `writing` claims included. */
  records: InodeRecord[];
  /** The store revision the page was read at (pass it on to read the next page). */
  revision: string;
  /** Where the next page starts; absent when the scan is complete. */
  next?: string;
}

export interface CountOptions {
  revision: string;
  /** Count the whole subtree (down to `maxDepth`, 0 = children) rather than the children. */
  recursive?: boolean;
  maxDepth?: number;
}

export interface GetOptions {
  /**
   * Read the store itself, never a cache: for a caller that found the bytes a cached record
   * names already gone (another node replaced a shared store's file and deleted them).
   */
  fresh?: boolean;
}

/** The namespace: path → inode, fenced by this node's membership. */
export interface Metadata {
  /** One inode, or null. The root `/` is synthesized. */
  get(path: string, options?: GetOptions): Promise<InodeRecord | null>;
  /** A directory's direct children, sorted by name (byte order of the UTF-8 names). */
  list(dir: string): Promise<InodeRecord[]>;
  /**
   * Creates `path` and its missing ancestors in one transaction.
   * Throws AlreadyExistsError (with `existing`) when the path exists, ParentNotADirectoryError
   * when an ancestor is a file, NodeNotServingError when this node lost its membership.
   */
  create(path: string, inode: Inode, options: CreateOptions): Promise<InodeRecord>;
  /**
   * Puts the fence of write `id`: a create carrying it (`CreateOptions.fence`) that etcd holds
   * unanswered can never apply after this returns. Idempotent; kept for an hour.
   */
  fenceWrite(id: string): Promise<void>;
  /** Replaces an inode if unchanged since `expected` was read; else StaleRevisionError. */
  replace(expected: InodeRecord, inode: Inode): Promise<InodeRecord>;
  /**
   * Deletes an inode if unchanged since read (StaleRevisionError). A directory is deleted only
   * when it has no children (DirectoryNotEmptyError), decided in the same transaction.
   */
  remove(expected: InodeRecord): Promise<void>;
  /**
   * Moves a file's inode from `from.path` to `to` (with `inode` as its new value) in one
   * transaction: `from` unchanged since read, the destination absent (or unchanged, with
   * `overwrite`), parents as for create. Throws AlreadyExistsError, StaleRevisionError,
   * ParentNotADirectoryError, NotFoundError (missing parent), NodeNotServingError.
   */
  move(from: InodeRecord, to: string, inode: Inode, options: MoveOptions): Promise<InodeRecord>;
  /** The journal entries of one node, oldest first, and the unreadable ones, in one read. */
  journal(node: string): Promise<JournalRead>;
  /** Removes a journal entry (missing is fine). */
  clearJournal(id: string): Promise<void>;
  /**
   * Removes a journal entry only while it is stored exactly as `expected` (as this node read or
   * wrote it), in one compared delete; false when it changed or is gone. For entries another
   * node may take over (an adopted directory move): a node that stalled past the adoption grace
   * period must not remove the entry of the node that now runs its job.
   */
  clearJournalIfUnchanged(expected: JournalEntry): Promise<boolean>;
  /** Overwrites a journal entry with `value` only while it is stored exactly as `expected`. */
  replaceJournal(expected: JournalEntry, value: JournalEntry['value']): Promise<boolean>;
  /**
   * Re-keys records from under `from` to under `to` (the values as given), each compared
   * unchanged since read and its destination key absent, in fenced transactions of bounded
   * size; returns the records it did not move. A taken destination is never overwritten.
   */
  rekey(records: InodeRecord[], from: string, to: string): Promise<RekeyResult>;
  /** Writes (or overwrites) a journal entry on its own. */
  putJournal(entry: JournalEntry): Promise<void>;
  /**
   * The journal entries of nodes that hold no membership record, oldest first: the entries and
   * the membership records are read at one store revision.
   */
  orphanedJournal(): Promise<JournalEntry[]>;
  /** One journal entry by id, whichever node it names; null when there is none. */
  journalEntry(id: string): Promise<JournalEntry | null>;
  /**
   * Makes an orphaned entry (as `orphanedJournal` read it) this node's, in one fenced
   * transaction that holds only while the entry is unchanged and the node it names still holds
   * no membership record. Returns the entry as now stored, or null when either changed (another
   * node adopted it, or its node came back). NodeNotServingError when this node lost its own.
   */
  adoptJournal(entry: JournalEntry): Promise<JournalEntry | null>;
  /** One page of a directory's direct children, in byte order of their names. */
  listPage(dir: string, options: ScanOptions): Promise<ScanPage>;
  /**
   * One page of every descendant of `dir`, in key order: grouped by parent directory, the
   * groups ordered by the bytes of `<parent>//`, names in byte order within a group.
   */
  scanSubtree(dir: string, options: ScanOptions): Promise<ScanPage>;
  /** How many inodes a listing holds at a revision (`writing` claims included). */
  count(dir: string, options: CountOptions): Promise<number>;
  /**
   * Removes every record unchanged since read (a directory only if it has no children), in
   * fenced transactions of at most 128 ops each; returns the records it did not remove
   * (changed, gone, or a directory not empty). The records of one call must not contain each
   * other. NodeNotServingError when this node lost its membership.
   */
  removeMany(records: InodeRecord[]): Promise<InodeRecord[]>;
}
