// The gRPC FileService as an internal service uses it: List with paging and recursion like
// GET /v1/directories, Move with HTTP PATCH's rules (name, absolute destination), and errors
// grpc-js raises itself (an oversized message, an unknown method) carrying x-callfs-code.
import { expect } from 'chai';
import * as grpc from '@grpc/grpc-js';
import type { FileServiceClient } from '../../src/generated/callfs/v1/FileService.js';
import type { ListRequest } from '../../src/generated/callfs/v1/ListRequest.js';
import type { ListResponse__Output } from '../../src/generated/callfs/v1/ListResponse.js';
import type { MoveRequest } from '../../src/generated/callfs/v1/MoveRequest.js';
import type { WriteResponse__Output } from '../../src/generated/callfs/v1/WriteResponse.js';
import { loadProto } from '../../src/peer/proto.js';
import { startEtcd, type EtcdHandle } from '../support/etcd.js';
import { call } from '../support/http.js';
import { API_KEY, startInProcessNode, type InProcessNode } from '../support/node.js';

function md(): grpc.Metadata {
  const m = new grpc.Metadata();
  m.set('authorization', `Bearer ${API_KEY}`);
  return m;
}

function codeOf(err: unknown): [number | undefined, string | undefined] {
  const e = err as grpc.ServiceError;
  return [e.code, e.metadata?.get('x-callfs-code')[0]?.toString()];
}

