// The storage ports: the bytes of files, by generation (`Storage`, every backend), by path
// (`PathStorage`, localfs), or shared by several nodes (`SharedStorage`, S3). Adapters in
// src/storage, held to test/contract/storage-contract.ts.
import type { Readable, Writable } from 'node:stream';
import type { ByteSpan } from './byte-range.js';

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

/**
 * A body whose bytes were all read when the file was opened (a small file: one read into one
 * buffer, the descriptor already closed). `bytes` is sent instead of reading the stream, never
 * after; the stream yields the same bytes for readers that want one.
 */
export interface WholeBody {
  readonly bytes: Buffer;
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

/** Why a file's bytes were moved out of the way, kept with them (`PathStorage.quarantine`). */
export interface SetAsideNote {
  /** A bounded label (QuarantinedEntry.kind). */
  kind: string;
  /** The API path whose bytes they are (default: the path they were moved from). */
  path?: string;
  reason: string;
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
  /**
   * Moves a file out of the way, kept for an operator; resolves where it went. With a note
   * (bytes etcd names that could not be placed), the backend keeps the note too, and
   * `quarantinedEntries` lists it with the path the bytes belong to and where they are.
   */
  quarantine(path: string, note?: SetAsideNote): Promise<string>;
}
