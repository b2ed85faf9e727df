// The gRPC server of callfs.v1.FileService: the files service for peers and internal services.
// It authenticates the call (an API key, or the internal secret plus the original caller),
// runs the same files-service operation the HTTP edge would, and maps errors once to gRPC.
import type { EventEmitter } from 'node:events';
import type { Http2Server, ServerHttp2Session } from 'node:http2';
import type { Readable } from 'node:stream';
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { callerFor, type Authenticator } from '../auth/api-keys.js';
import {
  AuthenticationError,
  BadRequestError,
  InvalidPathError,
  PayloadTooLargeError,
} from '../files/errors.js';
import { canonicalize } from '../files/paths.js';
import type { ChangeFeed } from '../files/change-feed.js';
import type { CallContext, DirectBody, FilesApi } from '../files/ports.js';
import type { FileServiceHandlers } from '../generated/callfs/v1/FileService.js';
import type { NodeServiceHandlers } from '../generated/callfs/v1/NodeService.js';
import type { StageFileRequest__Output } from '../generated/callfs/v1/StageFileRequest.js';
import type { WriteRequest__Output } from '../generated/callfs/v1/WriteRequest.js';
import type { WriteResponse } from '../generated/callfs/v1/WriteResponse.js';
import { bufferOneMessage, rechunk, writeWithBackpressure } from './chunks.js';
import { chunkSink } from './chunk-sink.js';
import { EncodedChunk } from './chunk-codec.js';
import { listMessages } from './list-stream.js';
import { moveSpecOf } from './move-request.js';
import { incoming } from './incoming.js';
import { loadNodeProto, loadProto, MD } from './proto.js';
import { toGrpcStatus } from './status-map.js';
import { watchStream } from './watch-stream.js';
import { conditionsFromWire, readOptionsFromWire } from './conditions-wire.js';
import { evaluateConditions } from '../files/conditions.js';
import { installCallfsTrailers } from './status-trailer.js';
import { wholeBytesOf } from '../files/whole-body.js';

export interface PeerServerOptions {
  files: FilesApi;
  auth: Authenticator;
  logger: Logger;
  chunkSize: number;
  /** HTTP/2 flow-control window for data flowing into this server (uploads). */
  flowControlWindow: number;
  /** A Write or StageFile whose caller sends nothing for this long is ended. */
  writeIdleTimeoutMs: number;
  credentials?: grpc.ServerCredentials;
  /** The change feed served by `Watch` (UNIMPLEMENTED without it). */
  feed?: ChangeFeed;
  /** Further services on the same server (health, reflection). */
  services?: Array<(server: grpc.Server) => void>;
}

function first(md: grpc.Metadata, key: string): string | undefined {
  const v = md.get(key)[0];
  return v === undefined ? undefined : String(v);
}

/** Authenticates a call; the caller named in metadata is trusted only with the internal secret. */
function contextOf(auth: Authenticator, md: grpc.Metadata, signal?: AbortSignal): CallContext {
  const authorization = first(md, 'authorization');
  if (auth.isInternal(authorization)) {
    const user = first(md, MD.user);
    return {
      caller: user ? callerFor(user) : auth.authenticate(authorization),
      forwarded: first(md, MD.forwarded) === '1',
      signal,
    };
  }
  return { caller: auth.authenticate(authorization), forwarded: false, signal };
}

/**
 * The signal of a caller's cancel, to be released once the handler is done: grpc-js emits
 * 'cancelled' when any call's stream closes, finished or not, and a finished call has nothing
 * to cancel (the abort would cost an Error and an event per call).
 */
function callCancellation(call: EventEmitter): { signal: AbortSignal; release: () => void } {
  const ac = new AbortController();
  const onCancel = (): void => ac.abort(new Error('call cancelled'));
  call.once('cancelled', onCancel);
  return { signal: ac.signal, release: () => void call.off('cancelled', onCancel) };
}

/** The signal of a caller's cancel, for handlers that hold no listener worth releasing. */
const cancelSignal = (call: EventEmitter): AbortSignal => callCancellation(call).signal;

const path = (p: string): string => canonicalize(p).path;

/** A body that can send itself with reused buffers, and has not been read from yet. */
function isDirect(body: Readable): body is Readable & DirectBody {
  return typeof (body as Partial<DirectBody>).sendTo === 'function' && !body.readableDidRead;
}

/**
 * Answers the response headers at once. A call that may run long (a Move carrying a file's
 * bytes, a recursive Delete, a directory's ApplyMove, a StageFile) is bounded by progress, not
 * by a total deadline: the caller waits `ready_timeout_ms` for these headers (a hung node is
 * noticed fast), and after them only for as long as keepalive shows this node alive.
 */
function accepted(call: { sendMetadata(md: grpc.Metadata): void }): void {
  call.sendMetadata(new grpc.Metadata());
}

/** Runs a unary handler's work and answers its result, or its error mapped once to gRPC. */
function answer<T>(work: () => Promise<T>, cb: grpc.sendUnaryData<T>): void {
  work().then(
    (r) => cb(null, r),
    (err: unknown) => cb(toGrpcStatus(err) as grpc.ServiceError),
  );
}

