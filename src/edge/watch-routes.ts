// `GET /v1/watch/{path}?recursive=true&since=<revision>` (docs/api.md "Change feed"): the change feed
// as Server-Sent Events, served by any node from etcd for paths owned anywhere. The first event
// is `ready`, whose id is the revision the feed starts after; each change is an event named
// after its kind. All changes of one store revision are sent together and only the last of them
// carries the `id:` (the revision), so an EventSource that reconnects with `Last-Event-ID`
// resumes after a whole revision and never skips half of one. A comment every heartbeat keeps
// proxies from cutting an idle stream; a client that leaves ends the store's watch.
import { Readable } from 'node:stream';
import { Hono, type Context } from 'hono';
import type { ChangeBatch, ChangeFeed, WatchStream } from '../files/change-feed.js';
import { MethodNotAllowedError, toCallfsError } from '../files/errors.js';
import { parseRawPath } from '../files/paths.js';
import { booleanQuery } from './directories-routes.js';
import { rfc3339Seconds } from './headers.js';
import { clientGoneSignal, rawUrl, type EdgeEnv } from './request.js';

export interface WatchEdgeOptions {
  feed: ChangeFeed;
  /** How often an idle stream gets a comment (default 15 s). */
  heartbeatMs?: number;
}

const PREFIX = '/v1/watch';

function event(name: string, data: unknown, id?: string): string {
  return `event: ${name}\n${id === undefined ? '' : `id: ${id}\n`}data: ${JSON.stringify(data)}\n\n`;
}

/** One revision's changes as SSE events; the id goes on the last, so a resume never splits it. */
export function formatBatch(batch: ChangeBatch): string {
  return batch.changes
    .map((c, i) =>
      event(
        c.type,
        {
          type: c.type,
          path: c.path,
          ...(c.from === undefined ? {} : { from: c.from }),
          entry_type: c.entry_type,
          instance_id: c.instance_id,
          backend_type: c.backend_type,
          size: c.size,
          owner: c.owner,
          mtime: rfc3339Seconds(c.mtime),
          revision: c.revision,
        },
        i === batch.changes.length - 1 ? batch.revision : undefined,
      ),
    )
    .join('');
}

async function* sse(stream: WatchStream, heartbeatMs: number): AsyncGenerator<string> {
  yield `retry: 1000\n${event('ready', { revision: stream.startRevision }, stream.startRevision)}`;
  const it = stream.batches[Symbol.asyncIterator]();
  let pending: Promise<IteratorResult<ChangeBatch>> | undefined;
  try {
    pending = it.next();
    for (;;) {
      let timer: NodeJS.Timeout | undefined;
      const beat = new Promise<'beat'>((resolve) => {
        timer = setTimeout(() => resolve('beat'), heartbeatMs);
      });
      const next = await Promise.race([pending, beat]).finally(() => clearTimeout(timer));
      if (next === 'beat') {
        yield ': heartbeat\n\n';
        continue;
      }
      if (next.done) return;
      pending = it.next();
      yield formatBatch(next.value);
    }
  } catch (err) {
    const e = toCallfsError(err);
    yield event('error', { code: e.code, message: e.message });
  } finally {
    // A client that leaves while a batch is awaited leaves that read behind: whatever it
    // settles to, nobody is listening, and an unhandled rejection would end the node.
    pending?.catch(() => undefined);
    it.return?.()?.catch(() => undefined);
  }
}

export function watchRoutes(o: WatchEdgeOptions): Hono<EdgeEnv> {
  const app = new Hono<EdgeEnv>();
  const heartbeatMs = o.heartbeatMs ?? 15_000;
  const watch = async (c: Context<EdgeEnv>) => {
    const raw = rawUrl(c);
    const q = raw.indexOf('?');
    const rest = (q >= 0 ? raw.slice(0, q) : raw).slice(PREFIX.length);
    const path = parseRawPath(rest === '' ? '/' : rest).path;
    const query = new URLSearchParams(q >= 0 ? raw.slice(q + 1) : '');
    const since = query.get('since') ?? c.req.header('last-event-id') ?? undefined;
    const stream = await o.feed.watch(path, {
      recursive: booleanQuery('recursive', query.get('recursive') ?? undefined),
      since: since === '' ? undefined : since,
      signal: clientGoneSignal(c),
    });
    const body = Readable.from(sse(stream, heartbeatMs), { objectMode: false });
    return c.body(Readable.toWeb(body) as ReadableStream, 200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache',
      'X-Accel-Buffering': 'no',
      'X-CallFS-Revision': stream.startRevision,
    });
  };
  app.get('/', watch);
  app.get('/*', watch);
  app.all('/*', () => {
    throw new MethodNotAllowedError('only GET is allowed on /v1/watch');
  });
  return app;
}
