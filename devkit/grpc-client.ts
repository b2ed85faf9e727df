// A small example of an internal service calling CallFS over gRPC directly (callfs.v1).
// As a library: `connect(addr, apiKey)` gives stat/read/write/mkdir/list/remove.
// As a command:
//   node --import tsx devkit/grpc-client.ts --addr 127.0.0.1:9441 --key KEY stat /docs/a.txt
//   ... write /docs/a.txt < local.txt     ... read /docs/a.txt > copy.txt
//   ... mkdir /docs     ... ls /docs      ... rm /docs/a.txt
import { once } from 'node:events';
import { pathToFileURL } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { loadProto } from '../src/peer/proto.js';
import type { FileInfo__Output } from '../src/generated/callfs/v1/FileInfo.js';
import type { FileServiceClient } from '../src/generated/callfs/v1/FileService.js';
import type { WriteResponse__Output } from '../src/generated/callfs/v1/WriteResponse.js';
import type { WriteResult__Output } from '../src/generated/callfs/v1/WriteResult.js';

const CHUNK = 1024 * 1024;

export interface DirectClient {
  stat(path: string): Promise<FileInfo__Output>;
  read(path: string): AsyncGenerator<Buffer, FileInfo__Output | undefined>;
  readAll(path: string): Promise<Buffer>;
  write(
    path: string,
    body: AsyncIterable<Buffer> | Buffer,
    createOnly?: boolean,
  ): Promise<WriteResult__Output>;
  mkdir(path: string): Promise<{ created: boolean }>;
  list(path: string): Promise<FileInfo__Output[]>;
  remove(path: string): Promise<void>;
  close(): void;
}

export function connect(addr: string, apiKey: string): DirectClient {
  const Ctor = loadProto().callfs.v1.FileService;
  const client: FileServiceClient = new Ctor(addr, grpc.credentials.createInsecure(), {
    'grpc-node.flow_control_window': 16 * 1024 * 1024,
    'grpc.max_receive_message_length': 8 * 1024 * 1024,
  });
  const md = (): grpc.Metadata => {
    const m = new grpc.Metadata();
    m.set('authorization', `Bearer ${apiKey}`);
    return m;
  };
  const unary = <T>(fn: (cb: (err: grpc.ServiceError | null, res?: T) => void) => void) =>
    new Promise<T>((resolve, reject) => fn((err, res) => (err ? reject(err) : resolve(res as T))));

  async function* read(path: string): AsyncGenerator<Buffer, FileInfo__Output | undefined> {
    let header: FileInfo__Output | undefined;
    for await (const msg of client.Read({ path }, md())) {
      if (msg.header) header = msg.header;
      else if (msg.chunk) yield msg.chunk as Buffer;
    }
    return header;
  }

  return {
    stat: async (path) =>
      (await unary<{ info: FileInfo__Output | null }>((cb) => client.Stat({ path }, md(), cb)))
        .info!,
    read,
    readAll: async (path) => {
      const parts: Buffer[] = [];
      for await (const c of read(path)) parts.push(c);
      return Buffer.concat(parts);
    },
    write: async (path, body, createOnly = false) => {
      const call = client.Write(md());
      const responses = call[Symbol.asyncIterator]() as AsyncIterator<WriteResponse__Output>;
      call.write({
        header: {
          path,
          write_mode: createOnly ? 'WRITE_MODE_CREATE_ONLY' : 'WRITE_MODE_CREATE_OR_REPLACE',
          expected_size: Buffer.isBuffer(body) ? body.length : -1,
        },
      });
      const ready = await responses.next(); // Ready, or the owner's error
      if (ready.done || !ready.value.ready) throw new Error('no Ready from the server');
      let size = 0;
      const source = Buffer.isBuffer(body) ? [body] : body;
      for await (const piece of source) {
        for (let i = 0; i < piece.length; i += CHUNK) {
          const chunk = piece.subarray(i, i + CHUNK);
          size += chunk.length;
          if (!call.write({ chunk })) await once(call, 'drain');
        }
      }
      call.write({ finish: { size } });
      call.end();
      const done = await responses.next();
      if (done.done || !done.value.result) throw new Error('no result from the server');
      return done.value.result;
    },
    mkdir: (path) => unary<{ created: boolean }>((cb) => client.Mkdir({ path }, md(), cb)),
    list: async (path) => {
      const out: FileInfo__Output[] = [];
      for await (const msg of client.List({ path }, md())) if (msg.entry) out.push(msg.entry);
      return out;
    },
    remove: async (path) => {
      await unary((cb) => client.Delete({ path }, md(), cb));
    },
    close: () => client.close(),
  };
}

async function main(argv: string[]): Promise<void> {
  const take = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv.splice(i, 2)[1] : undefined;
  };
  const addr = take('--addr') ?? '127.0.0.1:9441';
  const key = take('--key') ?? '';
  const [cmd, path] = argv;
  if (!cmd || !path) {
    process.stderr.write(
      'usage: grpc-client.ts --addr HOST:PORT --key KEY stat|read|write|mkdir|ls|rm PATH\n',
    );
    process.exitCode = 2;
    return;
  }
  const c = connect(addr, key);
  try {
    if (cmd === 'stat') process.stdout.write(JSON.stringify(await c.stat(path), null, 2) + '\n');
    else if (cmd === 'read') for await (const chunk of c.read(path)) process.stdout.write(chunk);
    else if (cmd === 'write')
      process.stdout.write(JSON.stringify(await c.write(path, process.stdin), null, 2) + '\n');
    else if (cmd === 'mkdir') process.stdout.write(JSON.stringify(await c.mkdir(path)) + '\n');
    else if (cmd === 'ls')
      for (const e of await c.list(path))
        process.stdout.write(
          `${e.type === 'FILE_TYPE_DIRECTORY' ? 'd' : '-'} ${e.size}\t${e.path}\n`,
        );
    else if (cmd === 'rm') await c.remove(path);
    else throw new Error(`unknown command ${cmd}`);
  } catch (err) {
    const e = err as grpc.ServiceError;
    process.stderr.write(
      `error: ${e.metadata?.get('x-callfs-code')[0] ?? e.code}: ${e.details ?? e.message}\n`,
    );
    process.exitCode = 1;
  } finally {
    c.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href)
  await main(process.argv.slice(2));
