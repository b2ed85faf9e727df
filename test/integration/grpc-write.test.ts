// The Write contract of the gRPC FileService against a real node, for a client that breaks it:
// a stream that ends early, goes idle, lies about its size, names a directory path or sends a
// chunk over the limit ends at once with a status carrying x-callfs-code, and commits nothing.
import { expect } from 'chai';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { loadProto } from '../../src/peer/proto.js';
import type { FileServiceClient } from '../../src/generated/callfs/v1/FileService.js';
import type { FileInfo__Output } from '../../src/generated/callfs/v1/FileInfo.js';
import type { WriteRequest } from '../../src/generated/callfs/v1/WriteRequest.js';
import type { WriteResponse__Output } from '../../src/generated/callfs/v1/WriteResponse.js';
import { startEtcd, type EtcdHandle } from '../support/etcd.js';
import { sha256 } from '../support/http.js';
import { API_KEY, startInProcessNode, type InProcessNode } from '../support/node.js';

interface RawWrite {
  send(msg: WriteRequest): void;
  end(): void;
  /** The next response message (Ready or the result), or undefined when the stream ended. */
  next(): Promise<WriteResponse__Output | undefined>;
  /** The call's final status. */
  status: Promise<grpc.StatusObject>;
}

function client(port: number): FileServiceClient {
  const Ctor = loadProto().callfs.v1.FileService;
  return new Ctor(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
}

function auth(): grpc.Metadata {
  const md = new grpc.Metadata();
  md.set('authorization', `Bearer ${API_KEY}`);
  return md;
}

/** A Write driven message by message; no deadline, so a server that hangs fails the test. */
function rawWrite(c: FileServiceClient): RawWrite {
  const call = c.Write(auth());
  const status = new Promise<grpc.StatusObject>((resolve) => call.once('status', resolve));
  call.on('error', () => undefined);
  const responses = call[Symbol.asyncIterator]() as AsyncIterator<WriteResponse__Output>;
  return {
    send: (msg) => void call.write(msg),
    end: () => call.end(),
    next: async () => {
      try {
        const r = await responses.next();
        return r.done ? undefined : r.value;
      } catch {
        return undefined;
      }
    },
    status,
  };
}

const header = (path: string, expected = -1): WriteRequest => ({
  header: { path, write_mode: 'WRITE_MODE_CREATE_OR_REPLACE', expected_size: expected },
});

const codeOf = (s: grpc.StatusObject): string | undefined =>
  s.metadata?.get('x-callfs-code')[0]?.toString();

async function writeAll(c: FileServiceClient, path: string, data: Buffer): Promise<void> {
  const w = rawWrite(c);
  w.send(header(path, data.length));
  await w.next();
  w.send({ chunk: data });
  w.send({ finish: { size: data.length } });
  w.end();
  const s = await w.status;
  if (s.code !== grpc.status.OK) throw new Error(`write failed: ${s.details}`);
}

function stat(c: FileServiceClient, path: string): Promise<FileInfo__Output | grpc.ServiceError> {
  return new Promise((resolve) =>
    c.Stat({ path }, auth(), (err, res) => resolve(err ?? res!.info!)),
  );
}

async function readAll(c: FileServiceClient, path: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const msg of c.Read({ path }, auth())) if (msg.chunk) parts.push(msg.chunk);
  return Buffer.concat(parts);
}

/** Every file under the node's internal folder (temps, journals of staged writes). */
async function internalFiles(root: string): Promise<string[]> {
  const dir = join(root, '.callfs');
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => e.name);
}

