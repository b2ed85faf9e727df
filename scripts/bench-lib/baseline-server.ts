// The baseline: the strongest simple server doing the durable work a file server owes, on
// node:http with `pipeline` and no framework, started by the bench in its own process.
//   PUT /NAME  body → DIR/NAME.tmp (1 MiB writes), fsync, rename, fsync of DIR → 200
//   GET /NAME  DIR/NAME opened per request, Content-Length from fstat, 1 MiB reads (one read
//              of the whole file when smaller) → 200
//   POST /NAME (only with ETCD) a create, in the order a CallFS create is made durable: the
//              body (small, held in memory) written to DIR/NAME.tmp and fsynced, one etcd
//              create-if-absent transaction (an inode-sized value, the client the nodes use),
//              rename, fsync of DIR (shared by concurrent creates) → 201; 409 when the key
//              exists.
// Prints {"port":N} once listening on 127.0.0.1. Exits on SIGTERM or when its stdin closes
// (the bench died), so it never outlives the bench.
//   node --import tsx scripts/bench-lib/baseline-server.ts DIR [ETCD_ENDPOINT]
import { createReadStream, createWriteStream } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import http from 'node:http';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Etcd3 } from 'etcd3';

const MiB = 1024 * 1024;
const dir = process.argv[2];
if (!dir) throw new Error('usage: baseline-server.ts DIR [ETCD_ENDPOINT]');
const etcd = process.argv[3] ? new Etcd3({ hosts: process.argv[3] }) : null;

async function syncDir(): Promise<void> {
  const dh = await open(dir ?? '.', 'r');
  try {
    await dh.sync(); // a rename is durable only once its folder is
  } finally {
    await dh.close();
  }
}

// Creates share folder fsyncs (group commit, as the nodes do): a rename made while one runs
// waits for the next, which covers every rename made before it started.
let running: Promise<void> | null = null;
let queued: Promise<void> | null = null;
function syncDirShared(): Promise<void> {
  if (!running) {
    running = syncDir().finally(() => (running = null));
    return running;
  }
  queued ??= running.then(() => {
    queued = null;
    return syncDirShared();
  });
  return queued;
}

async function create(
  name: string,
  file: string,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  if (!etcd) {
    res.writeHead(405).end();
    return;
  }
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  const fh = await open(`${file}.tmp`, 'wx');
  try {
    await fh.write(Buffer.concat(parts));
    await fh.sync();
  } finally {
    await fh.close();
  }
  const key = `/baseline/${name}`;
  const value = JSON.stringify({
    type: 'file',
    instance_id: 'baseline',
    backend_type: 'localfs',
    size: parts.reduce((n, p) => n + p.length, 0),
    mode: 420,
    owner: 'api-user-0',
    mtime: Date.now(),
    gen: 1,
    state: 'ready',
  });
  const r = await etcd.if(key, 'Create', '==', 0).then(etcd.put(key).value(value)).commit();
  if (!r.succeeded) {
    await unlink(`${file}.tmp`);
    res.writeHead(409, { 'content-type': 'application/json' }).end('{"error":"exists"}');
    return;
  }
  await rename(`${file}.tmp`, file);
  await syncDirShared();
  res.writeHead(201, { 'content-type': 'application/json' }).end('{"ok":true}');
}

async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const name = /^\/([A-Za-z0-9._-]+)$/.exec(req.url ?? '')?.[1];
  if (!name || !dir) {
    res.writeHead(404).end();
    return;
  }
  const file = join(dir, name);
  if (req.method === 'PUT') {
    // `flush`: fsync before the descriptor is closed, which ends the pipeline.
    await pipeline(req, createWriteStream(`${file}.tmp`, { highWaterMark: MiB, flush: true }));
    await rename(`${file}.tmp`, file);
    await syncDir();
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  } else if (req.method === 'GET') {
    const fh = await open(file, 'r');
    const { size } = await fh.stat();
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': String(size),
    });
    // 1 MiB reads, or one read of the whole file when it is smaller: a 1 MiB buffer for a
    // 1 KiB file would make the baseline slower than it needs to be.
    const highWaterMark = Math.min(MiB, Math.max(size, 1));
    await pipeline(createReadStream('', { fd: fh, highWaterMark }), res);
  } else if (req.method === 'POST') {
    await create(name, file, req, res);
  } else {
    res.writeHead(405).end();
  }
}

const server = http.createServer((req, res) => {
  handle(req, res).catch(() => {
    if (!res.headersSent) res.writeHead(500).end();
    else res.destroy();
  });
});
server.keepAliveTimeout = 10_000;
server.listen(0, '127.0.0.1', () => {
  const addr = server.address();
  process.stdout.write(JSON.stringify({ port: typeof addr === 'object' ? addr?.port : 0 }) + '\n');
});
const stop = (): void => {
  etcd?.close();
  server.closeAllConnections();
  server.close(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.resume();
