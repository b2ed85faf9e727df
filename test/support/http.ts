// Small HTTP helpers for tests: authenticated fetch against a node, and SHA-256 of bodies.
import {
  get as httpGet,
  request as httpRequest,
  type ClientRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
} from 'node:http';
import { API_KEY } from './node.js';

export { sha256 } from './checks.js';

export type BodyInput = NonNullable<RequestInit['body']> | Buffer | string;

/** The JSON body of an API answer. */
export interface ApiJson {
  code?: string;
  path?: string;
  [key: string]: unknown;
}

export async function jsonOf(res: Response): Promise<ApiJson> {
  return (await res.json()) as ApiJson;
}

export async function call(
  base: string,
  method: string,
  path: string,
  options: {
    body?: BodyInput;
    key?: string | null;
    headers?: Record<string, string>;
  } = {},
): Promise<Response> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key !== null) headers.authorization = `Bearer ${options.key ?? API_KEY}`;
  return fetch(`${base}${path}`, {
    method,
    headers,
    body: options.body as RequestInit['body'],
    duplex: 'half',
  } as RequestInit);
}

/** A whole answer to a node:http(s) request. */
export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * Sends the request `send` makes (with `body`, if any) and collects the whole answer; for tests
 * that need node:http(s) rather than fetch (a raw path, a source address, a custom CA).
 */
export function answerOf(
  send: (onResponse: (res: IncomingMessage) => void) => ClientRequest,
  body?: Buffer | string,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = send((res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Sends a request whose path is written to the socket exactly as given (no URL normalization). */
export function rawRequest(
  base: string,
  method: string,
  rawPath: string,
  options: { key?: string; body?: Buffer } = {},
): Promise<Answer> {
  const url = new URL(base);
  return answerOf(
    (onResponse) =>
      httpRequest(
        {
          host: url.hostname,
          port: url.port,
          method,
          path: rawPath,
          headers: {
            authorization: `Bearer ${options.key ?? API_KEY}`,
            ...(options.body ? { 'content-length': String(options.body.length) } : {}),
          },
        },
        onResponse,
      ),
    options.body,
  );
}

/** What a plain HTTP/1 GET received: whether the body ended cleanly or the connection was cut. */
export interface Served {
  status?: number;
  bytes: Buffer;
  complete: boolean;
}

/**
 * GETs `url` with node:http (no fetch: it must see a cut connection as such); `onFirstByte`
 * may destroy the request once the body has started.
 */
export function fetchAll(
  url: string,
  onFirstByte?: (destroy: () => void) => void,
): Promise<Served> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    const req = httpGet(url, (res) => {
      res.on('data', (d: Buffer) => {
        if (parts.length === 0) onFirstByte?.(() => req.destroy());
        parts.push(d);
      });
      res.on('end', () =>
        resolve({ status: res.statusCode, bytes: Buffer.concat(parts), complete: true }),
      );
      res.on('error', () => undefined);
      res.on('close', () =>
        resolve({ status: res.statusCode, bytes: Buffer.concat(parts), complete: res.complete }),
      );
    });
    req.on('error', () => resolve({ bytes: Buffer.concat(parts), complete: false }));
  });
}