describe('gRPC FileService: listings, moves and transport errors', function () {
  this.timeout(30_000);
  let etcd: EtcdHandle;
  let node: InProcessNode;
  let client: FileServiceClient;

  before(async () => {
    etcd = await startEtcd();
    node = await startInProcessNode(etcd.endpoint);
    client = new (loadProto().callfs.v1.FileService)(
      `127.0.0.1:${node.grpcPort}`,
      grpc.credentials.createInsecure(),
    );
    for (const p of ['a', 'b', 'c', 'd', 'e']) {
      await call(node.url, 'PUT', `/v1/files/ls/${p}.txt`, { body: p });
    }
    await call(node.url, 'PUT', '/v1/files/ls/sub/deep/x.txt', { body: 'x' });
  });
  after(async () => {
    client?.close();
    await node?.stop();
    await etcd?.stop();
  });

  async function list(req: ListRequest): Promise<ListResponse__Output[]> {
    const out: ListResponse__Output[] = [];
    for await (const msg of client.List(req, md())) out.push(msg as ListResponse__Output);
    return out;
  }
  const names = (msgs: ListResponse__Output[]) =>
    msgs.filter((m) => m.entry).map((m) => m.entry!.path);

  function move(req: MoveRequest): Promise<string> {
    return new Promise((resolve, reject) =>
      client.Move(req, md(), (err, res) => (err ? reject(err) : resolve(res!.info!.path))),
    );
  }

  it('should stream only the children, without a summary, when the request has only a path', async () => {
    const msgs = await list({ path: '/ls' });
    expect([msgs.length, msgs.every((m) => m.entry && !m.page)]).to.deep.equal([6, true]);
  });

  it('should end a page with the count and a cursor when a limit is set', async () => {
    const msgs = await list({ path: '/ls', limit: 2 });
    const last = msgs[msgs.length - 1]!;
    expect([names(msgs), last.page?.count, last.page?.next_cursor !== '']).to.deep.equal([
      ['/ls/a.txt', '/ls/b.txt'],
      6,
      true,
    ]);
  });

  it('should continue the listing to its end when the cursor of each page is passed on', async () => {
    const seen: string[] = [];
    let cursor = '';
    do {
      const msgs = await list({ path: '/ls', limit: 4, cursor });
      seen.push(...names(msgs));
      cursor = msgs[msgs.length - 1]!.page!.next_cursor;
    } while (cursor !== '');
    expect(seen).to.deep.equal([
      '/ls/a.txt',
      '/ls/b.txt',
      '/ls/c.txt',
      '/ls/d.txt',
      '/ls/e.txt',
      '/ls/sub',
    ]);
  });

  it('should list the whole subtree when recursive is set without a limit', async () => {
    const msgs = await list({ path: '/ls', recursive: true });
    expect([names(msgs).length, msgs[msgs.length - 1]!.page]).to.deep.equal([
      8,
      { count: 8, next_cursor: '' },
    ]);
  });

  it('should list only the children when recursive has max_depth 0', async () => {
    const msgs = await list({ path: '/ls', recursive: true, max_depth: 0 });
    expect(names(msgs)).to.have.length(6);
  });

  it('should answer INVALID_ARGUMENT BAD_REQUEST when the limit is over 10000', async () => {
    const err = await list({ path: '/ls', limit: 10_001 }).catch((e: unknown) => e);
    expect(codeOf(err)).to.deep.equal([grpc.status.INVALID_ARGUMENT, 'BAD_REQUEST']);
  });

  it('should answer INVALID_ARGUMENT INVALID_CURSOR when the cursor is of another listing', async () => {
    const first = await list({ path: '/ls', limit: 2 });
    const cursor = first[first.length - 1]!.page!.next_cursor;
    const err = await list({ path: '/ls', limit: 2, cursor, recursive: true }).catch(
      (e: unknown) => e,
    );
    expect(codeOf(err)).to.deep.equal([grpc.status.INVALID_ARGUMENT, 'INVALID_CURSOR']);
  });

  /** A Write whose header leaves write_mode unset (WRITE_MODE_UNSPECIFIED on the wire). */
  async function writeWithoutMode(path: string, data: string): Promise<boolean | undefined> {
    const stream = client.Write(md());
    const responses = stream[Symbol.asyncIterator]() as AsyncIterator<WriteResponse__Output>;
    stream.write({ header: { path, expected_size: -1 } });
    await responses.next(); // Ready
    stream.write({ chunk: Buffer.from(data) });
    stream.write({ finish: { size: data.length } });
    stream.end();
    const result = await responses.next();
    return (result.value as WriteResponse__Output | undefined)?.result?.created;
  }

  it('should create, then replace, when a Write leaves write_mode unset', async () => {
    const created = [
      await writeWithoutMode('/wm/unset.txt', 'first'),
      await writeWithoutMode('/wm/unset.txt', 'second'),
    ];
    const back = await call(node.url, 'GET', '/v1/files/wm/unset.txt').then((r) => r.text());
    expect([created, back]).to.deep.equal([[true, false], 'second']);
  });

  it('should rename in place when Move has a name', async () => {
    await call(node.url, 'PUT', '/v1/files/mv/old.txt', { body: 'o' });
    expect(await move({ source: '/mv/old.txt', name: 'new.txt' })).to.equal('/mv/new.txt');
  });

  it('should answer INVALID_ARGUMENT when the destination is relative', async () => {
    await call(node.url, 'PUT', '/v1/files/mv/rel.txt', { body: 'r' });
    const err = await move({ source: '/mv/rel.txt', destination: 'elsewhere.txt' }).catch(
      (e: unknown) => e,
    );
    expect(codeOf(err)).to.deep.equal([grpc.status.INVALID_ARGUMENT, 'BAD_REQUEST']);
  });

  it('should answer INVALID_ARGUMENT when neither name nor destination is given (an empty destination)', async () => {
    const err = await move({ source: '/mv/rel.txt' }).catch((e: unknown) => e);
    expect(codeOf(err)).to.deep.equal([grpc.status.INVALID_ARGUMENT, 'BAD_REQUEST']);
  });

  it('should answer INVALID_ARGUMENT when both name and destination are given', async () => {
    const err = await move({ source: '/mv/rel.txt', name: 'x.txt', destination: '/x.txt' }).catch(
      (e: unknown) => e,
    );
    expect(codeOf(err)).to.deep.equal([grpc.status.INVALID_ARGUMENT, 'BAD_REQUEST']);
  });

  it('should answer UNAVAILABLE OWNER_UNAVAILABLE and keep the file when instance names an unknown node', async () => {
    const err = await move({
      source: '/mv/rel.txt',
      destination: '/mv/rel.txt',
      instance: 'node-9',
    }).catch((e: unknown) => e);
    const still = await call(node.url, 'GET', '/v1/files/mv/rel.txt');
    expect([...codeOf(err), still.status, await still.text()]).to.deep.equal([
      grpc.status.UNAVAILABLE,
      'OWNER_UNAVAILABLE',
      200,
      'r',
    ]);
  });

  it('should answer INVALID_ARGUMENT when the name has a slash', async () => {
    const err = await move({ source: '/mv/rel.txt', name: 'a/b' }).catch((e: unknown) => e);
    expect(codeOf(err)).to.deep.equal([grpc.status.INVALID_ARGUMENT, 'BAD_REQUEST']);
  });

  it('should answer RESOURCE_EXHAUSTED PAYLOAD_TOO_LARGE when a message is over the limit', async () => {
    const err = await new Promise<unknown>((resolve) => {
      const stream = client.Write(md());
      stream.on('data', () => undefined);
      stream.on('error', resolve);
      stream.on('end', () => resolve(undefined));
      stream.write({ header: { path: '/big.bin', write_mode: 'WRITE_MODE_CREATE_OR_REPLACE' } });
      stream.write({ chunk: Buffer.alloc(8 * 1024 * 1024) });
    });
    expect(codeOf(err)).to.deep.equal([grpc.status.RESOURCE_EXHAUSTED, 'PAYLOAD_TOO_LARGE']);
  });

  it('should answer UNIMPLEMENTED METHOD_NOT_ALLOWED when the method does not exist', async () => {
    const err = await new Promise<unknown>((resolve) =>
      client.makeUnaryRequest(
        '/callfs.v1.FileService/NoSuchMethod',
        (b: Buffer) => b,
        (b: Buffer) => b,
        Buffer.alloc(0),
        md(),
        (e) => resolve(e),
      ),
    );
    expect(codeOf(err)).to.deep.equal([grpc.status.UNIMPLEMENTED, 'METHOD_NOT_ALLOWED']);
  });
});
