// The handlers of callfs.v1.FileService: the files service for peers and internal services.
// Each runs the same files-service operation the HTTP edge would, as the authenticated caller.
import type * as grpc from '@grpc/grpc-js';
import { BadRequestError, InvalidPathError, PayloadTooLargeError } from '../files/errors.js';
import { canonicalize } from '../files/paths.js';
import { isDirectBody } from '../files/direct-body.js';
import type { FileServiceHandlers } from '../generated/callfs/v1/FileService.js';
import type { WriteRequest__Output } from '../generated/callfs/v1/WriteRequest.js';
import type { WriteResponse } from '../generated/callfs/v1/WriteResponse.js';
import { bufferOneMessage, rechunk, writeWithBackpressure } from './chunks.js';
import { chunkSink } from './chunk-sink.js';
import { EncodedChunk } from './chunk-codec.js';
import { listMessages } from './list-stream.js';
import { moveSpecOf } from './move-request.js';
import { incoming } from './incoming.js';
import { toGrpcStatus } from './status-map.js';
import { watchStream } from './watch-stream.js';
import { WHOLE_RELAY_BYTES } from './small-read.js';
import { conditionsFromWire, readOptionsFromWire } from './conditions-wire.js';
import { evaluateConditions } from '../files/conditions.js';
import { readSmallBody, wholeBytesOf } from '../files/whole-body.js';
import {
  accepted,
  answer,
  callCancellation,
  cancelSignal,
  contextOf,
  path,
  type PeerHandlerOptions,
} from './handler-context.js';

