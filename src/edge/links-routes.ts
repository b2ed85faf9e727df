// The single-use link routes (API.md §4): `POST /v1/links/generate` (authenticated, limited
// per user) and `GET /download/{token}` (no authentication, limited per client address). The
// link service decides everything; these handlers parse, limit and shape the answers. HEAD of
// a download answers its headers without spending the link, so a probe cannot burn it.
import { Readable } from 'node:stream';
import { Hono } from 'hono';
import { MethodNotAllowedError } from '../files/errors.js';
import { lazySchema, parseJsonBody } from './json-body.js';
import { canonicalize } from '../files/paths.js';
import type { FileInfo } from '../files/ports.js';
import { DEFAULT_EXPIRY_SECONDS, MAX_EXPIRY_SECONDS, type LinksApi } from '../links/ports.js';
import { rateLimit, socketAddress, TokenBuckets, type RateLimitOptions } from './rate-limit.js';
import { clientGoneSignal, requestBody, type EdgeEnv } from './request.js';
import { contentTypeOf } from './content-type.js';

/** Per user: about 100 links a second, 20 at once. */
export const GENERATE_LIMIT: RateLimitOptions = { ratePerSecond: 100, burst: 20 };
/** Per client address: 10 downloads a second, 5 at once. */
export const DOWNLOAD_LIMIT: RateLimitOptions = { ratePerSecond: 10, burst: 5 };

export interface LinksEdgeOptions {
  service: LinksApi;
  /** Overrides GENERATE_LIMIT (tests use tiny limits). */
  generateLimit?: RateLimitOptions;
  /** Overrides DOWNLOAD_LIMIT. */
  downloadLimit?: RateLimitOptions;
}

const EXPIRY_RANGE = `must be an integer from 1 to ${MAX_EXPIRY_SECONDS}`;

const generateSchema = lazySchema(({ z }) =>
  z
    .object({
      path: z.string({ error: 'must be a string' }).min(1, 'must not be empty'),
      expiry_seconds: z
        .int({ error: EXPIRY_RANGE })
        .min(1, EXPIRY_RANGE)
        .max(MAX_EXPIRY_SECONDS, EXPIRY_RANGE)
        .optional(),
    })
    .strict(),
);

/** `POST /v1/links/generate`; mount under `/v1/links`, behind authentication. */
export function linksRoutes(o: LinksEdgeOptions): Hono<EdgeEnv> {
  const app = new Hono<EdgeEnv>();
  const perUser = rateLimit(
    new TokenBuckets(o.generateLimit ?? GENERATE_LIMIT),
    (c) => c.get('caller').user,
  );
  app.post('/generate', perUser, async (c) => {
    const { path, expirySeconds } = await parseGenerateBody(requestBody(c));
    const ctx = { caller: c.get('caller'), signal: clientGoneSignal(c) };
    const link = await o.service.generate(ctx, path, expirySeconds);
    return c.json(
      { url: link.url, token: link.token, expires: new Date(link.expires).toISOString() },
      201,
    );
  });
  app.all('/generate', () => {
    throw new MethodNotAllowedError('use POST to generate a link');
  });
  return app;
}

/** `GET /download/{token}`; mount under `/download`, without authentication. */
export function downloadRoutes(o: LinksEdgeOptions): Hono<EdgeEnv> {
  const app = new Hono<EdgeEnv>();
  const perClient = rateLimit(new TokenBuckets(o.downloadLimit ?? DOWNLOAD_LIMIT), socketAddress);
  // Hono routes HEAD here too; the method tells them apart.
  app.get('/:token', perClient, async (c) => {
    const token = c.req.param('token');
    if (c.req.method === 'HEAD') {
      const info = await o.service.inspect(token, clientGoneSignal(c));
      return c.body(null, 200, downloadHeaders(info));
    }
    const { info, body } = await o.service.redeem(token, clientGoneSignal(c));
    return c.body(Readable.toWeb(body) as ReadableStream, 200, downloadHeaders(info));
  });
  app.all('/:token', () => {
    throw new MethodNotAllowedError('use GET to download');
  });
  return app;
}

/** Access logs and metrics must not keep live tokens: `/download/<token>` → `/download/:token`. */
export function redactLinkToken(path: string): string {
  return path.startsWith('/download/') ? '/download/:token' : path;
}

/** RFC 6266/8187: `filename*` percent-encodes UTF-8; `'()*` are not attr-chars either. */
export function attachmentDisposition(name: string): string {
  const encoded = encodeURIComponent(name).replace(
    /['()*]/g,
    (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename*=UTF-8''${encoded}`;
}

function downloadHeaders(info: FileInfo): Record<string, string> {
  const name = info.name || info.path.slice(info.path.lastIndexOf('/') + 1);
  return {
    // Its type from its name; `attachment` keeps a browser from rendering it either way.
    'Content-Type': contentTypeOf(name),
    'Content-Length': String(info.size),
    'Content-Disposition': attachmentDisposition(name),
    // A single-use answer must not be replayed from a cache.
    'Cache-Control': 'no-store',
  };
}

/**
 * `{"path": "/f.txt", "expiry_seconds": 3600}`: path canonicalized (a relative path is taken
 * from the root), expiry_seconds an integer 1..86400, 3600 when omitted.
 */
export async function parseGenerateBody(
  body: AsyncIterable<Buffer>,
): Promise<{ path: string; expirySeconds: number }> {
  const data = await parseJsonBody(body, generateSchema);
  return {
    path: canonicalize(data.path).path,
    expirySeconds: data.expiry_seconds ?? DEFAULT_EXPIRY_SECONDS,
  };
}
