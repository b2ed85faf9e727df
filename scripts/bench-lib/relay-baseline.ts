// The relay baseline: the simplest gRPC relay doing the durable work a relayed file request
// owes, in two processes on 127.0.0.1, with nothing from src/. It measures what a relay hop
// built on this stack (node:http in front, @grpc/grpc-js between the processes) costs by
// itself, so the nodes' relayed figures can be read against it rather than only against the
// owner's.
//   owner DIR   a grpc-js server with a generic service (identity Buffer serializers, no
//               protobuf) offering
//               Read  (server streaming; request: the name) the size in the response headers,
//                     then a file of at most 64 KiB as one message, a larger one in 1 MiB
//                     chunks read from the file, with backpressure
//               Write (client streaming; the name in the metadata) the chunks into
//                     DIR/NAME.tmp (a write stream with a 1 MiB buffer, as the plain PUT's),
//                     fsync, rename, fsync of DIR, then one reply
//   front PORT  a node:http server on one channel to the owner's gRPC PORT:
//               GET /NAME  calls Read, answers the size as Content-Length, then the chunks
//                          (one write of the whole body when it is at most 64 KiB), with
//                          backpressure → 200 (404 when the owner has no such file)
//               PUT /NAME  streams the body into Write as it comes off the socket (~64 KiB
//                          messages, as the nodes relay an upload: the owner's writes then
//                          fall as the plain PUT's do), with backpressure, and answers once
//                          the reply came → 200
// Both use the nodes' peer settings (src/peer/channels.ts, src/peer/server.ts, defaults of
// src/config/schema.ts): 16 MiB HTTP/2 flow-control windows in both directions, the same
// message size limits, keepalive, channelz off.
// Each prints {"port":N} once listening and exits on SIGTERM or when its stdin closes (the
// bench died), so it never outlives the bench.
//   node --import tsx scripts/bench-lib/relay-baseline.ts owner DIR
//   node --import tsx scripts/bench-lib/relay-baseline.ts front GRPC_PORT
import { createReadStream, createWriteStream } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { once } from 'node:events';
import http from 'node:http';
import type { Http2Server, ServerHttp2Session } from 'node:http2';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as grpc from '@grpc/grpc-js';

const MiB = 1024 * 1024;
/** peer.chunk_size_bytes's default. */
const CHUNK = MiB;
/** peer.flow_control_window_bytes's default. */
const WINDOW = 16 * MiB;
/** Bodies up to this size go as one message and one write, as the nodes' relayed small reads. */
const WHOLE = 64 * 1024;
const READ = '/relaybaseline.Relay/Read';
const WRITE = '/relaybaseline.Relay/Write';

const identity = (b: Buffer): Buffer => b;
const method = (path: string, requestStream: boolean, responseStream: boolean) => ({
  path,
  requestStream,
  responseStream,
  requestSerialize: identity,
  requestDeserialize: identity,
  responseSerialize: identity,
  responseDeserialize: identity,
});
const service: grpc.ServiceDefinition = {
  Read: method(READ, false, true),
  Write: method(WRITE, true, false),
};

/** grpc-js's streams are node Writables; its types narrow `write` to messages only. */
const writable = (call: object): Writable => call as Writable;

const validName = (name: string): string | undefined =>
  /^[A-Za-z0-9._-]+$/.test(name) && !name.startsWith('.') ? name : undefined;

function status(code: grpc.status, details: string): grpc.ServiceError {
  return Object.assign(new Error(details), { code, details, metadata: new grpc.Metadata() });
}

function ready(port: number): void {
  process.stdout.write(JSON.stringify({ port }) + '\n');
}

function untilStopped(stop: () => void): void {
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.stdin.on('end', stop);
  process.stdin.resume();
}

