// `GET /v1/directories/{path}` (API.md §3.4): one page of a directory listing as JSON, served
// from the metadata store by any node. The path comes from the raw URL exactly as for
// /v1/files; the query chooses recursive, max_depth, limit and the cursor of the next page.
import { Readable } from 'node:stream';
import { Hono } from 'hono';
import type { Context } from 'hono';
import {
  DEFAULT_LIST_LIMIT,
  DEFAULT_MAX_DEPTH,
  MAX_DEPTH_CAP,
  MAX_LIST_LIMIT,
} from '../files/directories.js';
import { BadRequestError, InvalidCursorError, MethodNotAllowedError } from '../files/errors.js';
import { parseRawPath } from '../files/paths.js';
import type { FileInfo, FilesApi, ListQuery } from '../files/ports.js';
import { entryJson } from './headers.js';
import { clientGoneSignal, rawUrl, type EdgeEnv } from './request.js';

const PREFIX = '/v1/directories';

function listPath(c: Context<EdgeEnv>): string {
  const raw = rawUrl(c);
  const rest = raw.startsWith(PREFIX) ? raw.slice(PREFIX.length) : raw;
  return parseRawPath(rest).path;
}

function integer(name: string, raw: string | undefined, fallback: number, min: number): number {
  if (raw === undefined) return fallback;
  if (!/^[0-9]{1,9}$/.test(raw) || Number(raw) < min) {
    throw new BadRequestError(`${name} must be an integer of at least ${min}`);
  }
  return Number(raw);
}

/** `true`/`1` (or the bare name), `false`/`0` (or absent); anything else is a 400. */
export function booleanQuery(name: string, raw: string | undefined): boolean {
  if (raw === undefined || raw === 'false' || raw === '0') return false;
  if (raw === 'true' || raw === '1' || raw === '') return true;
  throw new BadRequestError(`${name} must be true or false`);
}

/** The listing query; `max_depth` above the cap is capped, anything malformed is a 400. */
export function parseListQuery(query: URLSearchParams): ListQuery {
  const limit = integer('limit', query.get('limit') ?? undefined, DEFAULT_LIST_LIMIT, 1);
  if (limit > MAX_LIST_LIMIT) {
    throw new BadRequestError(`limit must be at most ${MAX_LIST_LIMIT}`);
  }
  const depth = integer('max_depth', query.get('max_depth') ?? undefined, DEFAULT_MAX_DEPTH, 0);
  const cursor = query.get('cursor') ?? undefined;
  if (cursor === '') throw new InvalidCursorError('invalid cursor: empty');
  return {
    recursive: booleanQuery('recursive', query.get('recursive') ?? undefined),
    maxDepth: Math.min(depth, MAX_DEPTH_CAP),
    limit,
    cursor,
  };
}

/** A JSON array of listing entries as a byte stream, built as the entries arrive. */
export function jsonArray(entries: AsyncIterable<FileInfo>): Readable {
  return Readable.from(
    (async function* () {
      let chunk = '[';
      let first = true;
      for await (const info of entries) {
        chunk += (first ? '' : ',') + JSON.stringify(entryJson(info));
        first = false;
        if (chunk.length >= 64 * 1024) {
          yield Buffer.from(chunk);
          chunk = '';
        }
      }
      yield Buffer.from(`${chunk}]`);
    })(),
    { objectMode: false },
  );
}

export function directoriesRoutes(files: FilesApi): Hono<EdgeEnv> {
  const app = new Hono<EdgeEnv>();
  const list = async (c: Context<EdgeEnv>) => {
    const path = listPath(c);
    const raw = rawUrl(c);
    const q = raw.indexOf('?');
    const query = parseListQuery(new URLSearchParams(q >= 0 ? raw.slice(q + 1) : ''));
    const listing = await files.listDirectory(
      { caller: c.get('caller'), signal: clientGoneSignal(c) },
      path,
      query,
    );
    const body: Record<string, unknown> = {
      path: listing.path,
      type: 'directory',
      recursive: listing.recursive,
      count: listing.count,
      items: listing.items.map(entryJson),
    };
    if (listing.nextCursor !== undefined) body.next_cursor = listing.nextCursor;
    return c.json(body, 200, {
      'X-CallFS-Type': 'directory',
      'X-CallFS-Count': String(listing.count),
      'X-CallFS-Recursive': String(listing.recursive),
    });
  };
  app.get('/', list);
  app.get('/*', list);
  app.all('/*', () => {
    throw new MethodNotAllowedError('only GET is allowed on /v1/directories');
  });
  return app;
}
