// The OwnerClient port over gRPC: runs a files-service call on the node that owns the path.
// It authenticates with the internal secret and carries the original caller; it marks the call
// as forwarded so the owner never forwards it again. Bodies stream in chunks with backpressure
// both ways; transport failures become OWNER_UNAVAILABLE naming the owner, fast: a refused port
// fails at once, a hung owner within the Ready deadline (never a whole-transfer timeout).
//
// Each call is bounded by what it does. Stat changes nothing: its answer is due within the
// Ready deadline (its owner sends headers only with the answer). Every call that changes state
// (Delete, Move, StageFile, FinishStaged, ApplyMove) is bounded by progress instead: the callee
// answers its response headers as soon as it has the call, before any work, which must happen
// within the Ready deadline; after that the call runs as long as HTTP/2 keepalive shows the
// callee alive, and every hop that carries bytes is cut when they stop flowing for the idle
// bound. A callee that is slow but alive thus finishes its work and says so, rather than doing
// it while the caller answers 503.
import * as grpc from '@grpc/grpc-js';
import { CallfsError, InternalError } from '../files/errors.js';
import type {
  CallContext,
  FileInfo,
  MoveSpec,
  NodeRecord,
  OwnerClient,
  ReadOptions,
  ReadResult,
  StagedFile,
  WriteRequestHeader,
  WriteResult,
  WriteSession,
} from '../files/ports.js';
import type { ApplyMoveResponse__Output } from '../generated/callfs/v1/ApplyMoveResponse.js';
import type { MoveResponse__Output } from '../generated/callfs/v1/MoveResponse.js';
import type { FinishStagedResponse__Output } from '../generated/callfs/v1/FinishStagedResponse.js';
import type { DeleteResponse__Output } from '../generated/callfs/v1/DeleteResponse.js';
import type { StageFileResponse__Output } from '../generated/callfs/v1/StageFileResponse.js';
import type { StatResponse__Output } from '../generated/callfs/v1/StatResponse.js';
import type { WriteRequest } from '../generated/callfs/v1/WriteRequest.js';
import type { WriteResponse__Output } from '../generated/callfs/v1/WriteResponse.js';
import { bufferOneMessage, rechunk, writeWithBackpressure } from './chunks.js';
import { MD } from './proto.js';
import { fromGrpcError } from './status-map.js';
import { PeerChannels, type PeerChannelOptions } from './channels.js';
import { cutUnlessAnswered, stallBound, untilAccepted } from './call-bounds.js';
import { conditionsToWire } from './conditions-wire.js';
import { readFromOwner } from './read-call.js';
import type { Conditions } from '../files/conditions.js';

/** The bound of a FinishStaged call, whatever keepalive says (see `finishStaged`). */
const FINISH_STAGED_DEADLINE_MS = 60_000;

export interface GrpcOwnerClientOptions {
  internalSecret: string;
  chunkSize: number;
  /** HTTP/2 flow-control window for data flowing to this client (downloads). */
  flowControlWindow: number;
  /** Deadline for an owner's first answer: a call's response headers, a Read header, a Write Ready. */
  readyTimeoutMs: number;
  keepaliveTimeMs: number;
  /** A receiver that takes no bytes of a Write or StageFile for this long fails the call. */
  writeIdleTimeoutMs: number;
  credentials?: grpc.ChannelCredentials;
  /** Small Reads on one stream per node (read-mux.ts); false: every Read is a call. */
  readMany?: PeerChannelOptions['readMany'];
}

export class GrpcOwnerClient implements OwnerClient {
  private readonly channels: PeerChannels;

  constructor(private readonly o: GrpcOwnerClientOptions) {
    this.channels = new PeerChannels(o);
  }

  close(): void {
    this.channels.close();
  }

  private metadata(ctx: CallContext): grpc.Metadata {
    const md = new grpc.Metadata();
    md.set('authorization', `Bearer ${this.o.internalSecret}`);
    md.set(MD.user, ctx.caller.user);
    md.set(MD.forwarded, '1');
    return md;
  }

  /**
   * A unary call to `node`, cancelled when `signal` aborts. The node must send its response
   * headers within the Ready deadline (`untilAccepted`); no total deadline follows. A call that
   * changes state is accepted at once, before its work, and then bounded by keepalive; a Stat
   * sends its headers only with its answer, so the deadline bounds its whole answer.
   */
  private unary<Res>(
    node: NodeRecord,
    signal: AbortSignal | undefined,
    invoke: (cb: (err: grpc.ServiceError | null, res?: Res) => void) => grpc.ClientUnaryCall,
  ): Promise<Res> {
    return new Promise<Res>((resolve, reject) => {
      let stopWaiting = (): void => undefined;
      const call = invoke((err, res) => {
        stopWaiting();
        signal?.removeEventListener('abort', cancel);
        if (err || !res) reject(fromGrpcError(err, node.instance_id));
        else resolve(res);
      });
      const cancel = (): void => call.cancel();
      stopWaiting = untilAccepted(call, this.o.readyTimeoutMs);
      signal?.addEventListener('abort', cancel, { once: true });
    });
  }

