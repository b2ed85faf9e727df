// The /v1/files/{path} routes (API.md §3): each request becomes one call of the files service,
// which routes it to the path's owner. Bodies stream both ways; a write reads the HTTP body
// only after the owner said Ready.
import { Readable } from 'node:stream';
import { Hono } from 'hono';
import type { Context } from 'hono';
import { BadRequestError, MethodNotAllowedError, NotAFileError } from '../files/errors.js';
import { parseRawPath, type ParsedPath } from '../files/paths.js';
import type { CallContext, FilesApi, ReadResult, WriteRequestHeader } from '../files/ports.js';
import { booleanQuery, jsonArray } from './directories-routes.js';
import { callfsHeaders, entryJson, isDirectory } from './headers.js';
import { parseMoveBody } from './move-body.js';
import { clientGoneSignal, contentLength, rawUrl, requestBody, type EdgeEnv } from './request.js';

const PREFIX = '/v1/files';

/** The path comes only from a raw URL under `/v1/files`, never from one the adapter rewrote. */
function filePath(c: Context<EdgeEnv>): ParsedPath {
  const raw = rawUrl(c);
  const rest = raw.slice(PREFIX.length);
  if (!raw.startsWith(PREFIX) || !(rest === '' || rest[0] === '/' || rest[0] === '?')) {
    throw new BadRequestError('a file path must follow /v1/files/ in the request target');
  }
  return parseRawPath(rest);
}

function callContext(c: Context<EdgeEnv>): CallContext {
  return { caller: c.get('caller'), signal: clientGoneSignal(c) };
}

export function filesRoutes(files: FilesApi): Hono<EdgeEnv> {
  const app = new Hono<EdgeEnv>();

  const get = async (c: Context<EdgeEnv>, head: boolean) => {
    const { path } = filePath(c);
    const ctx = callContext(c);
    if (head) {
      const info = await files.stat(ctx, path);
      const headers = callfsHeaders(info);
      if (!isDirectory(info)) {
        headers['Content-Type'] = 'application/octet-stream';
        headers['Content-Length'] = String(info.size);
      }
      return c.body(null, 200, headers);
    }
    // One lookup (and for a remote file one call to its owner) in the common case: read, and
    // only when the path turns out to be a directory, list it.
    let opened: ReadResult;
    try {
      opened = await files.read(ctx, path);
    } catch (err) {
      if (!(err instanceof NotAFileError)) throw err;
      const info = await files.stat(ctx, path);
      // The CallFS array, streamed as etcd is read page by page (directories-routes.ts).
      const entries = jsonArray(await files.listEntries(ctx, path));
      const headers = { ...callfsHeaders(info), 'Content-Type': 'application/json' };
      return c.body(Readable.toWeb(entries) as ReadableStream, 200, headers);
    }
    const { info: served, body } = opened;
    const headers = callfsHeaders(served);
    headers['Content-Type'] = 'application/octet-stream';
    headers['Content-Length'] = String(served.size);
    return c.body(Readable.toWeb(body) as ReadableStream, 200, headers);
  };

  const write = async (c: Context<EdgeEnv>, mode: WriteRequestHeader['write_mode']) => {
    const { path, trailingSlash } = filePath(c);
    const ctx = callContext(c);
    if (trailingSlash || path === '/') {
      if (mode === 'WRITE_MODE_CREATE_OR_REPLACE') {
        throw new BadRequestError('PUT needs a file path (no trailing slash)');
      }
      const { created, info } = await files.mkdir(ctx, path);
      return c.json(entryJson(info), created ? 201 : 200, callfsHeaders(info));
    }
    const session = await files.openWrite(ctx, {
      path,
      write_mode: mode,
      expected_size: contentLength(c),
    });
    // The owner decided (Ready): only now is the body read.
    const { created, info } = await session.write(requestBody(c));
    return c.json(entryJson(info), created ? 201 : 200, callfsHeaders(info));
  };

  // Hono routes HEAD to the GET handler; the method tells them apart (HEAD never opens a body).
  app.get('/*', (c) => get(c, c.req.method === 'HEAD'));
  app.post('/*', (c) => write(c, 'WRITE_MODE_CREATE_ONLY'));
  app.put('/*', (c) => write(c, 'WRITE_MODE_CREATE_OR_REPLACE'));
  app.delete('/*', async (c) => {
    const { path } = filePath(c);
    const recursive = booleanQuery('recursive', c.req.query('recursive'));
    await files.remove(callContext(c), path, { recursive });
    return c.body(null, 204);
  });
  app.patch('/*', async (c) => {
    const { path } = filePath(c);
    const spec = await parseMoveBody(path, requestBody(c));
    const info = await files.move(callContext(c), path, spec);
    return c.json({ path: info.path }, 200);
  });
  app.all('/*', () => {
    throw new MethodNotAllowedError('method not allowed on /v1/files');
  });
  return app;
}
