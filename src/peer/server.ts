// The gRPC server of the node: callfs.v1.FileService (file-handlers.ts) for peers and internal
// services, callfs.v1.NodeService (node-handlers.ts) for the steps of multi-node jobs, and the
// further services the composition root adds (health, reflection), on one port.
import type { Http2Server, ServerHttp2Session } from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { createPeerHandlers } from './file-handlers.js';
import type { PeerHandlerOptions } from './handler-context.js';
import { createNodeHandlers } from './node-handlers.js';
import { loadNodeProto, loadProto } from './proto.js';
import { ReadManyStreams } from './read-many.js';
import { installCallfsTrailers } from './status-trailer.js';

export interface PeerServerOptions extends PeerHandlerOptions {
  logger: Logger;
  /** HTTP/2 flow-control window for data flowing into this server (uploads). */
  flowControlWindow: number;
  credentials?: grpc.ServerCredentials;
  /** Further services on the same server (health, reflection). */
  services?: Array<(server: grpc.Server) => void>;
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
  const readMany = new ReadManyStreams();
  server.addService(loadNodeProto().callfs.v1.NodeService.service, createNodeHandlers(o, readMany));
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
        // Other nodes' ReadMany streams last until they end them: they end here.
        readMany.drain();
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
