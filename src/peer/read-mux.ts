// Small Reads relayed to one node, many on one long-lived NodeService.ReadMany stream instead
// of one Read call each: a call costs both nodes a new HTTP/2 stream, its metadata, headers,
// trailers and deadline timers, and on a relayed 1 KiB GET that per-call work was a fifth of
// the relaying node's CPU. A request is a message with an id; its answer (read-many.ts) is the
// Read header message with the whole body inline, the Read call's error as status and
// trailers, or `use_call`. The stream is a transport detail behind the OwnerClient port: what
// it cannot carry goes by today's Read call (read-call.ts), and so does every request pending
// on a stream that fails (closed, reset, the node restarted; reads change nothing, so asking
// again is safe). A node that answers UNIMPLEMENTED (an older one) gets calls only.
import { Readable } from 'node:stream';
import * as grpc from '@grpc/grpc-js';
import { InternalError } from '../files/errors.js';
import type { CallContext, NodeRecord, ReadOptions, ReadResult } from '../files/ports.js';
import { wholeBody } from '../files/whole-body.js';
import type { NodeServiceClient } from '../generated/callfs/v1/NodeService.js';
import type { ReadManyRequest } from '../generated/callfs/v1/ReadManyRequest.js';
import type { ReadManyResponse__Output } from '../generated/callfs/v1/ReadManyResponse.js';
import type { ReadResponse__Output } from '../generated/callfs/v1/ReadResponse.js';
import { Overdue } from './call-bounds.js';
import { readRequestToWire } from './conditions-wire.js';
import { withoutCallerStack } from './read-call.js';
import { WHOLE_RELAY_BYTES } from './small-read.js';
import { fromGrpcError, fromWireStatus } from './status-map.js';

type Stream = grpc.ClientDuplexStream<ReadManyRequest, ReadManyResponse__Output>;

export interface ReadMuxOptions {
  internalSecret: string;
  /** A request's answer is due within this (the ready bound of a Read call's headers). */
  readyMs: number;
  /** Requests pending on the stream at most; more go by calls. */
  maxInFlight: number;
  /** After a stream failed, reads go by calls this long before a new stream is tried. */
  reopenAfterMs: number;
}

/** Paths remembered as larger than WHOLE_RELAY_BYTES, per node, at most. */
const LARGE_PATHS = 1024;

/** A read's answer: its result, or undefined to make it a Read call. */
type Answer = ReadResult | undefined;

interface Pending {
  resolve(answer: Answer): void;
  reject(err: unknown): void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/** What the caller of a Read call that it cancelled sees (fromGrpcError of the call's status). */
const CANCELLED = { code: grpc.status.CANCELLED, details: 'Cancelled on client' };

export class ReadMux {
  private stream: Stream | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  /** No stream is opened before this time (a stream failed). */
  private closedUntil = 0;
  /** The node does not know ReadMany. */
  private unsupported = false;
  private readonly overdue: Overdue<number>;
  /**
   * Paths whose last read by a call showed a file over WHOLE_RELAY_BYTES: their whole reads go
   * by calls at once, rather than by the stream first, its `use_call`, then a call (a round
   * trip and an open of the file more, a tenth of a relayed 200 KB GET's CPU). A size that
   * changed costs one such detour, and a call's answer corrects it.
   */
  private readonly large = new Map<string, true>();

  constructor(
    private readonly service: NodeServiceClient,
    private readonly node: NodeRecord,
    private readonly o: ReadMuxOptions,
  ) {
    this.overdue = new Overdue(o.readyMs, (id) => this.expire(id));
  }

  /**
   * Reads on the stream; undefined at once when this read goes by a call instead (no stream
   * for this node, the in-flight bound reached, a caller already gone). The promise resolves
   * undefined when the node said `use_call` or the stream failed before the answer.
   */
  read(ctx: CallContext, path: string, options?: ReadOptions): Promise<Answer> | undefined {
    if (this.unsupported || this.pending.size >= this.o.maxInFlight) return undefined;
    if (this.large.has(path)) {
      const length = options?.range?.length;
      if (length === undefined || length > WHOLE_RELAY_BYTES) return undefined;
    }
    const signal = ctx.signal;
    if (signal?.aborted) return undefined;
    const stream = this.stream ?? this.open();
    if (!stream) return undefined;
    const id = this.nextId++;
    return new Promise<Answer>((resolve, reject) => {
      const entry: Pending = { resolve, reject, signal, onAbort: undefined };
      if (signal) {
        // The caller gone: its entry is dropped, and it sees what a cancelled call shows.
        entry.onAbort = () => {
          if (this.take(id)) reject(fromGrpcError(CANCELLED, this.node.instance_id));
        };
        signal.addEventListener('abort', entry.onAbort, { once: true });
      }
      this.pending.set(id, entry);
      this.overdue.add(id);
      stream.write({
        id,
        user: ctx.caller.user,
        read: readRequestToWire(path, options),
      } satisfies ReadManyRequest);
    });
  }

