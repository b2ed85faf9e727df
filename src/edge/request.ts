// Helpers that read what the Node adapter hands the Hono app: the raw request URL (before any
// normalization), the request body as a Node stream (faster than the web stream), and an
// AbortSignal that fires when the client goes away before the response is done.
import { Readable } from 'node:stream';
import type { Context } from 'hono';
import type { HttpBindings } from '@hono/node-server';

export type EdgeEnv = { Bindings: Partial<HttpBindings>; Variables: EdgeVariables };

export interface EdgeVariables {
  requestId: string;
  caller: import('../files/ports.js').Caller;
  /** X-Request-ID and the security headers of this request's answer (security.ts). */
  standardHeaders: Record<string, string>;
}

/** The raw path and query exactly as the client sent them. */
export function rawUrl(c: Context<EdgeEnv>): string {
  const incoming = c.env?.incoming?.url;
  if (incoming) return incoming;
  const u = new URL(c.req.url);
  return u.pathname + u.search;
}

/** Node's test for the expectation (http server: `continueExpression`). */
const CONTINUE = /(?:^|\W)100-continue(?:$|\W)/i;

/**
 * The request body as a stream of Buffers, never buffered whole. Asking for it is what sends
 * `100 Continue` to a client that waits for one: handlers ask only once the caller is
 * authenticated and the write accepted, so a refused request never invites its body.
 */
export function requestBody(c: Context<EdgeEnv>): AsyncIterable<Buffer> {
  const incoming = c.env?.incoming;
  const outgoing = c.env?.outgoing;
  if (incoming && outgoing && CONTINUE.test(incoming.headers.expect ?? '')) {
    if (!outgoing.headersSent && !continued.has(outgoing)) {
      continued.add(outgoing);
      outgoing.writeContinue();
    }
  }
  if (incoming) return incoming;
  const web = c.req.raw.body;
  if (!web) return Readable.from([]);
  return Readable.fromWeb(web as import('node:stream/web').ReadableStream<Uint8Array>);
}

const continued = new WeakSet<object>();

/** Fires when the client disconnects before the response has been fully sent. */
export function clientGoneSignal(c: Context<EdgeEnv>): AbortSignal {
  const incoming = c.env?.incoming;
  const outgoing = c.env?.outgoing;
  if (!incoming || !outgoing) return c.req.raw.signal;
  const ac = new AbortController();
  const onClose = (): void => {
    if (!outgoing.writableFinished) ac.abort(new Error('client disconnected'));
  };
  incoming.once('aborted', onClose);
  outgoing.once('close', onClose);
  return ac.signal;
}

/** The declared body length, or -1 when unknown (chunked). */
export function contentLength(c: Context<EdgeEnv>): number {
  const v = c.req.header('content-length');
  if (v === undefined) return -1;
  const n = Number(v);
  return Number.isSafeInteger(n) && n >= 0 ? n : -1;
}
