// The client commands of `callfs` (ls, stat, get, put, rm, mv, where, watch): thin wrappers over
// the HTTP API of any node. Every command takes --url/--key (or CALLFS_URL/CALLFS_API_KEY),
// prints text or `--json`, and exits with a code that follows the HTTP outcome (http.ts).
import { createReadStream, createWriteStream } from 'node:fs';
import { readFile, rm, stat as fsStat, writeFile } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { Client, ClientError, EXIT, type ClientOptions } from './http.js';
import { progressBar } from './progress.js';
import { readSse } from './sse.js';

interface Common extends ClientOptions {
  json?: boolean;
}

type Run = (code: number) => void;

const print = (s: string): void => void process.stdout.write(s.endsWith('\n') ? s : `${s}\n`);

function counting(onBytes: (n: number) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      onBytes(chunk.length);
      cb(null, chunk);
    },
  });
}

function headersOf(res: Response) {
  const h = (n: string) => res.headers.get(n) ?? '';
  return {
    type: h('x-callfs-type'),
    size: Number(h('x-callfs-size') || 0),
    mode: h('x-callfs-mode'),
    owner: h('x-callfs-owner'),
    mtime: h('x-callfs-mtime'),
    instance_id: h('x-callfs-instance-id'),
    backend_type: h('x-callfs-backend-type'),
  };
}

async function stat(c: Client, path: string) {
  const res = await c.check(await c.request('HEAD', c.url('/v1/files', path)));
  return { path, ...headersOf(res) };
}

interface Entry {
  name: string;
  path: string;
  type: string;
  size: number;
  owner: string;
  mtime: string;
}

async function list(c: Client, path: string, recursive: boolean): Promise<Entry[]> {
  const items: Entry[] = [];
  let cursor: string | undefined;
  do {
    const q = new URLSearchParams({ recursive: String(recursive), limit: '1000' });
    if (cursor) q.set('cursor', cursor);
    const res = await c.check(await c.request('GET', c.url('/v1/directories', path, `?${q}`)));
    const page = (await res.json()) as { items: Entry[]; next_cursor?: string };
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  return items;
}

/**
 * Beside a download in progress, the ETag of the version being written: `--resume` sends it as
 * If-Range, so a file replaced since the download was cut comes back whole (200) instead of
 * its new bytes being appended to the old ones. Removed once the download is complete.
 */
export const etagMarker = (dest: string): string => `${dest}.callfs-etag`;

async function get(c: Client, path: string, dest: string | undefined, resume: boolean) {
  let have = 0;
  const headers: Record<string, string> = {};
  if (resume) {
    if (!dest) throw new ClientError('--resume needs a destination file', EXIT.usage);
    have = await fsStat(dest).then(
      (s) => s.size,
      () => 0,
    );
    if (have > 0) {
      headers.range = `bytes=${have}-`;
      const etag = await readFile(etagMarker(dest), 'utf8').then(
        (t) => t.trim(),
        () => '',
      );
      if (etag) headers['if-range'] = etag;
    }
  }
  const res = await c.check(await c.request('GET', c.url('/v1/files', path), { headers }), [416]);
  const size = Number(res.headers.get('x-callfs-size') ?? res.headers.get('content-length') ?? 0);
  if (res.status === 416) {
    // Nothing past what we have: complete when the sizes agree.
    await res.body?.cancel();
    if (have === size) {
      if (dest) await rm(etagMarker(dest), { force: true });
      return { path, status: 416, resumed_from: have, bytes: 0, size };
    }
    throw new ClientError(`RANGE_NOT_SATISFIABLE: ${dest} is larger than ${path}`, EXIT.tooLarge);
  }
  const etag = res.headers.get('etag');
  if (dest) {
    if (etag) await writeFile(etagMarker(dest), `${etag}\n`);
    else await rm(etagMarker(dest), { force: true });
  }
  const partial = res.status === 206;
  const start = partial ? have : 0;
  const bar = dest ? progressBar(path, size, start) : { add: () => undefined, done: () => {} };
  let bytes = 0;
  const out = dest ? createWriteStream(dest, { flags: partial ? 'a' : 'w' }) : process.stdout;
  await pipeline(
    Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>),
    counting((n) => {
      bytes += n;
      bar.add(n);
    }),
    out,
  );
  bar.done();
  if (dest) await rm(etagMarker(dest), { force: true });
  return { path, status: res.status, resumed_from: start, bytes, size };
}

