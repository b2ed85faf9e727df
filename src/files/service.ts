// The files service: every operation of the API on one node. It resolves a path's owner from
// the metadata store, runs the operation here when this node owns the path (or the path is a
// directory, which lives in etcd), and otherwise hands the same call to the owner through the
// OwnerClient port. Creates claim the path in one fenced transaction before any byte flows;
// writes stream to a temp file and commit in the journaled order of ARCHITECTURE.md. Each
// operation lives in a module of its own (writes.ts, read-local.ts, remove-path.ts,
// make-directory.ts, move-request.ts, directories.ts): this class builds the parts they share
// once (locks, router, staging, reconciler, the node's journaled work) and hands requests on.
import { NotAFileError } from './errors.js';
import { assertServing } from './serving.js';
import { toFileInfo } from './info.js';
import { PathLocks } from './path-lock.js';
import type {
  CallContext,
  DirectoryListing,
  FileInfo,
  FilesApi,
  JournalEntry,
  ListQuery,
  Membership,
  Metadata,
  MkdirResult,
  MoveSpec,
  NodeRecord,
  StagedFile,
  StagedWrite,
  OwnerClient,
  ReadOptions,
  QuarantinedEntry,
  ReadResult,
  RemoveOptions,
  WriteRequestHeader,
  WriteSession,
} from './ports.js';
import type { IsCurrent } from './storage-port.js';
import { Staging } from './staging.js';
import { isCurrent, isNamed, recoveryIsCurrent } from './current-bytes.js';
import { DiskSteps } from './disk-steps.js';
import type { UnplacedBytes } from './move-dir-disk.js';
import { listDirectory, listEntries } from './directories.js';
import { Router, type RouteHandlers } from './routing.js';
import { Reconciler } from './reconciler.js';
import { WaitingMoves } from './waiting-moves.js';
import { removePath } from './remove-path.js';
import { Writes } from './writes.js';
import type { Conditions } from './conditions.js';
import { readLocal } from './read-local.js';
import { moveRequest } from './move-request.js';
import { makeDirectory } from './make-directory.js';
import type { BackendDeps } from './backends.js';
import { recoverJournal, type JournalRecovery } from './journal-recovery.js';
import { JournalAdoption } from './journal-adoption.js';

export type { JournalRecovery };

export interface FilesServiceOptions extends BackendDeps {
  instanceId: string;
  metadata: Metadata;
  membership: Membership;
  owners: OwnerClient;
  maxBodyBytes: number;
  /** POSTs of a known length up to this are created with one transaction (0 = off). */
  smallBodyBytes?: number;
  /** Seals listing cursors; the same on every node (deriveCursorKey of the internal secret). */
  cursorKey: Buffer;
  /** Reports a background step that failed without failing the request. */
  warn?: (message: string, err: unknown) => void;
  /** Reports a journal entry start-up recovery could not finish and left for an operator. */
  onSetAside?: (entry: QuarantinedEntry) => void;
  /**
   * How long a node must have been seen without a membership record before this node adopts
   * its directory moves (journal-adoption.ts); default 60 s.
   */
  adoptAfterMs?: number;
  /** Reports a journal entry this node took over from a gone node. */
  onAdopted?: (entry: JournalEntry) => void;
  /** Reports, once, a journal entry of a node gone for good that waits for that node. */
  onLeftBehind?: (entry: JournalEntry) => void;
}

export class FilesService implements FilesApi {
  private readonly locks = new PathLocks();
  private readonly staging: Staging;
  private readonly router: Router;
  private readonly writes: Writes;
  private readonly diskSteps: DiskSteps;
  private readonly adoption: JournalAdoption;
  /** Journal entries set aside in this process: reported once, not retried. */
  private readonly setAside = new Set<string>();
  /** Directory moves running in this process, by journal id (move-dir.ts). */
  private readonly movesRunning = new Set<string>();
  private readonly waitingMoves: WaitingMoves;
  /** Resolves writes whose commit outcome was unknown; the composition root runs it. */
  readonly reconciler: Reconciler;
  readonly instanceId: string;
  /** Aborted at shutdown (stopWaitingForEtcd). */
  private readonly stopping = new AbortController();
  /** The options with the locks, built once: reads run it per request. */
  private readonly deps: FilesServiceOptions & {
    locks: PathLocks;
    unplaced: UnplacedBytes[];
    pending: Reconciler;
    staged: Staging;
    runDiskStep: DiskSteps['run'];
    movesRunning: Set<string>;
    stopping: AbortSignal;
    router: Router;
    stat: FilesApi['stat'];
  };

