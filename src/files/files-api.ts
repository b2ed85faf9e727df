// The public shape of the files service (used by the HTTP edge and the gRPC server) and the
// context every call carries.
import type { Readable } from 'node:stream';
import type { FileInfo__Output } from '../generated/callfs/v1/FileInfo.js';
import type { WriteMode } from '../generated/callfs/v1/WriteMode.js';
import type { ByteRange, ByteSpan } from './byte-range.js';
import type { Conditions } from './conditions.js';

/** A file or directory as the API reports it (the proto's FileInfo). */
export type FileInfo = FileInfo__Output;

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
  /**
   * Node-internal: receives a file's bytes moving to this node (see NodeService.StageFile);
   * returns their write id, which the inode must name for start-up recovery to keep them.
   */
  stageFile(stage: StagedFile, body: AsyncIterable<Buffer>): Promise<StagedWrite>;
  /** Node-internal: renames a staged file into place (commit) or removes it. */
  finishStaged(stageId: string, commit: boolean): Promise<void>;
}

/** What a node staged: the byte count and the write id of its journaled temp. */
export interface StagedWrite {
  size: number;
  write: string;
}

/** A file's bytes sent to the node that will own them, before the namespace switches. */
export interface StagedFile {
  stageId: string;
  path: string;
  gen: number;
  size: number;
}