export function createPeerHandlers(o: PeerServerOptions): FileServiceHandlers {
  const { files, auth } = o;
  const fail = (err: unknown): grpc.ServiceError => toGrpcStatus(err) as grpc.ServiceError;

  return {
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
      (async () => {
        const ctx = contextOf(auth, call.metadata, cancelled);
        const options = readOptionsFromWire(call.request);
        const { info, body, range, notModified } = await files.read(
          ctx,
          path(call.request.path),
          options,
        );
        try {
          await writeWithBackpressure(
            call,
            { header: info, range: range ?? null, not_modified: notModified ?? false },
            cancelled,
          );
          const whole = wholeBytesOf(body);
          if (whole) {
            // A small file, read when it was opened: its bytes go out as they are, without
            // reading them back through the stream.
            for (let at = 0; at < whole.length; at += o.chunkSize) {
              const piece = new EncodedChunk([whole.subarray(at, at + o.chunkSize)]);
              await writeWithBackpressure(call, piece, cancelled);
            }
          } else if (isDirect(body)) {
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

/** NodeService: steps of multi-node jobs; only other nodes (the internal secret) may call. */
export function createNodeHandlers(o: PeerServerOptions): NodeServiceHandlers {
  const internalOnly = (md: grpc.Metadata): void => {
    if (!o.auth.isInternal(first(md, 'authorization'))) {
      throw new AuthenticationError('NodeService is for nodes only');
    }
  };
  return {
    StageFile: (call, cb) => {
      accepted(call);
      answer(async () => {
        internalOnly(call.metadata);
        bufferOneMessage(call);
        const messages = incoming<StageFileRequest__Output>(
          call,
          o.writeIdleTimeoutMs,
          'the StageFile',
        );
        const header = (await messages.next())?.header;
        if (!header) throw new BadRequestError('the first StageFile message must be a header');
        const body = async function* (): AsyncGenerator<Buffer> {
          for (;;) {
            const msg = await messages.next();
            if (!msg) return;
            if (msg.chunk) yield msg.chunk;
          }
        };
        const size = await o.files.stageFile(
          {
            stageId: header.stage_id,
            path: path(header.path),
            gen: header.gen,
            size: header.size,
          },
          body(),
        );
        return { size };
      }, cb);
    },
    FinishStaged: (call, cb) => {
      answer(async () => {
        internalOnly(call.metadata);
        await o.files.finishStaged(call.request.stage_id, call.request.commit);
        return {};
      }, cb);
    },
    ApplyMove: (call, cb) => {
      accepted(call);
      answer(async () => {
        internalOnly(call.metadata);
        const r = call.request;
        const files = await o.files.applyMove(r.journal_id, path(r.source), path(r.destination));
        return { files };
      }, cb);
    },
  };
}

/** Twice the largest configurable chunk (peer.chunk_size_bytes ≤ 4 MiB), plus framing. */
export const MAX_RECEIVE_MESSAGE = 8 * 1024 * 1024 + 64 * 1024;

export interface PeerServer {
  /** The bound port (useful with port 0). */
  port: number;
  close(): Promise<void>;
}

export async function startPeerServer(
  o: PeerServerOptions,
  host: string,
  port: number,
): Promise<PeerServer> {
  const server = new grpc.Server({
    // Above any chunk a node may send (StageFile uses the sender's chunk size), so that a Write
    // chunk over Ready.chunk_size reaches the handler and fails with PAYLOAD_TOO_LARGE in
    // x-callfs-code; grpc-js refuses larger messages itself, without that trailer.
    'grpc.max_receive_message_length': MAX_RECEIVE_MESSAGE,
    'grpc.max_send_message_length': o.chunkSize + 64 * 1024,
    'grpc.keepalive_permit_without_calls': 1,
    'grpc.http2.min_ping_interval_without_data_ms': 1000,
    // Nothing reads channelz; with it on, grpc-js stamps and counts every call and message.
    'grpc.enable_channelz': 0,
  });
  const proto = loadProto();
  server.addService(proto.callfs.v1.FileService.service, createPeerHandlers(o));
  server.addService(loadNodeProto().callfs.v1.NodeService.service, createNodeHandlers(o));
  for (const add of o.services ?? []) add(server);
  const bindHost = host.includes(':') ? `[${host}]` : host;
  const bound = await new Promise<number>((resolve, reject) =>
    server.bindAsync(
      `${bindHost}:${port}`,
      o.credentials ?? grpc.ServerCredentials.createInsecure(),
      (err, p) => (err ? reject(err) : resolve(p)),
    ),
  );
  widenUploadWindow(server, o.flowControlWindow, o.logger);
  if (!installCallfsTrailers(server))
    o.logger.warn('grpc-js internals changed: some errors lack x-callfs-code');
  return {
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => server.forceShutdown(), 5000);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}

/**
 * grpc-js has no server option for the HTTP/2 flow-control window, and its 64 KiB default caps
 * uploads near 400 MB/s (TOOLCHAIN.md). Each new session of the server's HTTP/2 listeners gets
 * the configured window for both the connection and its streams.
 */
function widenUploadWindow(server: grpc.Server, window: number, logger: Logger): void {
  const listeners = (server as unknown as { http2Servers?: Map<Http2Server, unknown> })
    .http2Servers;
  if (!listeners) {
    logger.warn('grpc-js internals changed: uploads keep the default HTTP/2 window');
    return;
  }
  for (const http2Server of listeners.keys()) {
    http2Server.on('session', (session: ServerHttp2Session) => {
      session.settings({ initialWindowSize: Math.min(window, 2 ** 31 - 1) });
      session.setLocalWindowSize(window);
    });
  }
}
