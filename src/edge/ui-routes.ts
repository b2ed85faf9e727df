// The web console (docs/console.md) at `/ui/`: a few static files (one page, one stylesheet,
// ES modules) read once when the app is built and served from memory by name, so no request
// path ever reaches the file system. The folder is `ui/` at the top of the repository, which is
// two levels above both src/edge/ (run through tsx) and dist/edge/ (the build), so both runs
// find it without a copy step. The console talks to the public API of the same node.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hono, type Context } from 'hono';
import { MethodNotAllowedError, RouteNotFoundError } from '../files/errors.js';
import type { EdgeEnv } from './request.js';

/** The console's folder in the repository. */
export const DEFAULT_UI_DIR = fileURLToPath(new URL('../../ui/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

interface Asset {
  type: string;
  body: Buffer;
  etag: string;
}

/**
 * The servable files of a folder (not recursive; unknown extensions are left out). A missing
 * folder (a deployment that copied dist/ alone) gives none: the node serves its API without
 * a console rather than refusing to start.
 */
export function loadAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  if (!existsSync(dir)) return assets;
  for (const name of readdirSync(dir)) {
    const type = TYPES[extname(name)];
    const file = join(dir, name);
    if (!type || !statSync(file).isFile()) continue;
    const body = readFileSync(file);
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
    assets.set(name, { type, body, etag });
  }
  return assets;
}

export function uiRoutes(
  dir: string = DEFAULT_UI_DIR,
  warn: (message: string) => void = () => undefined,
): Hono<EdgeEnv> {
  const assets = loadAssets(dir);
  if (!assets.has('index.html')) warn(`no web console: ${dir} has no index.html`);
  const app = new Hono<EdgeEnv>();
  const serve = (c: Context<EdgeEnv>, name: string) => {
    const asset = assets.get(name);
    if (!asset) throw new RouteNotFoundError(`no console file ${name}`);
    // Revalidated on every load, so a node upgrade is seen at once; unchanged files cost a 304.
    const headers = { ETag: asset.etag, 'Cache-Control': 'no-cache' };
    if (c.req.header('if-none-match') === asset.etag) return c.body(null, 304, headers);
    return c.body(new Uint8Array(asset.body), 200, { ...headers, 'Content-Type': asset.type });
  };
  // The page names its files by absolute paths, so it works at `/ui` as well as at `/ui/`.
  app.get('/ui', (c) => serve(c, 'index.html'));
  app.get('/ui/', (c) => serve(c, 'index.html'));
  app.get('/ui/:file', (c) => serve(c, c.req.param('file')));
  app.all('/ui/*', (c) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') {
      throw new RouteNotFoundError('no such console file');
    }
    throw new MethodNotAllowedError('only GET is allowed on /ui/');
  });
  return app;
}