async function put(c: Client, src: string, path: string, createOnly: boolean) {
  const size = (await fsStat(src)).size;
  const bar = progressBar(path, size);
  const body = createReadStream(src).pipe(counting((n) => bar.add(n)));
  const res = await c.check(
    await c.request(createOnly ? 'POST' : 'PUT', c.url('/v1/files', path), {
      headers: { 'content-length': String(size) },
      body: Readable.toWeb(body),
    }),
  );
  bar.done();
  await res.body?.cancel();
  return { path, status: res.status, created: res.status === 201, size };
}

async function watch(
  c: Client,
  path: string,
  o: { recursive?: boolean; since?: string; count?: string; json?: boolean },
  ready: () => void,
): Promise<void> {
  const limit = o.count === undefined ? Infinity : Number(o.count);
  let last = o.since ?? '';
  let seen = 0;
  let connected = false;
  for (;;) {
    const q = new URLSearchParams({ recursive: String(Boolean(o.recursive)) });
    if (last) q.set('since', last);
    const ac = new AbortController();
    let res: Response;
    try {
      res = await c.check(
        await c.request('GET', c.url('/v1/watch', path, `?${q}`), { signal: ac.signal }),
      );
    } catch (err) {
      // Once the feed ran, a node that is restarting (refused, 503) is waited for: the watch
      // resumes after the last whole revision when it is back. A first connection fails at once.
      if (!connected || !(err instanceof ClientError) || err.exitCode !== EXIT.unavailable) {
        throw err;
      }
      await new Promise((r) => setTimeout(r, 1000));
      continue;
    }
    connected = true;
    try {
      for await (const ev of readSse(res.body as unknown as AsyncIterable<Uint8Array>, last)) {
        last = ev.lastEventId;
        if (ev.event === 'ready') {
          ready();
          continue;
        }
        if (ev.event === 'error') {
          const e = JSON.parse(ev.data) as { code: string; message: string };
          throw new ClientError(`${e.code}: ${e.message}`, EXIT.gone, e.code);
        }
        const d = JSON.parse(ev.data) as Record<string, string>;
        if (o.json) print(ev.data);
        else
          print(
            `${d.revision}\t${d.type}\t${d.from ? `${d.from} -> ` : ''}${d.path}\t${d.instance_id}`,
          );
        if (++seen >= limit) return;
      }
    } catch (err) {
      if (err instanceof ClientError) throw err;
      // The connection broke: resume after the last whole revision.
    } finally {
      ac.abort();
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Adds the client commands to the program; `run` receives each command's exit code. */
export function addClientCommands(program: Command, run: Run): void {
  const common = (cmd: Command): Command =>
    cmd
      .option('--url <url>', 'a node of the cluster (default: $CALLFS_URL)')
      .option('--key <key>', 'API key (default: $CALLFS_API_KEY)')
      .option('--json', 'print JSON');
  const act =
    <A extends unknown[]>(fn: (...args: A) => Promise<void>) =>
    async (...args: A): Promise<void> => {
      try {
        await fn(...args);
        run(EXIT.ok);
      } catch (err) {
        if (!(err instanceof ClientError)) throw err;
        process.stderr.write(`callfs: ${err.message}\n`);
        run(err.exitCode);
      }
    };

  common(program.command('ls').description('list a directory').argument('[path]', '', '/'))
    .option('-r, --recursive', 'the whole subtree')
    .action(
      act(async (path: string, o: Common & { recursive?: boolean }) => {
        const items = await list(new Client(o), path, Boolean(o.recursive));
        if (o.json) return print(JSON.stringify(items));
        for (const e of items)
          print(
            `${e.type === 'directory' ? 'd' : '-'} ${String(e.size).padStart(12)} ${e.mtime} ${e.owner}\t${o.recursive ? e.path : e.name}`,
          );
      }),
    );

  common(program.command('stat').description("a path's metadata").argument('<path>')).action(
    act(async (path: string, o: Common) => {
      const s = await stat(new Client(o), path);
      if (o.json) return print(JSON.stringify(s));
      for (const [k, v] of Object.entries(s)) print(`${k}: ${v}`);
    }),
  );

  common(
    program.command('where').description('the node and backend that own a path').argument('<path>'),
  ).action(
    act(async (path: string, o: Common) => {
      const s = await stat(new Client(o), path);
      if (o.json)
        return print(
          JSON.stringify({ path, instance_id: s.instance_id, backend_type: s.backend_type }),
        );
      print(`${s.instance_id}\t${s.backend_type}`);
    }),
  );

  common(program.command('get').description('download a file (to stdout without a destination)'))
    .argument('<path>')
    .argument('[dest]')
    .option('--resume', 'continue a partial download (Range: bytes=<have>-)')
    .action(
      act(async (path: string, dest: string | undefined, o: Common & { resume?: boolean }) => {
        const r = await get(new Client(o), path, dest, Boolean(o.resume));
        if (o.json) print(JSON.stringify(r));
      }),
    );

  common(program.command('put').description('upload a file (create or replace)'))
    .argument('<src>')
    .argument('<path>')
    .option('--create-only', 'fail with exit 4 when the path exists (POST)')
    .action(
      act(async (src: string, path: string, o: Common & { createOnly?: boolean }) => {
        const r = await put(new Client(o), src, path, Boolean(o.createOnly));
        if (o.json) print(JSON.stringify(r));
      }),
    );

  common(program.command('rm').description('delete a file or directory').argument('<path>'))
    .option('-r, --recursive', 'delete a directory with everything under it')
    .action(
      act(async (path: string, o: Common & { recursive?: boolean }) => {
        const c = new Client(o);
        const q = o.recursive ? '?recursive=true' : '';
        await c.check(await c.request('DELETE', c.url('/v1/files', path, q)));
        if (o.json) print(JSON.stringify({ path, deleted: true }));
      }),
    );

  common(program.command('mv').description('rename or move a file or directory'))
    .argument('<src>')
    .argument('<dest>')
    .option('--overwrite', 'replace an existing destination')
    .option('-p, --parents', 'create missing destination parents')
    .action(
      act(
        async (
          src: string,
          dest: string,
          o: Common & { overwrite?: boolean; parents?: boolean },
        ) => {
          const c = new Client(o);
          const res = await c.check(
            await c.request('PATCH', c.url('/v1/files', src), {
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({
                destination: dest,
                overwrite: Boolean(o.overwrite),
                create_parents: Boolean(o.parents),
              }),
            }),
          );
          const body = (await res.json()) as { path: string };
          print(o.json ? JSON.stringify(body) : body.path);
        },
      ),
    );

  common(
    program
      .command('watch')
      .description('follow the change feed of a path')
      .argument('[path]', '', '/'),
  )
    .option('-r, --recursive', 'the whole subtree')
    .option('--since <revision>', 'replay changes after this revision')
    .option('--count <n>', 'exit after this many changes')
    .action(
      act(
        async (
          path: string,
          o: Common & { recursive?: boolean; since?: string; count?: string },
        ) => {
          await watch(new Client(o), path, o, () => {
            // On stderr, so stdout holds only the changes.
            process.stderr.write(`watching ${path}\n`);
          });
        },
      ),
    );
}
