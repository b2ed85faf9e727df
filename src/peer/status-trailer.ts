// The last word on every failed call's trailers: each non-OK gRPC status this server sends
// carries `x-callfs-code`, and the retryable ones `x-callfs-retry-after`. Statuses our handlers
// produce have them already (status-map.ts); this catches those grpc-js produces itself before
// or around a handler — a message over the size limit (RESOURCE_EXHAUSTED), an unknown method
// (UNIMPLEMENTED), a server shutting down (UNAVAILABLE) — by adding the trailers to the HTTP/2
// response as grpc-js writes it. grpc-js has no hook for its own statuses: interceptors never
// see them.
import type {
  Http2Server,
  IncomingHttpHeaders,
  OutgoingHttpHeaders,
  ServerHttp2Stream,
} from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import { MD } from './proto.js';
import { RETRY_AFTER_SECONDS, retryAfterFor } from './status-map.js';

const S = grpc.status;

/** The API code of a status grpc-js (not a handler) produced. */
export const TRANSPORT_CODES: Partial<Record<grpc.status, string>> = {
  [S.INVALID_ARGUMENT]: 'BAD_REQUEST',
  [S.UNAUTHENTICATED]: 'AUTHENTICATION_FAILED',
  [S.PERMISSION_DENIED]: 'PERMISSION_DENIED',
  [S.NOT_FOUND]: 'ROUTE_NOT_FOUND',
  [S.UNIMPLEMENTED]: 'METHOD_NOT_ALLOWED',
  [S.RESOURCE_EXHAUSTED]: 'PAYLOAD_TOO_LARGE',
  [S.UNAVAILABLE]: 'NODE_NOT_SERVING',
};

/** Adds the CallFS trailers to a status's headers when a non-OK status lacks them. */
export function withCallfsTrailers(headers: OutgoingHttpHeaders): OutgoingHttpHeaders {
  const raw = headers['grpc-status'];
  if (raw === undefined) return headers;
  const status = Number(raw) as grpc.status;
  if (status === S.OK || headers[MD.code] !== undefined) return headers;
  const code = TRANSPORT_CODES[status] ?? 'INTERNAL_ERROR';
  const out: OutgoingHttpHeaders = { ...headers, [MD.code]: code };
  if (retryAfterFor(code) && out[MD.retryAfter] === undefined) {
    out[MD.retryAfter] = RETRY_AFTER_SECONDS;
  }
  return out;
}

function patchStream(stream: ServerHttp2Stream): void {
  const respond = stream.respond.bind(stream);
  const sendTrailers = stream.sendTrailers.bind(stream);
  stream.respond = (headers, options) => respond(headers && withCallfsTrailers(headers), options);
  stream.sendTrailers = (headers) => sendTrailers(withCallfsTrailers(headers));
}

/** Installs the trailers on every stream of a bound server's HTTP/2 listeners. */
export function installCallfsTrailers(server: grpc.Server): boolean {
  const listeners = (server as unknown as { http2Servers?: Map<Http2Server, unknown> })
    .http2Servers;
  if (!listeners) return false;
  for (const http2Server of listeners.keys()) {
    // Prepended: grpc-js may answer (an unknown method) inside its own 'stream' listener.
    http2Server.prependListener(
      'stream',
      (stream: ServerHttp2Stream, _headers: IncomingHttpHeaders) => patchStream(stream),
    );
  }
  return true;
}
