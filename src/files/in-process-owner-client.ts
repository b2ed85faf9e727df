// The OwnerClient port without a transport: it calls the owner node's files service directly,
// in the same process, marking each call as forwarded exactly as the gRPC client does, so the
// owner runs it locally and never forwards it again. It is the fake that unit tests wire
// between several in-memory nodes, and the reference behaviour of the port: whatever it does
// (results, error classes and codes, write sessions) every real OwnerClient must do too, as the
// shared owner-client contract suite checks. An owner the resolver does not know is treated
// like a node whose port refuses connections: OwnerUnavailableError naming it.
import { OwnerUnavailableError } from './errors.js';
import type { Conditions } from './conditions.js';
import type {
  CallContext,
  FileInfo,
  FilesApi,
  MoveSpec,
  NodeRecord,
  OwnerClient,
  ReadOptions,
  ReadResult,
  StagedFile,
  WriteRequestHeader,
  WriteSession,
} from './ports.js';

/** Finds the files service of a node by instance id; undefined when it cannot be reached. */
export type OwnerResolver = (instanceId: string) => FilesApi | undefined;

export class InProcessOwnerClient implements OwnerClient {
  constructor(private readonly resolve: OwnerResolver) {}

  async stat(owner: NodeRecord, ctx: CallContext, path: string): Promise<FileInfo> {
    return this.files(owner).stat(forwarded(ctx), path);
  }

  async read(
    owner: NodeRecord,
    ctx: CallContext,
    path: string,
    options?: ReadOptions,
  ): Promise<ReadResult> {
    return this.files(owner).read(forwarded(ctx), path, options);
  }

  async openWrite(
    owner: NodeRecord,
    ctx: CallContext,
    header: WriteRequestHeader,
  ): Promise<WriteSession> {
    return this.files(owner).openWrite(forwarded(ctx), header);
  }

  async remove(
    owner: NodeRecord,
    ctx: CallContext,
    path: string,
    conditions?: Conditions,
  ): Promise<void> {
    return this.files(owner).remove(forwarded(ctx), path, { conditions });
  }

  async move(
    owner: NodeRecord,
    ctx: CallContext,
    source: string,
    spec: MoveSpec,
    conditions?: Conditions,
  ): Promise<FileInfo> {
    return this.files(owner).move(forwarded(ctx), source, spec, conditions);
  }

  async applyMove(node: NodeRecord, journalId: string, from: string, to: string): Promise<number> {
    return this.files(node).applyMove(journalId, from, to);
  }

  async stageFile(
    node: NodeRecord,
    stage: StagedFile,
    body: AsyncIterable<Buffer>,
  ): Promise<string> {
    return (await this.files(node).stageFile(stage, body)).write;
  }

  async finishStaged(node: NodeRecord, stageId: string, commit: boolean): Promise<void> {
    await this.files(node).finishStaged(stageId, commit);
  }

  private files(owner: NodeRecord): FilesApi {
    const files = this.resolve(owner.instance_id);
    if (!files) throw new OwnerUnavailableError(owner.instance_id);
    return files;
  }
}

function forwarded(ctx: CallContext): CallContext {
  return { ...ctx, forwarded: true };
}
