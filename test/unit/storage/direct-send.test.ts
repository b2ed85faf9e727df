// The localfs body's direct send into an HTTP/1 response: exact bytes of a span read with
// reused buffers, a connection cut (never a clean end) when the file is shorter than
// announced, and the file closed when the client goes away.
import { randomBytes } from 'node:crypto';
import { mkdtemp, open, rm, truncate, writeFile } from 'node:fs/promises';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { expect } from 'chai';
import type { DirectBody } from '../../../src/files/ports.js';
import { directBody } from '../../../src/storage/direct-send.js';
import { fetchAll, sha256 } from '../../support/http.js';

const CHUNK = 64 * 1024;

describe('localfs direct send', () => {
  let dir: string;
  let server: Server;
  let respond: (res: ServerResponse) => void;
  let url: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'callfs-direct-'));
    server = createServer((_req, res) => respond(res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await rm(dir, { recursive: true, force: true });
  });

  async function bodyOf(file: string, start: number, end: number): Promise<Readable & DirectBody> {
    const handle = await open(file, 'r');
    const stream = handle.createReadStream({ start, end, highWaterMark: CHUNK });
    stream.on('error', () => undefined);
    return directBody(stream, handle, start, end, CHUNK);
  }

  it('should send the exact bytes of a span when it spans several reused buffers', async () => {
    const data = randomBytes(3 * CHUNK + 12_345);
    const file = join(dir, 'f.bin');
    await writeFile(file, data);
    const [start, end] = [1000, data.length - 501];
    const body = await bodyOf(file, start, end);
    respond = (res) => {
      res.writeHead(200, { 'content-length': String(end - start + 1) });
      body.sendTo(res).catch(() => res.destroy());
    };
    const got = await fetchAll(url);
    expect(got.status).to.equal(200);
    expect(got.complete).to.equal(true);
    expect(sha256(got.bytes)).to.equal(sha256(data.subarray(start, end + 1)));
    expect(body.destroyed).to.equal(true);
  });

  it('should cut the connection when the file is shorter than the span announced', async () => {
    const data = randomBytes(4 * CHUNK);
    const file = join(dir, 'f.bin');
    await writeFile(file, data);
    const body = await bodyOf(file, 0, data.length - 1);
    await truncate(file, 2 * CHUNK + 7);
    let failure: unknown;
    respond = (res) => {
      res.writeHead(200, { 'content-length': String(data.length) });
      body.sendTo(res).catch((err: unknown) => {
        failure = err;
        res.destroy();
      });
    };
    const got = await fetchAll(url);
    expect(got.complete).to.equal(false);
    expect(got.bytes.length).to.be.below(data.length);
    expect(failure).to.be.instanceOf(Error);
    expect(body.destroyed).to.equal(true);
  });

  it('should close the file when the client goes away mid-transfer', async () => {
    const data = randomBytes(64 * CHUNK);
    const file = join(dir, 'f.bin');
    await writeFile(file, data);
    const body = await bodyOf(file, 0, data.length - 1);
    const sent = new Promise<unknown>((resolve) => {
      respond = (res) => {
        res.writeHead(200, { 'content-length': String(data.length) });
        body.sendTo(res).then(
          () => resolve('ended'),
          (err: unknown) => resolve(err),
        );
      };
    });
    const got = await fetchAll(url, (destroy) => destroy());
    expect(got.complete).to.equal(false);
    expect(await sent).to.be.instanceOf(Error);
    expect(body.destroyed).to.equal(true);
  });
});
