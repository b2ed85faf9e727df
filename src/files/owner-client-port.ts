// The owner client port: reaches the node that owns a path (over gRPC in src/peer, in process
// in src/files/in-process-owner-client.ts), held to test/contract/owner-client-contract.ts.
import type { Conditions } from './conditions.js';
import type {
  CallContext,
  FileInfo,
  MoveSpec,
  ReadOptions,
  ReadResult,
  StagedFile,
  WriteRequestHeader,
  WriteSession,
} from './files-api.js';
import type { NodeRecord } from './membership-port.js';

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
  /**
   * Streams a file's bytes to a node that stages them (safe on its disk, not yet visible);
   * returns the write id the node gave them ('' from a node that does not say).
   */
  stageFile(node: NodeRecord, stage: StagedFile, body: AsyncIterable<Buffer>): Promise<string>;
  /** Tells a node to commit or discard what it staged. */
  finishStaged(node: NodeRecord, stageId: string, commit: boolean): Promise<void>;
}
