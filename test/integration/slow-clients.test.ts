// Slow and idle clients: a client trickling its body does not block other requests, an idle
// connection is closed after the idle timeout, and a trickled upload that stalls leaves nothing.
import { expect } from 'chai';
import { connect } from 'node:net';
import { startEtcd, type EtcdHandle } from '../support/etcd.js';
import { call } from '../support/http.js';
import { API_KEY, startInProcessNode, type InProcessNode } from '../support/node.js';

describe('slow and idle clients', function () {
  this.timeout(30_000);
  let etcd: EtcdHandle;
  let node: InProcessNode;

  before(async () => {
    etcd = await startEtcd();
    node = await startInProcessNode(etcd.endpoint, {
      overrides: { server: { request_idle_timeout_ms: 1000 } },
    });
  });
  after(async () => {
    await node?.stop();
    await etcd?.stop();
  });

  function rawSocket() {
    return connect({ host: '127.0.0.1', port: node.httpPort });
  }

  it('should serve other requests while a client trickles one byte at a time', async () => {
    const sock = rawSocket();
    sock.on('error', () => undefined);
    sock.write(
      `PUT /v1/files/slow/trickle.bin HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${API_KEY}\r\nContent-Length: 100\r\n\r\n`,
    );
    const trickle = setInterval(() => sock.write('x'), 300);
    try {
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          call(node.url, 'PUT', `/v1/files/slow/other-${i}.txt`, { body: 'quick' }).then(
            (r) => r.status,
          ),
        ),
      );
      expect(results.every((s) => s === 201)).to.equal(true);
    } finally {
      clearInterval(trickle);
      sock.destroy();
    }
  });

  it('should close a connection when it stays idle longer than the idle timeout', async () => {
    const sock = rawSocket();
    sock.on('error', () => undefined);
    const closed = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 5000);
      sock.once('close', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    expect(closed).to.equal(true);
  });

  it('should leave no file when an upload stalls past the idle timeout', async () => {
    const sock = rawSocket();
    sock.on('error', () => undefined);
    sock.write(
      `POST /v1/files/slow/stalled.bin HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${API_KEY}\r\nContent-Length: 1000\r\n\r\nabc`,
    );
    await new Promise((r) => sock.once('close', r));
    await new Promise((r) => setTimeout(r, 200));
    const res = await call(node.url, 'HEAD', '/v1/files/slow/stalled.bin');
    expect(res.status).to.equal(404);
  });
});
