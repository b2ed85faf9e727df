// A Read of a file on the node that owns it: the header message, then the bytes, whole for a
// small body (one message from owners that offer inline bodies, small-read.ts) or streamed. The
// call waits for the owner to accept it within the ready bound, then as long as keepalive
// shows the owner alive; a body that fails after the header never ends cleanly.
import { Readable } from 'node:stream';
import type * as grpc from '@grpc/grpc-js';
import { InternalError } from '../files/errors.js';
import type { CallContext, NodeRecord, ReadOptions, ReadResult } from '../files/ports.js';
import { wholeBody } from '../files/whole-body.js';
import type { FileServiceClient } from '../generated/callfs/v1/FileService.js';
import type { ReadResponse__Output } from '../generated/callfs/v1/ReadResponse.js';
import { untilAccepted } from './call-bounds.js';
import { bufferOneMessage } from './chunks.js';
import { readRequestToWire } from './conditions-wire.js';
import { gather, Messages, WHOLE_RELAY_BYTES } from './small-read.js';
import { fromGrpcError } from './status-map.js';

/** What a Read needs of the client: the owner's channel, the call's metadata, the ready bound. */
export interface ReadCall {
  service: FileServiceClient;
  metadata: grpc.Metadata;
  owner: NodeRecord;
  /** Deadline for the owner's response headers. */
  readyMs: number;
}

/**
 * Starts a call without the stack trace grpc-js captures for every call (a `new Error()` to
 * name the caller in a failure's stack): a fair part of a relayed small GET's CPU, and the
 * failures of a call are mapped to the files' errors here (fromGrpcError), never shown with it.
 */
export function withoutCallerStack<T>(start: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return start();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** Runs a Read on `owner`; the owner's failures come back as the files' errors. */
export async function readFromOwner(
  { service, metadata: md, owner, readyMs }: ReadCall,
  ctx: CallContext,
  path: string,
  options?: ReadOptions,
): Promise<ReadResult> {
  // A small body comes inside the header message from owners that offer it.
  const request = { ...readRequestToWire(path, options), inline_small_body: true };
  const call = withoutCallerStack(() => service.Read(request, md));
  bufferOneMessage(call);
  const cancel = (): void => call.cancel();
  ctx.signal?.addEventListener('abort', cancel, { once: true });
  // The owner's headers come with its first message, or first on their own when the read has
  // to wait there (a write of the path committing): after them keepalive bounds the wait.
  const stopWaiting = untilAccepted(call, readyMs);
  const messages = new Messages<ReadResponse__Output>(call);
  let first: ReadResponse__Output | undefined;
  try {
    first = await messages.next();
  } catch (err) {
    ctx.signal?.removeEventListener('abort', cancel);
    throw fromGrpcError(err, owner.instance_id);
  } finally {
    stopWaiting();
  }
  const info = first?.header;
  if (!first || !info) {
    call.cancel();
    ctx.signal?.removeEventListener('abort', cancel);
    throw new InternalError('owner answered Read without a header');
  }
  const range = first.range;
  if (first.not_modified) {
    call.cancel();
    ctx.signal?.removeEventListener('abort', cancel);
    return { info, body: Readable.from([]), notModified: true };
  }
  const ownerId = owner.instance_id;
  const spanned = range ? { range: { start: range.start, end: range.end } } : {};
  const length = range ? range.end - range.start + 1 : info.size;
  if (length <= WHOLE_RELAY_BYTES) {
    // A small body is gathered here, as its reader would read it whole anyway: no stream
    // and no generator per request. It counts only once the owner ended the call cleanly.
    try {
      const bytes = await gather(messages, first, length, ownerId);
      return { info, body: wholeBody(bytes), ...spanned };
    } catch (err) {
      // The call has ended unless the owner sent too much: then it is cut here.
      call.cancel();
      throw err;
    } finally {
      ctx.signal?.removeEventListener('abort', cancel);
    }
  }
  if (first.body.length > 0) {
    call.cancel();
    ctx.signal?.removeEventListener('abort', cancel);
    throw new InternalError(`owner sent a ${length}-byte body inline`);
  }
  // The body ends cleanly only if the owner ended the stream cleanly; any failure after the
  // header destroys the stream so a truncated body never looks complete.
  const body = Readable.from(
    (async function* () {
      try {
        for (;;) {
          const next = await messages.next();
          if (!next) return;
          if (next.chunk) yield next.chunk;
        }
      } catch (err) {
        throw fromGrpcError(err, ownerId);
      } finally {
        ctx.signal?.removeEventListener('abort', cancel);
        call.cancel();
      }
    })(),
    { objectMode: false },
  );
  // A body destroyed before its first read never runs the generator's finally.
  body.once('close', () => {
    ctx.signal?.removeEventListener('abort', cancel);
    call.cancel();
  });
  return { info, body, ...spanned };
}
