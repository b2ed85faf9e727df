// HTTP client of the drills and the soak: one fresh connection per request (a node restart
// never turns a stale keep-alive socket into a fake failure), a total deadline on every
// request, response bodies hashed as they stream (never buffered beyond small error bodies),
// and streamed uploads of generated bodies with a progress callback. Failures to connect or
// cut transfers are answers too: status 0 with the reason.
import { createHash, randomBytes } from 'node:crypto';
import { request, type IncomingHttpHeaders } from 'node:http';

export interface Reply {
  /** HTTP status, or 0 when no answer came (see `error`). */
  status: number;
  headers: IncomingHttpHeaders;
  /** The API error code of a JSON error body. */
  code?: string;
  json?: Record<string, unknown>;
  /** SHA-256 and length of the body received (bodies of 2xx GETs are hashed, not kept). */
  sha256: string;
  bytes: number;
  /** Connection refused, reset, cut, timeout... */
  error?: string;
  /** True when a response started but its body broke before the end. */
  cut: boolean;
  ms: number;
}

export interface SendOptions {
  base: string;
  method: string;
  path: string;
  key: string;
  body?: Buffer | string;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

const SMALL_BODY_LIMIT = 64 * 1024;

function errorName(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e?.code ?? e?.message ?? String(err);
}

/** Sends one request; the body (if any) is sent whole. */
export function send(o: SendOptions): Promise<Reply> {
  const body = o.body === undefined ? undefined : Buffer.from(o.body);
  return exchange(o, (req) => req.end(body), body?.length);
}

export interface UploadOptions extends Omit<SendOptions, 'body'> {
  /** Total body size. */
  size: number;
  /** Piece size (default 1 MiB). */
  piece?: number;
  /** Called after each piece is handed to the socket, with the bytes sent so far. */
  onProgress?: (sent: number) => void;
  /** Bytes per second; unthrottled when absent. */
  rate?: number;
  /** Deterministic content: piece i is `block` with its first 8 bytes set to i. */
  block?: Buffer;
}

/** A streamed upload of a generated body; resolves with the answer and the body's SHA-256. */
export async function upload(
  o: UploadOptions,
): Promise<{ reply: Reply; sent: number; sha: string }> {
  const piece = o.piece ?? 1024 * 1024;
  const block = o.block ?? randomBytes(piece);
  const hash = createHash('sha256');
  let sent = 0;
  const reply = await exchange(
    o,
    (req) => {
      const started = Date.now();
      let index = 0;
      const pump = (): void => {
        while (sent < o.size) {
          if (req.destroyed) return;
          const n = Math.min(piece, o.size - sent);
          const chunk = Buffer.from(block.subarray(0, n));
          chunk.writeBigUInt64BE(BigInt(index++), 0);
          hash.update(chunk);
          sent += n;
          o.onProgress?.(sent);
          const ok = req.write(chunk);
          if (o.rate) {
            const due = started + (sent / o.rate) * 1000;
            const wait = due - Date.now();
            if (wait > 0) {
              setTimeout(() => (req.writableNeedDrain ? req.once('drain', pump) : pump()), wait);
              return;
            }
          }
          if (!ok) {
            req.once('drain', pump);
            return;
          }
        }
        req.end();
      };
      pump();
    },
    o.size,
  );
  return { reply, sent, sha: sent === o.size ? hash.digest('hex') : '' };
}

function exchange(
  o: SendOptions,
  writeBody: (req: ReturnType<typeof request>) => void,
  length: number | undefined,
): Promise<Reply> {
  const url = new URL(o.base);
  const t0 = performance.now();
  return new Promise<Reply>((resolve) => {
    let settled = false;
    const done = (r: Omit<Reply, 'ms'>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...r, ms: performance.now() - t0 });
    };
    const fail = (error: string, status = 0, headers: IncomingHttpHeaders = {}): void =>
      done({ status, headers, sha256: '', bytes: 0, error, cut: status !== 0 });
    const headers: Record<string, string> = {
      authorization: `Bearer ${o.key}`,
      ...o.headers,
    };
    if (length !== undefined) headers['content-length'] = String(length);
    const req = request(
      { host: url.hostname, port: url.port, method: o.method, path: o.path, headers, agent: false },
      (res) => {
        const status = res.statusCode ?? 0;
        const hash = createHash('sha256');
        const small: Buffer[] = [];
        let bytes = 0;
        res.on('data', (d: Buffer) => {
          bytes += d.length;
          hash.update(d);
          if (bytes <= SMALL_BODY_LIMIT) small.push(d);
        });
        res.on('aborted', () => fail('body cut', status, res.headers));
        res.on('error', (err) => fail(`body cut: ${errorName(err)}`, status, res.headers));
        res.on('end', () => {
          if (!res.complete) {
            fail('body cut', status, res.headers);
            return;
          }
          let json: Record<string, unknown> | undefined;
          const type = String(res.headers['content-type'] ?? '');
          if (type.includes('json') && bytes <= SMALL_BODY_LIMIT) {
            try {
              json = JSON.parse(Buffer.concat(small).toString('utf8')) as Record<string, unknown>;
            } catch {
              json = undefined;
            }
          }
          const code = typeof json?.code === 'string' ? json.code : undefined;
          done({
            status,
            headers: res.headers,
            json,
            code,
            sha256: hash.digest('hex'),
            bytes,
            cut: false,
          });
        });
      },
    );
    const timer = setTimeout(() => {
      fail('timeout');
      req.destroy();
    }, o.timeoutMs ?? 30_000);
    req.on('error', (err) => fail(errorName(err)));
    writeBody(req);
  });
}

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** `status CODE` or the connection failure, for tables. */
export function outcome(r: Reply): string {
  if (r.status === 0) return r.error ?? 'no answer';
  const base = r.code ? `${r.status} ${r.code}` : String(r.status);
  return r.cut ? `${base} (cut)` : base;
}

/** Percent-encodes each segment of an API path. */
export function filesUrl(path: string): string {
  return '/v1/files' + path.split('/').map(encodeURIComponent).join('/');
}
