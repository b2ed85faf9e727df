// How the client commands talk to a node: the base URL and key (flags, else CALLFS_URL and
// CALLFS_API_KEY), API paths encoded segment by segment, and the mapping from an answer to the
// command's exit code, so scripts can tell "not found" from "conflict" from "try later".
import { readClientEnv } from '../../config/client-env.js';

/** Exit codes of the client commands (docs/api.md "Command-line client"). */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  notFound: 3,
  conflict: 4,
  denied: 5,
  unavailable: 6,
  gone: 7,
  tooLarge: 8,
} as const;

export function exitCodeForStatus(status: number): number {
  if (status < 400) return EXIT.ok;
  if (status === 401 || status === 403) return EXIT.denied;
  if (status === 404) return EXIT.notFound;
  if (status === 409) return EXIT.conflict;
  if (status === 410) return EXIT.gone;
  if (status === 413 || status === 416) return EXIT.tooLarge;
  if (status === 429 || status === 503) return EXIT.unavailable;
  if (status >= 400 && status < 500) return EXIT.usage;
  return EXIT.failure;
}

/** A failure that ends the command with an exit code and a message on stderr. */
export class ClientError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    readonly code?: string,
  ) {
    super(message);
  }
}

export interface ClientOptions {
  url?: string;
  key?: string;
}

export class Client {
  readonly base: string;
  private readonly key: string;

  constructor(o: ClientOptions) {
    const env = readClientEnv();
    const url = o.url ?? env.url;
    const key = o.key ?? env.key;
    if (!url) throw new ClientError('no node URL: pass --url or set CALLFS_URL', EXIT.usage);
    if (!key) throw new ClientError('no API key: pass --key or set CALLFS_API_KEY', EXIT.usage);
    this.base = url.replace(/\/+$/, '');
    this.key = key;
  }

  /** `/v1/files` + the path, each segment percent-encoded (a trailing `/` kept). */
  url(api: string, path: string, query = ''): string {
    const segments = path.split('/').filter((s) => s !== '');
    const encoded = segments.map(encodeURIComponent).join('/');
    const slash = path.endsWith('/') && segments.length > 0 ? '/' : '';
    return `${this.base}${api}/${encoded}${slash}${query}`;
  }

  async request(
    method: string,
    url: string,
    init: { headers?: Record<string, string>; body?: unknown; signal?: AbortSignal } = {},
  ): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: { authorization: `Bearer ${this.key}`, ...init.headers },
        body: init.body as RequestInit['body'],
        signal: init.signal,
        ...(init.body ? { duplex: 'half' } : {}),
      } as RequestInit);
    } catch (err) {
      const why = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
      throw new ClientError(`cannot reach ${this.base}: ${why}`, EXIT.unavailable);
    }
    return res;
  }

  /** Throws the API's error (code and message) with its exit code unless the answer is 2xx. */
  async check(res: Response, allow: number[] = []): Promise<Response> {
    if (res.ok || allow.includes(res.status)) return res;
    let code = `HTTP_${res.status}`;
    let message = res.statusText;
    if (res.headers.get('content-type')?.includes('json')) {
      const body = (await res.json().catch(() => ({}))) as { code?: string; message?: string };
      code = body.code ?? code;
      message = body.message ?? message;
    } else {
      await res.body?.cancel();
      code = res.headers.get('x-callfs-code') ?? code;
    }
    throw new ClientError(`${code}: ${message}`, exitCodeForStatus(res.status), code);
  }
}