export function createPeerHandlers(o: PeerHandlerOptions): FileServiceHandlers {
  const { files, auth } = o;
  const fail = (err: unknown): grpc.ServiceError => toGrpcStatus(err) as grpc.ServiceError;

  return {
    // Changes nothing and answers fast: it sends its headers only with its answer, so the
    // caller's Ready deadline bounds the whole answer (a 503 there leaves the state as it was).
    Stat: (call, cb) => {
      answer(async () => {
        const ctx = contextOf(auth, call.metadata, cancelSignal(call));
        const info = await files.stat(ctx, path(call.request.path));
        const conditions = conditionsFromWire(call.request.conditions);
        const verdict = evaluateConditions(info, conditions, true);
        return { info, not_modified: verdict === 'not-modified' };
      }, cb);
    },

    Read: (call) => {
      // Created first, so a cancel that comes while the file is being opened is not missed.
      const cancellation = callCancellation(call);
      const cancelled = cancellation.signal;
      // Usually the headers go out with the first message; a read that has to wait says it
      // has the call first (a timer per call, not an extra frame per call).
      const late = setTimeout(() => call.cancelled || accepted(call), o.readAcceptAfterMs ?? 500);
      (async () => {
        const ctx = contextOf(auth, call.metadata, cancelled);
        const options = readOptionsFromWire(call.request);
        const opened = files.read(ctx, path(call.request.path), options);
        const { info, body, range, notModified } = await opened.finally(() => clearTimeout(late));
        try {
          const header = { header: info, range: range ?? null, not_modified: notModified ?? false };
          const length = range ? range.end - range.start + 1 : info.size;
          if (call.request.inline_small_body && length <= WHOLE_RELAY_BYTES && !notModified) {
            // A small read is one message: its bytes ride in the header (ReadResponse.body).
            const bytes = wholeBytesOf(body) ?? (await readSmallBody(body, length));
            await writeWithBackpressure(call, { ...header, body: bytes }, cancelled);
            call.end();
            return;
          }
          await writeWithBackpressure(call, header, cancelled);
          const whole = wholeBytesOf(body);
          if (whole) {
            // A small file, read when it was opened: its bytes go out as they are, without
            // reading them back through the stream.
            for (let at = 0; at < whole.length; at += o.chunkSize) {
              const piece = new EncodedChunk([whole.subarray(at, at + o.chunkSize)]);
              await writeWithBackpressure(call, piece, cancelled);
            }
          } else if (isDirectBody(body)) {
            await body.sendTo(chunkSink(call, o.chunkSize, cancelled));
          } else {
            for await (const chunk of rechunk(body, o.chunkSize)) {
              await writeWithBackpressure(call, chunk, cancelled);
            }
          }
          call.end();
        } finally {
          body.destroy();
        }
      })().then(cancellation.release, (err: unknown) => {
        clearTimeout(late);
        cancellation.release();
        if (!call.cancelled) call.emit('error', fail(err));
      });
    },

    Write: (call) => {
      const signal = cancelSignal(call);
      (async () => {
        bufferOneMessage(call);
        const messages = incoming<WriteRequest__Output>(call, o.writeIdleTimeoutMs, 'the Write');
        const header = (await messages.next())?.header;
        if (!header) throw new BadRequestError('the first Write message must be a header');
        const ctx = contextOf(auth, call.metadata, signal);
        const target = canonicalize(header.path);
        if (target.trailingSlash && target.path !== '/') {
          throw new InvalidPathError('a Write needs a file path (no trailing slash)');
        }
        const expected = header.expected_size;
        const session = await files.openWrite(ctx, {
          path: target.path,
          write_mode: header.write_mode,
          expected_size: expected,
          conditions: conditionsFromWire(header.conditions),
        });
        let ended = false;
        try {
          const ready: WriteResponse = {
            ready: { chunk_size: o.chunkSize, exists: session.exists },
          };
          await writeWithBackpressure(call, ready);
          // Every check throws before the body ends, so the session never commits a bad write.
          const body = async function* (): AsyncGenerator<Buffer> {
            let received = 0;
            for (;;) {
              const msg = await messages.next();
              if (!msg) throw new BadRequestError('the Write ended without Finish');
              if (msg.finish) {
                if (msg.finish.size !== received) {
                  throw new BadRequestError(
                    `Finish says ${msg.finish.size} bytes but ${received} arrived`,
                  );
                }
                if (expected >= 0 && received !== expected) {
                  throw new BadRequestError(
                    `expected_size is ${expected} bytes but ${received} arrived`,
                  );
                }
                ended = true;
                return;
              }
              if (!msg.chunk) throw new BadRequestError('expected a chunk or Finish');
              if (msg.chunk.length > o.chunkSize) {
                throw new PayloadTooLargeError(
                  `a Write chunk may be at most ${o.chunkSize} bytes (Ready.chunk_size)`,
                );
              }
              received += msg.chunk.length;
              if (expected >= 0 && received > expected) {
                throw new BadRequestError(`more bytes arrived than expected_size ${expected}`);
              }
              yield msg.chunk;
            }
          };
          const result = await session.write(body());
          await writeWithBackpressure(call, { result } satisfies WriteResponse);
          call.end();
        } finally {
          if (!ended) await session.abort();
        }
      })().catch((err) => {
        if (!call.cancelled) call.emit('error', fail(err));
      });
    },

    Delete: (call, cb) => {
      accepted(call);
      answer(async () => {
        const ctx = contextOf(auth, call.metadata, cancelSignal(call));
        await files.remove(ctx, path(call.request.path), {
          recursive: call.request.recursive,
          conditions: conditionsFromWire(call.request.conditions),
        });
        return {};
      }, cb);
    },

    Mkdir: (call, cb) => {
      accepted(call);
      answer(async () => {
        const ctx = contextOf(auth, call.metadata, cancelSignal(call));
        return files.mkdir(ctx, path(call.request.path));
      }, cb);
    },

    List: (call) => {
      (async () => {
        const ctx = contextOf(auth, call.metadata, cancelSignal(call));
        // Read from etcd page by page while the entries stream out.
        const messages = await listMessages(files, ctx, path(call.request.path), call.request);
        for await (const message of messages) {
          if (call.cancelled) return;
          await writeWithBackpressure(call, message);
        }
        call.end();
      })().catch((err) => {
        if (!call.cancelled) call.emit('error', fail(err));
      });
    },

    Move: (call, cb) => {
      accepted(call);
      answer(async () => {
        const ctx = contextOf(auth, call.metadata, cancelSignal(call));
        const source = path(call.request.source);
        const info = await files.move(
          ctx,
          source,
          moveSpecOf(source, call.request),
          conditionsFromWire(call.request.conditions),
        );
        return { info };
      }, cb);
    },

    // Anyone authenticated may watch, as anyone may list.
    Watch: (call) => watchStream(call, o.feed, () => contextOf(auth, call.metadata)),
  };
}
