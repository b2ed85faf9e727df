// NodeService.ReadMany on the node that holds the files: the small Reads another node relays,
// many on one stream (read-mux.ts is the other end). Each request is served with the same
// files-service read as a Read call, as the caller it names and as forwarded (never relayed
// again), and answered once by its id: the header message with the whole body inline, the
// error the Read call would have ended with (its status and trailers, status-map.ts), or
// `use_call` when it cannot be one message in time. Only the stream is authorized, with the
// internal secret; a request costs no HTTP/2 stream, metadata, trailers or timer of its own.
import type * as grpc from '@grpc/grpc-js';
import { callerFor } from '../auth/api-keys.js';
import { AuthenticationError, BadRequestError } from '../files/errors.js';
import type { CallContext } from '../files/ports.js';
import { readSmallBody, wholeBytesOf } from '../files/whole-body.js';
import type { ReadManyRequest__Output } from '../generated/callfs/v1/ReadManyRequest.js';
import type { ReadManyResponse } from '../generated/callfs/v1/ReadManyResponse.js';
import { Overdue } from './call-bounds.js';
import { readOptionsFromWire } from './conditions-wire.js';
import { callCancellation, first, path, type PeerHandlerOptions } from './handler-context.js';
import { WHOLE_RELAY_BYTES } from './small-read.js';
import { toGrpcStatus, toWireStatus } from './status-map.js';

type ReadManyCall = grpc.ServerDuplexStream<ReadManyRequest__Output, ReadManyResponse>;

/**
 * Serves one ReadMany stream. A request whose answer is not ready within `readAcceptAfterMs`
 * (the read waits here: a write of the path committing, a slow disk or bucket) is answered
 * `use_call`, as a file over WHOLE_RELAY_BYTES is: where a Read call would send its response
 * headers first and keep its caller waiting as long as keepalive allows, the caller makes that
 * call instead. A read still running then is left to finish and its answer is dropped.
 */
export function serveReadMany(
  o: PeerHandlerOptions,
  call: ReadManyCall,
  streams?: ReadManyStreams,
): void {
  const authorization = first(call.metadata, 'authorization');
  if (!o.auth.isInternal(authorization)) {
    call.emit('error', toGrpcStatus(new AuthenticationError('NodeService is for nodes only')));
    return;
  }
  // The stream's cancel ends the reads in progress; a request has no cancel of its own (its
  // caller drops an answer it no longer waits for: a small read is soon done).
  const cancellation = callCancellation(call);
  const signal = cancellation.signal;
  const waiting = new Overdue<number>(o.readAcceptAfterMs ?? 500, (id) => {
    if (!call.cancelled) call.write({ id, use_call: true });
  });
  let running = 0;
  let ended = false;
  let draining = false;
  const drain = (): void => {
    draining = ended = true;
    finish();
  };
  streams?.add(drain);
  const finish = (): void => {
    if (ended && running === 0 && !call.cancelled) {
      streams?.delete(drain);
      waiting.clear();
      cancellation.release();
      call.end();
    }
  };
  const answer = (id: number, response: ReadManyResponse): void => {
    running--;
    if (waiting.delete(id) && !call.cancelled) call.write(response);
    finish();
  };
  call.on('data', (req: ReadManyRequest__Output) => {
    const id = req.id;
    if (draining) {
      if (!call.cancelled) call.write({ id, use_call: true });
      return;
    }
    running++;
    waiting.add(id);
    serve(o, req, authorization, signal).then(
      (response) => answer(id, response),
      (err: unknown) => answer(id, { id, error: toWireStatus(err) }),
    );
  });
  call.on('end', () => {
    ended = true;
    finish();
  });
  call.on('cancelled', () => {
    streams?.delete(drain);
    waiting.clear();
  });
  // A stream that failed is cancelled too; its error is not this node's to report.
  call.on('error', () => undefined);
}

/**
 * The ReadMany streams a server serves. A stream lives as long as its caller, so a server
 * shutting down ends them itself (else its graceful shutdown would wait for ever): each answers
 * what it has in progress, `use_call` to what comes after, then ends cleanly, and its caller
 * makes Read calls, which the server refuses or serves as it does any call while it stops.
 */
export class ReadManyStreams {
  private readonly draining = new Set<() => void>();

  add(drain: () => void): void {
    this.draining.add(drain);
  }

  delete(drain: () => void): void {
    this.draining.delete(drain);
  }

  /** Ends every stream once its answers in progress are out. */
  drain(): void {
    for (const drain of [...this.draining]) drain();
  }
}

/** One request's answer: the Read header message with the bytes inline, or `use_call`. */
async function serve(
  o: PeerHandlerOptions,
  req: ReadManyRequest__Output,
  authorization: string | undefined,
  signal: AbortSignal,
): Promise<ReadManyResponse> {
  const { id, read } = req;
  if (!read) throw new BadRequestError('a ReadMany request needs a read');
  const ctx: CallContext = {
    caller: req.user ? callerFor(req.user) : o.auth.authenticate(authorization),
    forwarded: true,
    signal,
  };
  const { info, body, range, notModified } = await o.files.read(
    ctx,
    path(read.path),
    readOptionsFromWire(read),
  );
  try {
    const header = { header: info, range: range ?? null };
    if (notModified) return { id, read: { ...header, not_modified: true } };
    const length = range ? range.end - range.start + 1 : info.size;
    if (length > WHOLE_RELAY_BYTES) return { id, use_call: true };
    const bytes = wholeBytesOf(body) ?? (await readSmallBody(body, length));
    return { id, read: { ...header, body: bytes } };
  } finally {
    body.destroy();
  }
}