  async stat(owner: NodeRecord, ctx: CallContext, path: string): Promise<FileInfo> {
    const c = this.channels.fileService(owner);
    const md = this.metadata(ctx);
    // Its answer is due within the Ready deadline (the owner accepts a Stat only by answering
    // it): it changes nothing, so an answer cut there misleads no one (the caller may just ask
    // again), and an owner that stalls in its etcd or disk does not hold a HEAD for longer.
    const res = await this.unary<StatResponse__Output>(owner, ctx.signal, (cb) =>
      c.Stat({ path }, md, cb),
    );
    if (!res.info) throw new InternalError('owner answered Stat without info');
    return res.info;
  }

  async remove(
    owner: NodeRecord,
    ctx: CallContext,
    path: string,
    conditions?: Conditions,
  ): Promise<void> {
    const c = this.channels.fileService(owner);
    const md = this.metadata(ctx);
    await this.unary<DeleteResponse__Output>(owner, ctx.signal, (cb) =>
      c.Delete({ path, conditions: conditionsToWire(conditions) }, md, cb),
    );
  }

  async move(
    owner: NodeRecord,
    ctx: CallContext,
    source: string,
    spec: MoveSpec,
    conditions?: Conditions,
  ): Promise<FileInfo> {
    const c = this.channels.fileService(owner);
    const md = this.metadata(ctx);
    const res = await this.unary<MoveResponse__Output>(owner, ctx.signal, (cb) =>
      c.Move({ source, ...spec, conditions: conditionsToWire(conditions) }, md, cb),
    );
    if (!res.info) throw new InternalError('owner answered Move without info');
    return res.info;
  }

  private internalMetadata(): grpc.Metadata {
    const md = new grpc.Metadata();
    md.set('authorization', `Bearer ${this.o.internalSecret}`);
    return md;
  }

  async stageFile(
    node: NodeRecord,
    stage: StagedFile,
    body: AsyncIterable<Buffer>,
  ): Promise<string> {
    let settle!: (err: grpc.ServiceError | null, res?: StageFileResponse__Output) => void;
    const done = new Promise<string>((resolve, reject) => {
      settle = (err, res) =>
        err ? reject(fromGrpcError(err, node.instance_id)) : resolve(res?.write ?? '');
    });
    // The target may refuse (its disk, its lease) while the sender still waits for its own disk:
    // the refusal must not be an unhandled rejection, which ends the process.
    done.catch(() => undefined);
    const ended = new AbortController();
    const call = this.channels.nodeService(node).StageFile(this.internalMetadata(), (err, res) => {
      unwatch();
      ended.abort(new Error('stage call ended'));
      settle(err, res);
    });
    const unwatch = untilAccepted(call, this.o.readyTimeoutMs);
    call.on('error', () => undefined);
    bufferOneMessage(call);
    const stalled = stallBound(this.o.writeIdleTimeoutMs, node);
    try {
      await writeWithBackpressure(call, {
        header: {
          stage_id: stage.stageId,
          path: stage.path,
          gen: stage.gen,
          size: stage.size,
          names_write: stage.namesWrite === true,
        },
      });
      for await (const chunk of rechunk(body, this.o.chunkSize)) {
        await writeWithBackpressure(call, chunk, ended.signal, stalled);
      }
      call.end();
    } catch (err) {
      // When the target ended the call first, its answer says why; the cut write does not.
      const targetEnded = ended.signal.aborted;
      call.cancel();
      const answer = await done.then(
        () => undefined,
        (e: unknown) => e,
      );
      if (targetEnded && answer) throw answer;
      throw err instanceof CallfsError ? err : fromGrpcError(err, node.instance_id);
    }
    return done;
  }

  async finishStaged(node: NodeRecord, stageId: string, commit: boolean): Promise<void> {
    const c = this.channels.nodeService(node);
    const md = this.internalMetadata();
    // Also a total deadline. The mover holds its source's lock across this call and the target
    // takes its own lock of the destination to finish; the mover no longer holds the
    // destination's lock too (move.ts), which let two moves to one new path, each to the
    // other's node, wait on each other. The deadline stays as a bound on that source lock,
    // whatever the target's lock of the path queues behind: its caller treats a failure as
    // non-fatal, and the target settles the file on its own (its staging timer, etcd deciding).
    const deadline = new Date(Date.now() + FINISH_STAGED_DEADLINE_MS);
    await this.unary<FinishStagedResponse__Output>(node, undefined, (cb) =>
      c.FinishStaged({ stage_id: stageId, commit }, md, { deadline }, cb),
    );
  }

