// The /v1/files/{path} routes (API.md §3): each request becomes one call of the files service,
// which routes it to the path's owner. Bodies stream both ways; a write reads the HTTP body
// only after the owner said Ready.
import { Readable } from 'node:stream';
import { Hono } from 'hono';
import type { Context } from 'hono';
import {
  AuthenticationError,
  BadRequestError,
  MethodNotAllowedError,
  NotAFileError,
} from '../files/errors.js';
import { parseRawPath, type ParsedPath } from '../files/paths.js';
import type { CallContext, FilesApi, ReadResult, WriteRequestHeader } from '../files/ports.js';
import { booleanQuery, jsonArray } from './directories-routes.js';
import { callfsHeaders, entryJson, isDirectory } from './headers.js';
import { parseMoveBody } from './move-body.js';
import { filesCaller, redirectToOwner, type RedirectEdgeOptions } from './redirect.js';
import type { RedirectMethod } from './redirect-token.js';
import { sendBody } from './send-body.js';
import { clientGoneSignal, contentLength, rawUrl, requestBody, type EdgeEnv } from './request.js';
import { evaluateConditions } from '../files/conditions.js';
import type { FileInfo } from '../files/ports.js';
import { requestConditions, validatorHeaders } from './conditional.js';
import { contentTypeOf } from './content-type.js';
import { contentRange, parseRange } from './ranges.js';

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

/** Headers of a file's answer: CallFS metadata, validators, its type and range support. */
function fileHeaders(info: FileInfo): Record<string, string> {
  // One object filled in place: every GET builds it.
  const headers = validatorHeaders(info, callfsHeaders(info));
  headers['Content-Type'] = contentTypeOf(info.name);
  headers['Accept-Ranges'] = 'bytes';
  return headers;
}

function callContext(c: Context<EdgeEnv>): CallContext {
  const caller = c.get('caller');
  // Only GET and PUT take a redirect token; any other method needs the key.
  if (!caller) throw new AuthenticationError('missing or invalid API key');
  return { caller, signal: clientGoneSignal(c) };
}

export function filesRoutes(files: FilesApi, redirect?: RedirectEdgeOptions): Hono<EdgeEnv> {
  const app = new Hono<EdgeEnv>();

  /** GET and PUT may also be authenticated by a redirect token (redirect.ts). */
  const bulkContext = (c: Context<EdgeEnv>, method: RedirectMethod, path: string) => ({
    ...filesCaller(c, redirect, method, path),
    signal: clientGoneSignal(c),
  });

  const get = async (c: Context<EdgeEnv>, head: boolean) => {
    const { path } = filePath(c);
    const ctx = bulkContext(c, 'GET', path);
    const conditions = requestConditions(c);
    if (!head) {
      const moved = await redirectToOwner(c, redirect, ctx, 'GET', path);
      if (moved) return moved;
    }
    if (head) {
      const info = await files.stat(ctx, path);
      if (evaluateConditions(info, conditions, true) === 'not-modified') {
        return c.body(null, 304, { ...callfsHeaders(info), ...validatorHeaders(info) });
      }
      if (isDirectory(info)) return c.body(null, 200, callfsHeaders(info));
      const headers = fileHeaders(info);
      headers['Content-Length'] = String(info.size);
      return c.body(null, 200, headers);
    }
    // One lookup (and for a remote file one call to its owner) in the common case: read, and
    // only when the path turns out to be a directory, list it. The owner evaluates the
    // conditions and the range, so a 304 or a slice never carries the skipped bytes.
    let opened: ReadResult;
    const range = parseRange(c.req.header('range'));
    try {
      opened = await files.read(ctx, path, {
        conditions,
        range,
        ifRange: range ? c.req.header('if-range') : undefined,
      });
    } catch (err) {
      if (!(err instanceof NotAFileError)) throw err;
      const info = await files.stat(ctx, path);
      if (evaluateConditions(info, conditions, true) === 'not-modified') {
        return c.body(null, 304, callfsHeaders(info));
      }
      // The CallFS array, streamed as etcd is read page by page (directories-routes.ts).
      const entries = jsonArray(await files.listEntries(ctx, path));
      const headers = { ...callfsHeaders(info), 'Content-Type': 'application/json' };
      return c.body(Readable.toWeb(entries) as ReadableStream, 200, headers);
    }
    const { info: served, body } = opened;
    if (opened.notModified) {
      body.destroy();
      return c.body(null, 304, { ...callfsHeaders(served), ...validatorHeaders(served) });
    }
    const headers = fileHeaders(served);
    const span = opened.range;
    if (span) {
      headers['Content-Range'] = contentRange(span, served.size);
      headers['Content-Length'] = String(span.end - span.start + 1);
      return c.body(Readable.toWeb(body) as ReadableStream, 206, headers);
    }
    headers['Content-Length'] = String(served.size);
    return sendBody(c, headers, body, served.size);
  };

  const write = async (c: Context<EdgeEnv>, mode: WriteRequestHeader['write_mode']) => {
    const { path, trailingSlash } = filePath(c);
    const put = mode === 'WRITE_MODE_CREATE_OR_REPLACE';
    const ctx = put ? bulkContext(c, 'PUT', path) : callContext(c);
    if (trailingSlash || path === '/') {
      if (mode === 'WRITE_MODE_CREATE_OR_REPLACE') {
        throw new BadRequestError('PUT needs a file path (no trailing slash)');
      }
      const { created, info } = await files.mkdir(ctx, path);
      return c.json(entryJson(info), created ? 201 : 200, callfsHeaders(info));
    }
    if (put) {
      const moved = await redirectToOwner(c, redirect, ctx, 'PUT', path);
      if (moved) return moved;
    }
    const session = await files.openWrite(ctx, {
      path,
      write_mode: mode,
      expected_size: contentLength(c),
      conditions: requestConditions(c),
    });
    // The owner decided (Ready): only now is the body read.
    const { created, info } = await session.write(requestBody(c));
    const headers = { ...callfsHeaders(info), ...validatorHeaders(info) };
    return c.json(entryJson(info), created ? 201 : 200, headers);
  };

  // Hono routes HEAD to the GET handler; the method tells them apart (HEAD never opens a body).
  app.get('/*', (c) => get(c, c.req.method === 'HEAD'));
  app.post('/*', (c) => write(c, 'WRITE_MODE_CREATE_ONLY'));
  app.put('/*', (c) => write(c, 'WRITE_MODE_CREATE_OR_REPLACE'));
  app.delete('/*', async (c) => {
    const { path } = filePath(c);
    const recursive = booleanQuery('recursive', c.req.query('recursive'));
    await files.remove(callContext(c), path, { recursive, conditions: requestConditions(c) });
    return c.body(null, 204);
  });
  app.patch('/*', async (c) => {
    const { path } = filePath(c);
    const spec = await parseMoveBody(path, requestBody(c));
    const info = await files.move(callContext(c), path, spec, requestConditions(c));
    return c.json({ path: info.path }, 200);
  });
  app.all('/*', () => {
    throw new MethodNotAllowedError('method not allowed on /v1/files');
  });
  return app;
}