async function owner(dir: string): Promise<void> {
  const syncDir = async (): Promise<void> => {
    const dh = await open(dir, 'r');
    try {
      await dh.sync(); // a rename is durable only once its folder is
    } finally {
      await dh.close();
    }
  };

  const read = async (call: grpc.ServerWritableStream<Buffer, Buffer>): Promise<void> => {
    const name = validName(call.request.toString());
    if (!name) throw status(grpc.status.INVALID_ARGUMENT, 'bad name');
    const fh = await open(join(dir, name), 'r').catch(() => {
      throw status(grpc.status.NOT_FOUND, name);
    });
    let streaming = false;
    try {
      const { size } = await fh.stat();
      const md = new grpc.Metadata();
      md.set('size', String(size));
      call.sendMetadata(md);
      if (size <= WHOLE) {
        const buf = Buffer.allocUnsafe(size);
        const { bytesRead } = await fh.read(buf, 0, size, 0);
        // (grpc-js's end(x) takes trailing metadata, not a last message)
        call.write(buf.subarray(0, bytesRead));
        call.end();
        return;
      }
      streaming = true; // the stream closes the handle
      const file = createReadStream('', { fd: fh, highWaterMark: CHUNK });
      // Not `pipeline`: it would destroy the call on a failure, and a destroyed call never
      // sends its status. A cancelled call ends the reading instead.
      const cancelled = new AbortController();
      call.once('cancelled', () => cancelled.abort());
      for await (const chunk of file) {
        if (!call.write(chunk as Buffer)) await once(call, 'drain', { signal: cancelled.signal });
      }
      call.end();
    } finally {
      if (!streaming) await fh.close();
    }
  };

  const write = async (call: grpc.ServerReadableStream<Buffer, Buffer>): Promise<Buffer> => {
    const name = validName(String(call.metadata.get('name')[0] ?? ''));
    if (!name) throw status(grpc.status.INVALID_ARGUMENT, 'bad name');
    const file = join(dir, name);
    // `flush`: fsync before the descriptor is closed, which ends the pipeline.
    await pipeline(call, createWriteStream(`${file}.tmp`, { highWaterMark: CHUNK, flush: true }));
    await rename(`${file}.tmp`, file);
    await syncDir();
    return Buffer.from('ok');
  };

  const server = new grpc.Server({
    'grpc.max_receive_message_length': 8 * MiB + 64 * 1024,
    'grpc.max_send_message_length': CHUNK + 64 * 1024,
    'grpc.keepalive_permit_without_calls': 1,
    'grpc.http2.min_ping_interval_without_data_ms': 1000,
    'grpc.enable_channelz': 0,
  });
  server.addService(service, {
    Read: (call: grpc.ServerWritableStream<Buffer, Buffer>) => {
      read(call).catch((err: unknown) => {
        if (call.cancelled || call.writableEnded) return;
        const code = (err as { code?: unknown }).code;
        call.emit('error', typeof code === 'number' ? err : status(grpc.status.INTERNAL, `${err}`));
      });
    },
    Write: (call: grpc.ServerReadableStream<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
      write(call).then(
        (reply) => cb(null, reply),
        (err: unknown) =>
          cb(
            typeof (err as { code?: unknown }).code === 'number'
              ? (err as grpc.ServiceError)
              : status(grpc.status.INTERNAL, String(err)),
          ),
      );
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  // As the nodes do (src/peer/server.ts): grpc-js has no server option for the HTTP/2 window,
  // so every session of its listeners gets it, for uploads into this server.
  const listeners = (server as unknown as { http2Servers?: Map<Http2Server, unknown> })
    .http2Servers;
  if (!listeners) throw new Error('grpc-js internals changed: no http2Servers');
  for (const h2 of listeners.keys()) {
    h2.on('session', (session: ServerHttp2Session) => {
      session.settings({ initialWindowSize: WINDOW });
      session.setLocalWindowSize(WINDOW);
    });
  }
  ready(port);
  untilStopped(() => {
    server.forceShutdown();
    process.exit(0);
  });
}

async function front(grpcPort: number): Promise<void> {
  const client = new grpc.Client(`127.0.0.1:${grpcPort}`, grpc.credentials.createInsecure(), {
    'grpc-node.flow_control_window': WINDOW,
    'grpc.max_send_message_length': CHUNK + 64 * 1024,
    'grpc.max_receive_message_length': CHUNK + 64 * 1024,
    'grpc.keepalive_time_ms': 10_000,
    'grpc.keepalive_timeout_ms': 1500,
    'grpc.keepalive_permit_without_calls': 1,
    'grpc.enable_channelz': 0,
  });

  const get = async (name: string, res: http.ServerResponse): Promise<void> => {
    const call = client.makeServerStreamRequest(READ, identity, identity, Buffer.from(name));
    let size: number;
    try {
      size = await new Promise<number>((resolve, reject) => {
        // A refusal may come as headers without a size, then its status.
        call.on('metadata', (md) => {
          const v = md.get('size')[0];
          if (v !== undefined) resolve(Number(v));
        });
        call.once('error', reject);
      });
    } catch (err) {
      const notFound = (err as { code?: unknown }).code === grpc.status.NOT_FOUND;
      res.writeHead(notFound ? 404 : 502).end();
      return;
    }
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': String(size),
    });
    if (size <= WHOLE) {
      const parts: Buffer[] = [];
      for await (const m of call) parts.push(m as Buffer);
      res.end(parts.length === 1 ? parts[0] : Buffer.concat(parts));
      return;
    }
    await pipeline(call, res);
  };

  const put = async (
    name: string,
    req: http.IncomingMessage,
    res: http.ServerResponse,
  ): Promise<void> => {
    const md = new grpc.Metadata();
    md.set('name', name);
    let call!: grpc.ClientWritableStream<Buffer>;
    const replied = new Promise<void>((resolve, reject) => {
      call = client.makeClientStreamRequest(WRITE, identity, identity, md, (err) =>
        err ? reject(err) : resolve(),
      );
    });
    await Promise.all([pipeline(req, writable(call)), replied]);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  };

  const server = http.createServer((req, res) => {
    const name = validName(/^\/(.+)$/.exec(req.url ?? '')?.[1] ?? '');
    const work = !name
      ? Promise.resolve(void res.writeHead(404).end())
      : req.method === 'GET'
        ? get(name, res)
        : req.method === 'PUT'
          ? put(name, req, res)
          : Promise.resolve(void res.writeHead(405).end());
    work.catch(() => {
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 10_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  ready(typeof addr === 'object' && addr ? addr.port : 0);
  untilStopped(() => {
    client.close();
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}

const [role, arg] = process.argv.slice(2);
const started =
  role === 'owner' && arg
    ? owner(arg)
    : role === 'front' && arg
      ? front(Number(arg))
      : Promise.reject(new Error('usage: relay-baseline.ts owner DIR | front GRPC_PORT'));
started.catch((err: unknown) => {
  process.stderr.write(`relay-baseline: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