describe('gRPC Write: a client that breaks the contract', function () {
  this.timeout(20_000);
  let etcd: EtcdHandle;
  let node: InProcessNode;
  let c: FileServiceClient;

  before(async () => {
    etcd = await startEtcd();
    node = await startInProcessNode(etcd.endpoint);
    c = client(node.grpcPort);
  });
  after(async () => {
    c?.close();
    await node?.stop();
    await etcd?.stop();
  });

  it('should answer BAD_REQUEST at once when a Write ends before its header', async () => {
    const w = rawWrite(c);
    w.end();
    const s = await w.status;
    expect(s.code).to.equal(grpc.status.INVALID_ARGUMENT);
    expect(codeOf(s)).to.equal('BAD_REQUEST');
  });

  it('should answer BAD_REQUEST at once when a Write half-closes without Finish', async () => {
    const w = rawWrite(c);
    w.send(header('/w/no-finish.bin'));
    expect((await w.next())?.ready).to.not.equal(undefined);
    w.send({ chunk: Buffer.from('partial') });
    w.end();
    const s = await w.status;
    expect(codeOf(s)).to.equal('BAD_REQUEST');
    expect(codeOf((await stat(c, '/w/no-finish.bin')) as grpc.ServiceError)).to.equal(
      'FILE_NOT_FOUND',
    );
  });

  it('should answer BAD_REQUEST and keep the old bytes when fewer bytes than expected_size arrive', async () => {
    const old = Buffer.from('the old content');
    await writeAll(c, '/w/short.bin', old);
    const before = (await stat(c, '/w/short.bin')) as FileInfo__Output;
    const w = rawWrite(c);
    w.send(header('/w/short.bin', 100));
    await w.next();
    w.send({ chunk: Buffer.alloc(60, 1) });
    w.send({ finish: { size: 60 } });
    w.end();
    const s = await w.status;
    expect(codeOf(s)).to.equal('BAD_REQUEST');
    expect(sha256(await readAll(c, '/w/short.bin'))).to.equal(sha256(old));
    expect(((await stat(c, '/w/short.bin')) as FileInfo__Output).gen).to.equal(before.gen);
    expect(await internalFiles(node.root)).to.deep.equal([]);
  });

  it('should answer BAD_REQUEST and create nothing when more bytes than expected_size arrive', async () => {
    const w = rawWrite(c);
    w.send(header('/w/long.bin', 10));
    await w.next();
    w.send({ chunk: Buffer.alloc(11, 2) });
    w.send({ finish: { size: 11 } });
    w.end();
    const s = await w.status;
    expect(codeOf(s)).to.equal('BAD_REQUEST');
    expect(codeOf((await stat(c, '/w/long.bin')) as grpc.ServiceError)).to.equal('FILE_NOT_FOUND');
    expect(await internalFiles(node.root)).to.deep.equal([]);
  });

  it('should answer INVALID_PATH when the Write path ends with a slash', async () => {
    const w = rawWrite(c);
    w.send(header('/w/dir/'));
    const s = await w.status;
    expect(s.code).to.equal(grpc.status.INVALID_ARGUMENT);
    expect(codeOf(s)).to.equal('INVALID_PATH');
  });

  it('should answer PAYLOAD_TOO_LARGE in x-callfs-code when a chunk is larger than Ready.chunk_size allows', async () => {
    const w = rawWrite(c);
    w.send(header('/w/big-chunk.bin'));
    const ready = (await w.next())?.ready;
    // Larger than the announced limit and than the transport's former message limit.
    w.send({ chunk: Buffer.alloc(ready!.chunk_size + 64 * 1024 + 1, 3) });
    w.send({ finish: { size: ready!.chunk_size + 64 * 1024 + 1 } });
    w.end();
    const s = await w.status;
    expect(s.code).to.equal(grpc.status.RESOURCE_EXHAUSTED);
    expect(codeOf(s)).to.equal('PAYLOAD_TOO_LARGE');
  });

  describe('with peer.write_idle_timeout_ms: 300', () => {
    let idle: InProcessNode;
    let ic: FileServiceClient;
    before(async () => {
      idle = await startInProcessNode(etcd.endpoint, {
        overrides: { peer: { write_idle_timeout_ms: 300 } },
      });
      ic = client(idle.grpcPort);
    });
    after(async () => {
      ic?.close();
      await idle?.stop();
    });

    it('should end the Write with BAD_REQUEST when the client sends nothing after Ready', async () => {
      const w = rawWrite(ic);
      w.send(header('/w/idle.bin'));
      await w.next();
      w.send({ chunk: Buffer.from('a little, then silence') });
      const s = await w.status;
      expect(codeOf(s)).to.equal('BAD_REQUEST');
      expect(codeOf((await stat(ic, '/w/idle.bin')) as grpc.ServiceError)).to.equal(
        'FILE_NOT_FOUND',
      );
    });
  });
});
