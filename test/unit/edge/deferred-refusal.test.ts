// Bytes the parser refuses after a complete request wait for that request's answer. Meanwhile
// Node's connection check sees an unfinished request and reports a headers timeout: that must
// not cut the answer still owed (a slow commit, a large GET), or the write's client is told
// nothing while its write is applied.
import { connect, type AddressInfo } from 'node:net';
import { once } from 'node:events';
import { expect } from 'chai';
import { pino } from 'pino';
import { createEdgeServer } from '../../../src/edge/http-server.js';

const ANSWER_MS = 900;
const HEADERS_TIMEOUT_MS = 200;

describe('edge server: a 400 deferred behind an answer', function () {
  this.timeout(10_000);

  it('should send the slow answer whole, then the 400, when the headers timeout passes meanwhile', async () => {
    const server = createEdgeServer({
      fetch: async () => {
        await new Promise((r) => setTimeout(r, ANSWER_MS));
        return new Response('stored', { status: 201 });
      },
      instanceId: 'edge-test',
      logger: pino({ level: 'silent' }),
      idleTimeoutMs: 60_000,
      headersTimeoutMs: HEADERS_TIMEOUT_MS,
      connectionsCheckingIntervalMs: 50,
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as AddressInfo;
      const socket = connect(port, '127.0.0.1');
      await once(socket, 'connect');
      const chunks: Buffer[] = [];
      socket.on('data', (b: Buffer) => chunks.push(b));
      // A complete POST, then bytes that are no request at all.
      socket.write(
        'POST /v1/files/a HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nok' +
          '\u0001garbage\r\n\r\n',
      );
      await once(socket, 'close');
      const text = Buffer.concat(chunks).toString('latin1');
      const statuses = [...text.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]));
      expect(statuses).to.deep.equal([201, 400]);
      expect(text).to.include('stored');
    } finally {
      server.close();
      server.closeAllConnections();
    }
  });
});