  constructor(private readonly o: FilesServiceOptions) {
    this.instanceId = o.instanceId;
    this.staging = new Staging({
      storage: o.storage,
      locks: this.locks,
      isCurrent: (p, gen, write) => this.isCurrent(p, gen, write),
      isNamed: (p) => isNamed(o, p),
      warn: o.warn,
    });
    this.router = new Router(o);
    this.reconciler = new Reconciler({
      locks: this.locks,
      isCurrent: (p, gen, write) => this.isCurrent(p, gen, write),
      isNamed: (p) => isNamed(o, p),
      warn: o.warn,
    });
    this.deps = {
      ...o,
      locks: this.locks,
      unplaced: [this.staging, this.reconciler],
      pending: this.reconciler,
      staged: this.staging,
      // Every run of this node's disk steps goes through one place, so no two run at once.
      runDiskStep: (journalId, from, to) => this.diskSteps.run(journalId, from, to),
      movesRunning: this.movesRunning,
      stopping: this.stopping.signal,
      router: this.router,
      stat: (ctx, path) => this.stat(ctx, path),
    };
    this.diskSteps = new DiskSteps(this.deps, this.setAside, o.warn);
    this.adoption = new JournalAdoption({
      instanceId: o.instanceId,
      metadata: o.metadata,
      membership: o.membership,
      graceMs: o.adoptAfterMs ?? 60_000,
      run: async (entry) => (await this.recoverJournal([entry])).waiting.length === 0,
      onAdopted: o.onAdopted,
      onLeftBehind: o.onLeftBehind,
      warn: o.warn,
    });
    this.waitingMoves = new WaitingMoves({
      instanceId: o.instanceId,
      metadata: o.metadata,
      membership: o.membership,
      run: (entry) => this.recoverJournal([entry]),
      skip: (entry) => this.setAside.has(entry.id) || this.movesRunning.has(entry.id),
      warn: o.warn,
    });
    this.writes = new Writes({
      ...o,
      locks: this.locks,
      router: this.router,
      reconciler: this.reconciler,
    });
  }

  async stat(ctx: CallContext, path: string): Promise<FileInfo> {
    return this.routed(ctx, path, {
      directory: async (rec) => toFileInfo(rec),
      local: async (rec) => toFileInfo(rec),
      remote: (owner) => this.o.owners.stat(owner, ctx, path),
    });
  }

  /** Where a file stored on another node lives (redirects to its owner); null otherwise. */
  async remoteOwner(path: string): Promise<{ node: NodeRecord; created: string } | null> {
    return this.router.remoteOwner(path);
  }

  async read(ctx: CallContext, path: string, options: ReadOptions = {}): Promise<ReadResult> {
    return this.routed(ctx, path, {
      directory: async () => {
        throw new NotAFileError(`${path} is a directory`);
      },
      local: () => readLocal(this.deps, ctx, path, options),
      remote: (owner) => this.o.owners.read(owner, ctx, path, options),
    });
  }

  async openWrite(ctx: CallContext, header: WriteRequestHeader): Promise<WriteSession> {
    return this.writes.openWrite(ctx, header);
  }

  async remove(ctx: CallContext, path: string, options: RemoveOptions = {}): Promise<void> {
    return removePath(this.deps, ctx, path, options);
  }

  async mkdir(ctx: CallContext, path: string): Promise<MkdirResult> {
    return makeDirectory(this.deps, ctx, path);
  }

  async list(ctx: CallContext, path: string): Promise<FileInfo[]> {
    const out: FileInfo[] = [];
    for await (const info of await this.listEntries(ctx, path)) out.push(info);
    return out;
  }

  async listEntries(_ctx: CallContext, path: string): Promise<AsyncIterable<FileInfo>> {
    return listEntries(this.o.metadata, path);
  }

  async listDirectory(
    _ctx: CallContext,
    path: string,
    query: ListQuery,
  ): Promise<DirectoryListing> {
    return listDirectory(this.o.metadata, path, query, this.o.cursorKey);
  }