  async applyMove(node: NodeRecord, journalId: string, from: string, to: string): Promise<number> {
    const c = this.channels.nodeService(node);
    const md = this.internalMetadata();
    // No total deadline, unlike FinishStaged. The coordinator holds no path lock across this
    // call (a directory move's re-key compares revisions and takes none), and the callee takes
    // only its own locks, two per file, with no call to another node under them: no wait here
    // can close a cycle between nodes. The callee waits only for holders of its own locks,
    // each bounded on its own (a commit; a move whose FinishStaged has its deadline), so what
    // bounds this call is the callee's progress, watched by keepalive: a large directory takes
    // as long as its renames. A deadline would end the job while the owner still renames, and
    // release the source directory, where a new create could land on bytes not moved yet.
    const res = await this.unary<ApplyMoveResponse__Output>(node, undefined, (cb) =>
      c.ApplyMove({ journal_id: journalId, source: from, destination: to }, md, cb),
    );
    return res.files;
  }

  read(
    owner: NodeRecord,
    ctx: CallContext,
    path: string,
    options?: ReadOptions,
  ): Promise<ReadResult> {
    const mux = this.channels.readMux(owner);
    const byCall = async (): Promise<ReadResult> => {
      const service = this.channels.fileService(owner);
      const call = { service, metadata: this.metadata(ctx), owner, readyMs: this.o.readyTimeoutMs };
      const result = await readFromOwner(call, ctx, path, options);
      mux?.learn(path, result.info.size);
      return result;
    };
    // A small read goes on the node's ReadMany stream; what the stream cannot carry (a large
    // file, a read that waits on the node, a stream that failed or a node that lacks it) goes
    // by a Read call.
    const onStream = mux?.read(ctx, path, options);
    return onStream ? onStream.then((result) => result ?? byCall()) : byCall();
  }

  async openWrite(
    owner: NodeRecord,
    ctx: CallContext,
    header: WriteRequestHeader,
  ): Promise<WriteSession> {
    const call = this.channels.fileService(owner).Write(this.metadata(ctx));
    bufferOneMessage(call);
    const ownerId = owner.instance_id;
    const cancel = (): void => call.cancel();
    ctx.signal?.addEventListener('abort', cancel, { once: true });
    const responses = call[Symbol.asyncIterator]() as AsyncIterator<WriteResponse__Output>;
    // Errors surface through the iterator and the status; this keeps them from being unhandled.
    call.on('error', () => undefined);
    const status = new Promise<grpc.StatusObject>((resolve) => call.once('status', resolve));
    // Once the owner has ended the call (it failed, or it died), stop sending at once.
    const ended = new AbortController();
    void status.then((s) => ended.abort(new Error(s.details || 'owner ended the call')));
    const stopWaiting = cutUnlessAnswered(this.o.readyTimeoutMs, cancel);
    let ready: WriteResponse__Output['ready'];
    try {
      const { conditions, ...rest } = header;
      call.write({
        header: { ...rest, conditions: conditionsToWire(conditions) },
      } satisfies WriteRequest);
      const first = await responses.next();
      ready = first.done ? undefined : first.value.ready;
    } catch (err) {
      ctx.signal?.removeEventListener('abort', cancel);
      throw fromGrpcError(err, ownerId);
    } finally {
      stopWaiting();
    }
    if (!ready) {
      call.cancel();
      throw new InternalError('owner answered Write without Ready');
    }
    const chunkSize = Math.max(
      16 * 1024,
      Math.min(ready.chunk_size || this.o.chunkSize, this.o.chunkSize),
    );
    let finished = false;
    const stalled = stallBound(this.o.writeIdleTimeoutMs, owner);
    return {
      exists: ready.exists,
      write: async (body: AsyncIterable<Buffer>): Promise<WriteResult> => {
        try {
          let size = 0;
          for await (const chunk of rechunk(body, chunkSize)) {
            size += chunk.size;
            await writeWithBackpressure(call, chunk, ended.signal, stalled);
          }
          await writeWithBackpressure(
            call,
            { finish: { size } } satisfies WriteRequest,
            ended.signal,
          );
          call.end();
          const next = await responses.next();
          const result = next.done ? undefined : next.value.result;
          if (!result?.info) throw new InternalError('owner ended Write without a result');
          finished = true;
          return { created: result.created, info: result.info };
        } catch (err) {
          // If the owner ended the call with an error (413, 503, ...), that is the answer.
          const ended = await Promise.race([
            status,
            new Promise<null>((r) => setTimeout(() => r(null), 200)),
          ]);
          call.cancel();
          if (ended && ended.code !== grpc.status.OK && ended.code !== grpc.status.CANCELLED) {
            throw fromGrpcError(ended, ownerId);
          }
          throw err instanceof CallfsError ? err : fromGrpcError(err, ownerId);
        } finally {
          ctx.signal?.removeEventListener('abort', cancel);
        }
      },
      abort: async () => {
        if (!finished) call.cancel();
        ctx.signal?.removeEventListener('abort', cancel);
      },
    };
  }
}
