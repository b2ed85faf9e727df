// The List call's stream. A request with only `path` gets the directory's children and nothing
// else, as in version 1.0 of the proto. A request that sets limit, cursor, recursive or
// max_depth gets a listing like GET /v1/directories (the same query rules and cursors): its
// entries, then one last message with the page summary (count, next_cursor). limit 0 streams
// the rest of the listing, read page by page at one revision.
import { DEFAULT_MAX_DEPTH, MAX_DEPTH_CAP, MAX_LIST_LIMIT } from '../files/directories.js';
import { BadRequestError } from '../files/errors.js';
import type { CallContext, FileInfo, FilesApi, ListQuery } from '../files/ports.js';
import type { ListRequest__Output } from '../generated/callfs/v1/ListRequest.js';
import type { ListResponse } from '../generated/callfs/v1/ListResponse.js';

/** Whether the request asks for the paged form (and so for the final summary message). */
export function isPagedRequest(r: ListRequest__Output): boolean {
  return r.limit !== 0 || r.cursor !== '' || r.recursive || r.depth === 'max_depth';
}

/** The query of a paged request; limit 0 (no limit) reads pages of the largest size. */
export function listQueryOf(r: ListRequest__Output): ListQuery {
  if (r.limit > MAX_LIST_LIMIT) {
    throw new BadRequestError(`limit must be at most ${MAX_LIST_LIMIT}`);
  }
  const depth = r.depth === 'max_depth' ? (r.max_depth ?? 0) : DEFAULT_MAX_DEPTH;
  return {
    recursive: r.recursive,
    maxDepth: Math.min(depth, MAX_DEPTH_CAP),
    limit: r.limit === 0 ? MAX_LIST_LIMIT : r.limit,
    cursor: r.cursor === '' ? undefined : r.cursor,
  };
}

/**
 * The messages answering a List request, in order. Errors of the directory itself (missing,
 * a file, a bad cursor) come before any message.
 */
export async function listMessages(
  files: FilesApi,
  ctx: CallContext,
  path: string,
  r: ListRequest__Output,
): Promise<AsyncIterable<ListResponse>> {
  if (!isPagedRequest(r)) {
    const entries = await files.listEntries(ctx, path);
    return (async function* () {
      for await (const entry of entries) yield { entry } satisfies ListResponse;
    })();
  }
  const query = listQueryOf(r);
  const first = await files.listDirectory(ctx, path, query);
  const unlimited = r.limit === 0;
  return (async function* () {
    let page = first;
    for (;;) {
      for (const entry of page.items as FileInfo[]) yield { entry } satisfies ListResponse;
      if (!unlimited || page.nextCursor === undefined) break;
      page = await files.listDirectory(ctx, path, { ...query, cursor: page.nextCursor });
    }
    yield { page: { count: page.count, next_cursor: page.nextCursor ?? '' } };
  })();
}