  async move(
    ctx: CallContext,
    source: string,
    spec: MoveSpec,
    conditions?: Conditions,
  ): Promise<FileInfo> {
    return moveRequest(this.deps, ctx, source, spec, conditions);
  }

  /**
   * Start-up: finishes journaled work of this node that a crash interrupted, among `entries`
   * (journal-recovery.ts). Entries set aside are remembered across calls on this service.
   */
  async recoverJournal(entries?: readonly JournalEntry[]): Promise<JournalRecovery> {
    return recoverJournal({ ...this.deps, setAside: this.setAside }, entries);
  }

  /**
   * Runs the jobs start-up recovery left `waiting` for the membership, once the node holds it,
   * among those the journal still gives this node: one adopted by another node while this one
   * was down (or registering) is that node's now.
   */
  async resumeWaiting(waiting: readonly JournalEntry[]): Promise<JournalRecovery> {
    if (waiting.length === 0) return { finished: 0, waiting: [] };
    const ids = new Set(waiting.map((e) => e.id));
    const { entries } = await this.o.metadata.journal(this.instanceId);
    return this.recoverJournal(entries.filter((e) => ids.has(e.id)));
  }

  /** A pass of this node's directory moves waiting for disk steps (waiting-moves.ts). */
  async sweepWaitingMoves(): Promise<number> {
    return this.waitingMoves.run();
  }

  /** Ends the passes of waiting moves (shutdown); the one running ends after its job. */
  async stopWaitingMoves(): Promise<void> {
    return this.waitingMoves.stop();
  }

  /** The moves waiting for an owner's disk step, as the last pass left them. */
  waitingMovesCount(): number {
    return this.waitingMoves.count();
  }

  /**
   * Adopts and runs the directory moves of nodes gone for longer than the grace period
   * (journal-adoption.ts); the composition root runs it now and then.
   */
  async sweepAdoption(): Promise<number> {
    return this.adoption.sweep();
  }

  /** Journal entries of nodes gone for good that no node takes over, as the last sweep saw. */
  leftBehindJournal(): JournalEntry[] {
    return this.adoption.leftBehindEntries();
  }

  /** Ends the adoption sweeps (shutdown). */
  async stopAdoption(): Promise<void> {
    return this.adoption.stop();
  }

  async stageFile(stage: StagedFile, body: AsyncIterable<Buffer>): Promise<StagedWrite> {
    assertServing(this.o);
    return this.staging.stage(stage, body);
  }

  async finishStaged(stageId: string, commit: boolean): Promise<void> {
    return this.staging.finish(stageId, commit);
  }

  /** The disk step of a directory move, asked by the node that moved it in the namespace. */
  async applyMove(journalId: string, from: string, to: string): Promise<number> {
    return this.diskSteps.run(journalId, from, to);
  }

  /**
   * Runs the disk steps of directory moves journaled for this node while it serves (the call
   * that asks for one may never have arrived); the composition root runs it now and then.
   */
  async sweepDiskSteps(): Promise<number> {
    return this.diskSteps.sweep();
  }

  /** Ends the sweeps (shutdown): none starts again, and the one running ends after its step. */
  async stopDiskSteps(): Promise<void> {
    return this.diskSteps.stop();
  }

  /**
   * The first step of shutdown: a rename waiting for etcd to tell its outcome stops waiting,
   * its paths answer 503 from then on, and start-up recovery finishes it (move-unanswered.ts).
   */
  stopWaitingForEtcd(): void {
    this.stopping.abort();
  }

  /**
   * Start-up recovery's question for a journaled temp (current-bytes.ts): does etcd name it,
   * or where a move journaled for this node re-keyed it before its bytes were in place?
   */
  recoveryIsCurrent(): IsCurrent {
    return recoveryIsCurrent(this.o);
  }

  /** Whether etcd names (path, gen[, write id]) as this node's file (current-bytes.ts). */
  isCurrent(path: string, gen: number, write?: string): Promise<boolean> {
    return isCurrent(this.o, path, gen, write);
  }

  private routed<T>(ctx: CallContext, path: string, run: RouteHandlers<T>): Promise<T> {
    return this.router.routed(ctx, path, run);
  }
}
