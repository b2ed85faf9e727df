// The baseline: the strongest simple server doing the durable work a file server owes, on
// node:http with `pipeline` and no framework, started by the bench in its own process.
//   PUT /NAME  body → DIR/NAME.tmp (1 MiB writes), fsync, rename, fsync of DIR → 200
//   GET /NAME  DIR/NAME opened per request, Content-Length from fstat, 1 MiB reads (one read
//              of the whole file when smaller) → 200
// Prints {"port":N} once listening on 127.0.0.1. Exits on SIGTERM or when its stdin closes
// (the bench died), so it never outlives the bench.
//   node --import tsx scripts/bench-lib/baseline-server.ts DIR
import { createReadStream, createWriteStream } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import http from 'node:http';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';

const MiB = 1024 * 1024;
const dir = process.argv[2];
if (!dir) throw new Error('usage: baseline-server.ts DIR');

async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const name = /^\/([a-z0-9.-]+)$/.exec(req.url ?? '')?.[1];
  if (!name || !dir) {
    res.writeHead(404).end();
    return;
  }
  const file = join(dir, name);
  if (req.method === 'PUT') {
    // `flush`: fsync before the descriptor is closed, which ends the pipeline.
    await pipeline(req, createWriteStream(`${file}.tmp`, { highWaterMark: MiB, flush: true }));
    await rename(`${file}.tmp`, file);
    const dh = await open(dir, 'r');
    try {
      await dh.sync(); // the rename itself is durable only once the folder is
    } finally {
      await dh.close();
    }
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
  server.closeAllConnections();
  server.close(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.resume();
