// The S3 body's direct send into an HTTP/1 response: exact bytes through the two reused
// buffers, a connection cut (never a clean end) when the object has fewer or more bytes than
// announced or its stream fails, and the body destroyed when the client goes away.
import { randomBytes } from 'node:crypto';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { expect } from 'chai';
import { directGet } from '../../../src/storage/s3/direct-get.js';
import { fetchAll, sha256 } from '../../support/http.js';

const MiB = 1024 * 1024;

/** The object's bytes as an S3 response hands them out: 64 KiB chunks and odd tails. */
function chunked(data: Buffer, fail?: Error): Readable {
  const parts: Buffer[] = [];
  for (let at = 0; at < data.length; at += 65_531) parts.push(data.subarray(at, at + 65_531));
  return Readable.from(
    (async function* () {
      for (const [i, p] of parts.entries()) {
        if (fail && i === Math.floor(parts.length / 2)) throw fail;
        yield p;
      }
    })(),
    { objectMode: false },
  );
}

describe('S3 direct GET', () => {
  let server: Server;
  let respond: (res: ServerResponse) => void;
  let url: string;

  beforeEach(async () => {
    server = createServer((_req, res) => respond(res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  /** Serves `body` announced as `size` bytes; resolves with what sendTo settled with. */
  function serve(body: ReturnType<typeof directGet>, size: number): Promise<unknown> {
    return new Promise((resolve) => {
      respond = (res) => {
        res.writeHead(200, { 'content-length': String(size) });
        body.sendTo(res).then(
          () => resolve('ended'),
          (err: unknown) => {
            res.destroy();
            resolve(err);
          },
        );
      };
    });
  }

  it('should send the exact bytes when the object spans several reused buffers', async () => {
    const data = randomBytes(3 * MiB + 12_345);
    const body = directGet(chunked(data), data.length);
    const sent = serve(body, data.length);
    const got = await fetchAll(url);
    expect(got.complete).to.equal(true);
    expect(sha256(got.bytes)).to.equal(sha256(data));
    expect(await sent).to.equal('ended');
    expect(body.destroyed).to.equal(true);
  });

  it('should cut the connection when the object ends before its announced size', async () => {
    const data = randomBytes(2 * MiB);
    const body = directGet(chunked(data.subarray(0, MiB + 7)), data.length);
    const sent = serve(body, data.length);
    const got = await fetchAll(url);
    expect(got.complete).to.equal(false);
    expect(await sent).to.be.instanceOf(Error);
    expect(body.destroyed).to.equal(true);
  });

  it('should cut the connection when the object has more bytes than announced', async () => {
    const data = randomBytes(MiB + 100);
    const body = directGet(chunked(data), MiB);
    const sent = serve(body, MiB);
    const got = await fetchAll(url);
    expect(got.complete).to.equal(false);
    expect(await sent).to.be.instanceOf(Error);
  });

  it('should cut the connection when the object stream fails mid-transfer', async () => {
    const data = randomBytes(3 * MiB);
    const body = directGet(chunked(data, new Error('connection reset')), data.length);
    const sent = serve(body, data.length);
    const got = await fetchAll(url);
    expect(got.complete).to.equal(false);
    expect(await sent).to.be.instanceOf(Error);
    expect(body.destroyed).to.equal(true);
  });

  it('should destroy the object stream when the client goes away mid-transfer', async () => {
    const data = randomBytes(32 * MiB);
    const body = directGet(chunked(data), data.length);
    const sent = serve(body, data.length);
    const got = await fetchAll(url, (destroy) => destroy());
    expect(got.complete).to.equal(false);
    expect(await sent).to.be.instanceOf(Error);
    expect(body.destroyed).to.equal(true);
  });
});
