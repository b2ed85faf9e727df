// The Node HTTP(S) server in front of the edge app. Some requests are answered before the app
// sees them: ones Node's parser refuses (bad syntax → 400, headers over `maxHeaderSize` → 431),
// an `Expect` other than `100-continue` (417), and ones the Hono adapter cannot turn into a URL
// (no or a bad Host, a backslash in the path). Each of those still gets the API's answer: the
// JSON error body with a code matching the status, the security headers and an X-Request-ID.
// `100 Continue` is never sent here: the edge sends it when a handler first reads the body,
// which is after authentication and after the owner has accepted the write (request.ts).
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { getRequestListener, RequestError } from '@hono/node-server';
import type { Logger } from 'pino';
import {
  BadRequestError,
  type CallfsError,
  ExpectationFailedError,
  HeadersTooLargeError,
  InvalidPathError,
} from '../files/errors.js';
import { errorResponse } from './error-map.js';
import { standardHeaders } from './security.js';

export interface EdgeServerOptions {
  /** The edge's fetch handler (edgeFetch(app)). */
  fetch: Parameters<typeof getRequestListener>[0];
  instanceId: string;
  logger: Logger;
  /** Certificate and key: serve HTTPS. */
  tls?: { cert: Buffer; key: Buffer };
  /** Idle timeout of a connection; there is no total request timeout. */
  idleTimeoutMs: number;
  /** Largest request line + headers, in bytes (Node's default is 16 KiB). */
  maxHeaderSize?: number;
  /** Time to receive a request's headers (default 30 s), and how often Node checks it. */
  headersTimeoutMs?: number;
  connectionsCheckingIntervalMs?: number;
}

/** Status line reasons of the answers written straight to a socket. */
const REASONS: Record<number, string> = {
  400: 'Bad Request',
  417: 'Expectation Failed',
  431: 'Request Header Fields Too Large',
};

export function createEdgeServer(o: EdgeServerOptions): Server {
  const tls = o.tls !== undefined;
  const answer = (err: CallfsError) => {
    const { status, body } = errorResponse(err, o.instanceId);
    const text = JSON.stringify(body);
    const headers: Record<string, string> = {
      ...standardHeaders({ tls }),
      'Content-Type': 'application/json',
      'Content-Length': String(Buffer.byteLength(text)),
      Connection: 'close',
    };
    return { status, headers, text };
  };
  const listener = getRequestListener(o.fetch, {
    // The adapter could not build the request's URL.
    errorHandler: (err) => {
      const message = err instanceof Error ? err.message : 'bad request';
      o.logger.debug({ err: message }, 'request refused by the HTTP adapter');
      const error = /backslash/i.test(message)
        ? new InvalidPathError('the request path contains a backslash')
        : new BadRequestError(`malformed request: ${adapterReason(err)}`);
      const { status, headers, text } = answer(error);
      return new Response(text, { status, headers });
    },
  });
  const serverOptions = {
    // Checked by the adapter instead, so a missing Host gets the API's answer, not Node's.
    requireHostHeader: false,
    ...(o.maxHeaderSize ? { maxHeaderSize: o.maxHeaderSize } : {}),
    ...(o.connectionsCheckingIntervalMs
      ? { connectionsCheckingInterval: o.connectionsCheckingIntervalMs }
      : {}),
  };
  const server: Server = o.tls
    ? (createHttpsServer(
        { ...serverOptions, cert: o.tls.cert, key: o.tls.key },
        listener,
      ) as Server)
    : createHttpServer(serverOptions, listener);

  // Idle timeouts only: Node's default 5-minute total request timeout would cut a slow large
  // transfer, which the API promises never to do.
  server.setTimeout(o.idleTimeoutMs);
  server.requestTimeout = 0;
  server.headersTimeout = o.headersTimeoutMs ?? 30_000;

  // Without this listener Node answers `100 Continue` at once, before anyone checked the key.
  server.on('checkContinue', (req: IncomingMessage, res) => server.emit('request', req, res));
  server.on('checkExpectation', (_req: IncomingMessage, res) => {
    const { status, headers, text } = answer(
      new ExpectationFailedError('the only expectation supported is 100-continue'),
    );
    res.writeHead(status, headers).end(text);
  });
  const answers = answersInFlight(server);
  // A request Node's parser refuses: answered on the raw socket (there is no response object).
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    o.logger.debug({ err: err.code }, 'malformed HTTP request');
    const code = err.code as string | undefined;
    // Its 400 already waits for the answers owed before it, and ends the connection then: the
    // parser, which saw an unfinished request, reports a headers timeout meanwhile, which must
    // not cut an answer still going out (a slow commit, a large GET).
    if (answers.deferred.has(socket)) return;
    if (!socket.writable || code === 'ECONNRESET' || code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      socket.destroy();
      return;
    }
    const refuse = (): void => {
      const pending = answers.of(socket);
      // Bytes of an answer already went out: a status line now would land inside its body.
      if (!socket.writable || pending.some((res) => res.headersSent)) {
        socket.destroy();
        return;
      }
      const { status, headers, text } = answer(
        code === 'HPE_HEADER_OVERFLOW'
          ? new HeadersTooLargeError('the request line and headers are too large')
          : new BadRequestError('malformed HTTP request'),
      );
      const head = Object.entries(headers)
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('');
      socket.end(`HTTP/1.1 ${status} ${REASONS[status] ?? 'Error'}\r\n${head}\r\n${text}`);
    };
    // What the parser refused follows a request it read whole (a body longer than its
    // Content-Length, or a pipelined request): that request is answered first, as it would be
    // on its own, and only then the rest with the 400. Answering at once wrote the 400 in its
    // place and closed the connection under it, racing its commit: a write applied or not, and
    // its client told 400 either way.
    const whole = answers.of(socket).filter((res) => res.req.complete);
    if (whole.length === 0) refuse();
    else if (!answers.deferred.has(socket)) {
      answers.deferred.add(socket);
      void Promise.all(whole.map(closed)).then(refuse);
    }
  });
  return server;
}

/** The answers each connection still owes, and the connections whose 400 waits for them. */
function answersInFlight(server: Server): {
  of(socket: Duplex): ServerResponse[];
  deferred: WeakSet<Duplex>;
} {
  const owed = new WeakMap<Duplex, Set<ServerResponse>>();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    let set = owed.get(req.socket);
    if (!set) owed.set(req.socket, (set = new Set()));
    const own = set;
    own.add(res);
    res.once('close', () => own.delete(res));
  });
  return {
    of: (socket) => [...(owed.get(socket) ?? [])],
    deferred: new WeakSet(),
  };
}

/** Resolves once `res` is closed: sent whole, or its connection gone. */
function closed(res: ServerResponse): Promise<void> {
  return res.closed ? Promise.resolve() : new Promise((resolve) => res.once('close', resolve));
}

/** The adapter's reasons are fixed strings ("Missing host header", ...); nothing of the input. */
function adapterReason(err: unknown): string {
  const m = err instanceof RequestError ? err.message : '';
  return /^(missing|invalid|unsupported) [a-z ]{1,40}$/i.test(m)
    ? m.toLowerCase()
    : 'invalid request target';
}
