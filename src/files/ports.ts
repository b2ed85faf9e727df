// The ports of the files service: the small interfaces it needs from the metadata store, the
// storage backend and the owner client, plus the public shape of the service itself (used by
// the HTTP edge and the gRPC server). Implementations live in src/metadata, src/storage and
// src/peer and are wired together only in the composition root.
import type { Readable, Writable } from 'node:stream';
import type { FileInfo__Output } from '../generated/callfs/v1/FileInfo.js';
import type { WriteMode } from '../generated/callfs/v1/WriteMode.js';
import type { ByteRange, ByteSpan } from './byte-range.js';
import type { Conditions } from './conditions.js';

/** A file or directory as the API reports it (the proto's FileInfo). */
export type FileInfo = FileInfo__Output;

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

/** The namespace: path → inode, fenced by this node's membership. */
export interface Metadata {
  /** One inode, or null. The root `/` is synthesized. */
  get(path: string): Promise<InodeRecord | null>;
  /** A directory's direct children, sorted by name (byte order of the UTF-8 names). */
  list(dir: string): Promise<InodeRecord[]>;
  /**
   * Creates `path` and its missing ancestors in one transaction.
   * Throws AlreadyExistsError (with `existing`) when the path exists, ParentNotADirectoryError
   * when an ancestor is a file, NodeNotServingError when this node lost its membership.
   */
  create(path: string, inode: Inode, options: CreateOptions): Promise<InodeRecord>;
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
  /** The journal entries of one node, oldest first. */
  journal(node: string): Promise<JournalEntry[]>;
  /** Removes a journal entry (missing is fine). */
  clearJournal(id: string): Promise<void>;
  /**
   * Re-keys records from under `from` to under `to` (the values as given), each compared
   * unchanged since read and its destination key absent, in fenced transactions of bounded
   * size; returns the records it did not move. A taken destination is never overwritten.
   */
  rekey(records: InodeRecord[], from: string, to: string): Promise<RekeyResult>;
  /** Writes (or overwrites) a journal entry on its own. */
  putJournal(entry: JournalEntry): Promise<void>;
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

/** What a node publishes about itself in the membership registry. */
export interface NodeRecord {
  instance_id: string;
  http_url: string;
  grpc_addr: string;
  backends: string[];
  /** The `location` of each shared store this node reaches (S3 buckets), when any. */
  stores?: string[];
  /** Unix milliseconds. */
  started: number;
  /**
   * Unix milliseconds when the lease that holds the record now took it: set by the membership
   * adapter at each (re-)registration, so `now - leased` is the lease's age.
   */
  leased?: number;
}

/** Node membership: a record per live node, held by a lease. */
export interface Membership {
  /**
   * Publishes this node's record, create-if-absent on its instance id, attached to a lease
   * that is kept alive. Throws AlreadyExistsError when another live process holds the id.
   */
  register(node: NodeRecord): Promise<void>;
  /** Revokes the lease, removing the record and every leased claim. */
  deregister(): Promise<void>;
  /** True while this node holds its membership lease. */
  isServing(): boolean;
  getNode(instanceId: string): Promise<NodeRecord | null>;
  listNodes(): Promise<NodeRecord[]>;
}

export interface TempFile {
  /** Unique per write; recorded in its journal entry and in the inode it commits. */
  readonly id: string;
  /** Streams `body` into the temp file, enforcing `maxBytes`, then fsyncs. Returns the size. */
  write(
    body: AsyncIterable<Buffer>,
    options: { maxBytes: number; signal?: AbortSignal },
  ): Promise<number>;
  /**
   * Journals that this temp is about to be committed as generation `gen` (fsynced), replacing
   * the generation written by `replaces` (its write id): a backend that keeps each generation
   * apart (S3) deletes that one once this one is committed.
   */
  prepare(gen: number, replaces?: string): Promise<void>;
  /** Renames the temp over the target path (creating disk parents) and fsyncs the directory. */
  commit(): Promise<void>;
  /** Removes the temp file and its journal entry. Idempotent. */
  discard(): Promise<void>;
}

/**
 * A body that can also send itself into a sink whose write callback means the chunk was
 * consumed (a socket), reusing its buffers instead of allocating one per chunk. `sendTo`
 * is used instead of reading the stream, never after; it ends the sink on success and
 * destroys the body either way.
 */
export interface DirectBody {
  sendTo(sink: Writable): Promise<void>;
}

export interface OpenedFile {
  /** From fstat of the opened file, so Content-Length matches the bytes served. */
  size: number;
  mtimeMs: number;
  /** The whole file, or the span `select` chose. */
  body: Readable;
}

/**
 * Chooses which bytes of an opened file to read, once its size is known: a span, or null for
 * the whole file. It may throw (an unsatisfiable range), which fails the open.
 */
export type SpanSelector = (size: number) => ByteSpan | null;

/** Whether etcd names this (path, gen, write id) as the path's current content on this node. */
export type IsCurrent = (path: string, gen: number, write?: string) => Promise<boolean>;

export interface RecoveryReport {
  rolledForward: string[];
  discarded: number;
  /** Journal entries that could be neither rolled forward nor dropped, set aside. */
  quarantined: QuarantinedEntry[];
}

/**
 * A journal entry start-up recovery could not finish nor safely drop (unreadable, naming a
 * path the disk refuses, a foreign object in the way, a permission error...). It is kept for
 * an operator, never retried silently, and never blocks the node from starting.
 */
export interface QuarantinedEntry {
  /** A bounded label: which journal and which kind of entry (e.g. `local-commit`, `move-file`). */
  kind: string;
  /** The entry's id (a file name in the backend's journal, or an etcd `ops/` id). */
  id: string;
  /** The API path it names, when it could be read. */
  path?: string;
  reason: string;
  /** Where it was kept (a folder of the backend, or `etcd` when left in place). */
  keptAt: string;
}

/**
 * One generation of a file's bytes: its canonical API path and the write id its inode names.
 * A path-addressed backend (localfs) finds the bytes by path; one that keeps every generation
 * under its own key (S3) finds them by write id.
 */
export interface FileRef {
  path: string;
  write?: string;
}

/**
 * A byte store. Paths are canonical API paths. What every backend does: stage, commit, open
 * and remove one generation of a file, and recover its journal. Path-addressed backends add
 * the operations on paths (PathStorage).
 */
export interface Storage {
  readonly backendType: string;
  /**
   * Set on a store several nodes may share (S3): the same on every node that reaches the same
   * store (endpoint and bucket), so those nodes serve its files without a hop to the creator.
   */
  readonly location?: string;
  /**
   * Opens a file for reading; NotFoundError when it is not there. With `select`, the body is
   * the chosen span only, read from its offset (the bytes before it are never read).
   */
  open(file: FileRef, signal?: AbortSignal, select?: SpanSelector): Promise<OpenedFile>;
  /** The longest API path (UTF-8 bytes) this backend can hold a file at. */
  readonly maxPathBytes: number;
  /**
   * Decides, before anything is committed, whether this backend can hold a file at `path`:
   * InvalidPathError naming the limit when the path is too long for it, or naming the object
   * when something the backend did not put there (a symbolic link, a FIFO, a device, a
   * non-empty directory) is in the way or on the way.
   */
  checkPath(path: string): Promise<void>;
  /** Starts a write of `path` into a temp file in the backend's internal folder (checkPath). */
  createTemp(path: string): Promise<TempFile>;
  /** Removes a file's bytes (missing is fine) and empty disk directories left behind. */
  remove(file: FileRef): Promise<void>;
  /**
   * Start-up journal recovery: each prepared temp whose (path, gen, write id) `isCurrent`
   * confirms is renamed into place; every other temp is deleted. Journals written before write
   * ids existed pass `write` undefined. An entry that can be neither is moved aside (reported
   * in `quarantined`) and the others are still recovered; only an `isCurrent` that cannot
   * answer (the metadata store is down) stops recovery.
   */
  recover(isCurrent: IsCurrent): Promise<RecoveryReport>;
  /** The journal entries recovery has set aside so far (for `callfs fsck`). */
  quarantinedEntries(): Promise<QuarantinedEntry[]>;
  /** Throws when the backend cannot be written (for readiness). */
  checkWritable(): Promise<void>;
}

/** One object of a shared store, as its listing reports it. */
export interface StoredObject {
  write: string;
  size: number;
  /** Unix milliseconds. */
  modifiedMs: number;
}

/**
 * A store several nodes share that keeps each generation under its own key (S3): what a
 * consistency check needs beyond Storage — every object it holds for this cluster.
 */
export interface SharedStorage extends Storage {
  readonly location: string;
  objects(): AsyncIterable<StoredObject>;
  /** Deletes the object of one write (missing is fine). */
  deleteObject(write: string): Promise<void>;
}

/**
 * A backend that keeps each file at its path on one node (localfs): a move renames its bytes,
 * and what it holds can be listed by path.
 */
export interface PathStorage extends Storage {
  /**
   * Moves a file's bytes to another path (creating disk parents, replacing an existing file
   * there); NotFoundError when the source is not there.
   */
  rename(from: string, to: string): Promise<void>;
  /** True when a file's bytes are there. */
  has(path: string): Promise<boolean>;
  /** Every file the backend holds (outside its internal folder), for consistency checks. */
  inventory(): AsyncIterable<{ path: string; size: number }>;
  /**
   * Moves a directory's files on this backend from `from` to `to` (merging into what is
   * there); returns how many files moved. A missing `from` moves nothing.
   */
  renameDir(from: string, to: string): Promise<number>;
  /** Moves a file the namespace does not know out of the way (kept for an operator). */
  quarantine(path: string): Promise<string>;
}

/** Who is calling, as authenticated by the edge or the gRPC server. */
export interface Caller {
  user: string;
  admin: boolean;
}

export interface CallContext {
  caller: Caller;
  signal?: AbortSignal;
  /** The call was forwarded by a peer: it must run here and never be forwarded again. */
  forwarded?: boolean;
  /**
   * The call may act only on the file whose inode this store revision created (a redirect
   * token's file): anything else at the path is AuthenticationError.
   */
  boundTo?: string;
}

export interface WriteRequestHeader {
  path: string;
  write_mode: WriteMode;
  /** Known body length, or -1. */
  expected_size: number;
  /** Checked before Ready and again against the record the commit is fenced on. */
  conditions?: Conditions;
}

export interface WriteResult {
  created: boolean;
  info: FileInfo;
}

/** A write whose Ready was given: ownership, permission, conflicts and limits are decided. */
export interface WriteSession {
  /** The path exists and this write replaces it. */
  readonly exists: boolean;
  /** Sends the body and commits; resolves once the bytes are durable and visible. */
  write(body: AsyncIterable<Buffer>): Promise<WriteResult>;
  /** Abandons the write, removing anything staged. Idempotent; safe after write(). */
  abort(): Promise<void>;
}

export interface ReadResult {
  info: FileInfo;
  /** Empty when `notModified`. */
  body: Readable;
  /** The body is this span of the file (info.size is the whole file's size). */
  range?: ByteSpan;
  /** The read's conditions say the caller's copy is current (HTTP 304): no bytes. */
  notModified?: boolean;
}

export interface ReadOptions {
  conditions?: Conditions;
  range?: ByteRange;
  /** HTTP If-Range (an entity tag or an HTTP date): the range applies only while it holds. */
  ifRange?: string;
}

/** A rename or move of one path (API.md §3.6), with the destination already canonical. */
export interface MoveSpec {
  destination: string;
  overwrite: boolean;
  create_parents: boolean;
  /** Move the bytes to this node ('' = stay with the current owner). */
  instance: string;
  /** Backend on the destination node ('' = its default). */
  backend: string;
}

export interface RemoveOptions {
  /** Delete a directory with everything under it, on every owner (API.md §3.4). */
  recursive?: boolean;
  conditions?: Conditions;
}

/** A page request of `GET /v1/directories/{path}`. */
export interface ListQuery {
  recursive: boolean;
  /** Recursive listings: the deepest level listed, 0 = children only. */
  maxDepth: number;
  limit: number;
  /** The `next_cursor` of the previous page. */
  cursor?: string;
}

export interface DirectoryListing {
  path: string;
  recursive: boolean;
  /** Entries of the whole listing at its revision (all pages). */
  count: number;
  items: FileInfo[];
  nextCursor?: string;
}

export interface MkdirResult {
  created: boolean;
  info: FileInfo;
}

/** The files service: what the edge and the gRPC server call. */
export interface FilesApi {
  stat(ctx: CallContext, path: string): Promise<FileInfo>;
  read(ctx: CallContext, path: string, options?: ReadOptions): Promise<ReadResult>;
  openWrite(ctx: CallContext, header: WriteRequestHeader): Promise<WriteSession>;
  remove(ctx: CallContext, path: string, options?: RemoveOptions): Promise<void>;
  mkdir(ctx: CallContext, path: string): Promise<MkdirResult>;
  list(ctx: CallContext, path: string): Promise<FileInfo[]>;
  /** One page of a directory listing (API.md §3.4), every page at one revision. */
  listDirectory(ctx: CallContext, path: string, query: ListQuery): Promise<DirectoryListing>;
  /**
   * A directory's visible children, read from the store page by page at one revision. Resolves
   * once the directory is checked and the first page read, so those errors come first.
   */
  listEntries(ctx: CallContext, path: string): Promise<AsyncIterable<FileInfo>>;
  move(
    ctx: CallContext,
    source: string,
    spec: MoveSpec,
    conditions?: Conditions,
  ): Promise<FileInfo>;
  /** Node-internal: this node's disk step of a directory move (journal entry `journalId`). */
  applyMove(journalId: string, from: string, to: string): Promise<number>;
  /** Node-internal: receives a file's bytes moving to this node (see NodeService.StageFile). */
  stageFile(stage: StagedFile, body: AsyncIterable<Buffer>): Promise<number>;
  /** Node-internal: renames a staged file into place (commit) or removes it. */
  finishStaged(stageId: string, commit: boolean): Promise<void>;
}

/** A file's bytes sent to the node that will own them, before the namespace switches. */
export interface StagedFile {
  stageId: string;
  path: string;
  gen: number;
  size: number;
}

/** Reaches the owner of a path on another node (implemented over gRPC in src/peer). */
export interface OwnerClient {
  stat(owner: NodeRecord, ctx: CallContext, path: string): Promise<FileInfo>;
  read(
    owner: NodeRecord,
    ctx: CallContext,
    path: string,
    options?: ReadOptions,
  ): Promise<ReadResult>;
  openWrite(owner: NodeRecord, ctx: CallContext, header: WriteRequestHeader): Promise<WriteSession>;
  remove(owner: NodeRecord, ctx: CallContext, path: string, conditions?: Conditions): Promise<void>;
  move(
    owner: NodeRecord,
    ctx: CallContext,
    source: string,
    spec: MoveSpec,
    conditions?: Conditions,
  ): Promise<FileInfo>;
  /** Asks a node to apply a directory move to its own disk (its journal entry `journalId`). */
  applyMove(node: NodeRecord, journalId: string, from: string, to: string): Promise<number>;
  /** Streams a file's bytes to a node that stages them (safe on its disk, not yet visible). */
  stageFile(node: NodeRecord, stage: StagedFile, body: AsyncIterable<Buffer>): Promise<void>;
  /** Tells a node to commit or discard what it staged. */
  finishStaged(node: NodeRecord, stageId: string, commit: boolean): Promise<void>;
}