  /** What a read of `path` by a call showed: the size of the whole file. */
  learn(path: string, size: number): void {
    if (size <= WHOLE_RELAY_BYTES) {
      this.large.delete(path);
      return;
    }
    if (this.large.has(path)) return;
    if (this.large.size >= LARGE_PATHS) this.large.delete(this.large.keys().next().value!);
    this.large.set(path, true);
  }

  /** Ends the stream; pending reads go by calls. */
  close(): void {
    this.closedUntil = Infinity;
    this.stream?.cancel();
  }

  private open(): Stream | undefined {
    if (Date.now() < this.closedUntil) return undefined;
    const md = new grpc.Metadata();
    md.set('authorization', `Bearer ${this.o.internalSecret}`);
    const stream = withoutCallerStack(() => this.service.ReadMany(md));
    stream.on('data', (res: ReadManyResponse__Output) => this.answer(res));
    // Every end, clean or not, comes as a status; the error event only repeats it.
    stream.on('error', () => undefined);
    stream.on('status', (status: grpc.StatusObject) => this.ended(stream, status));
    this.stream = stream;
    return stream;
  }

  /** The entry of `id`, no longer pending; undefined when it was answered or dropped. */
  private take(id: number): Pending | undefined {
    const entry = this.pending.get(id);
    if (!entry) return undefined;
    this.pending.delete(id);
    this.overdue.delete(id);
    if (entry.onAbort) entry.signal?.removeEventListener('abort', entry.onAbort);
    return entry;
  }

  private answer(res: ReadManyResponse__Output): void {
    const entry = this.take(res.id);
    if (!entry) return;
    const ownerId = this.node.instance_id;
    if (res.read) {
      try {
        entry.resolve(resultOf(res.read));
      } catch (err) {
        entry.reject(err);
      }
    } else if (res.error) {
      entry.reject(fromWireStatus(res.error, ownerId));
    } else {
      entry.resolve(undefined);
    }
  }

  /**
   * No answer within the ready bound: the read fails as a Read call whose headers did not come
   * in time does, and the stream, which left an answer that long, is cut (the reads still
   * pending on it go by calls; the next reads open a new stream).
   */
  private expire(id: number): void {
    const entry = this.pending.get(id);
    if (!entry) return;
    this.take(id);
    entry.reject(fromGrpcError(CANCELLED, this.node.instance_id));
    this.stream?.cancel();
  }

  private ended(stream: Stream, status: grpc.StatusObject): void {
    if (this.stream !== stream) return;
    this.stream = undefined;
    if (status.code === grpc.status.UNIMPLEMENTED) this.unsupported = true;
    else this.closedUntil = Math.max(this.closedUntil, Date.now() + this.o.reopenAfterMs);
    const entries = [...this.pending.values()];
    this.pending.clear();
    this.overdue.clear();
    for (const entry of entries) {
      if (entry.onAbort) entry.signal?.removeEventListener('abort', entry.onAbort);
      entry.resolve(undefined);
    }
  }
}

/** A ReadResult of the header message with its body inline, checked as a Read call's is. */
function resultOf(m: ReadResponse__Output): ReadResult {
  const info = m.header;
  if (!info) throw new InternalError('owner answered Read without a header');
  if (m.not_modified) return { info, body: Readable.from([]), notModified: true };
  const range = m.range;
  const length = range ? range.end - range.start + 1 : info.size;
  if (length > WHOLE_RELAY_BYTES)
    throw new InternalError(`owner sent a ${length}-byte body inline`);
  if (m.body.length > length) {
    throw new InternalError(`owner sent more than the ${length} bytes announced`);
  }
  const spanned = range ? { range: { start: range.start, end: range.end } } : {};
  return { info, body: wholeBody(m.body), ...spanned };
}
