// TLS on a real node: HTTPS at the edge (with HSTS) and mutual TLS between nodes, using a
// throwaway CA and a certificate for 127.0.0.1 made with openssl in a temp folder that is
// removed afterwards. A file of node A is read and replaced through node B, so the relay runs
// over the TLS gRPC channel; peers without a certificate of the CA are refused.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { expect } from 'chai';
import { callerFor } from '../../src/auth/api-keys.js';
import { OwnerUnavailableError } from '../../src/files/errors.js';
import type { NodeRecord } from '../../src/files/ports.js';
import { GrpcOwnerClient } from '../../src/peer/client.js';
import { startEtcd, type EtcdHandle } from '../support/etcd.js';
import { answerOf, call, sha256, type Answer } from '../support/http.js';
import {
  API_KEY,
  INTERNAL_SECRET,
  startInProcessNode,
  uniquePrefix,
  type InProcessNode,
} from '../support/node.js';

const run = promisify(execFile);

interface Pki {
  ca: string;
  cert: string;
  key: string;
}

/** A CA and a certificate for IP 127.0.0.1, usable by servers and clients (mutual TLS). */
async function makePki(dir: string): Promise<Pki> {
  const p = (name: string) => join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await run('openssl', [
    'req',
    '-x509',
    ...ec,
    '-keyout',
    p('ca.key'),
    '-out',
    p('ca.crt'),
    '-days',
    '1',
    '-subj',
    '/CN=CallFS test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  await run('openssl', [
    'req',
    ...ec,
    '-keyout',
    p('node.key'),
    '-out',
    p('node.csr'),
    '-subj',
    '/CN=127.0.0.1',
  ]);
  await writeFile(
    p('node.ext'),
    [
      'subjectAltName=IP:127.0.0.1',
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth,clientAuth',
    ].join('\n'),
  );
  await run('openssl', [
    'x509',
    '-req',
    '-in',
    p('node.csr'),
    '-CA',
    p('ca.crt'),
    '-CAkey',
    p('ca.key'),
    '-CAcreateserial',
    '-out',
    p('node.crt'),
    '-days',
    '1',
    '-extfile',
    p('node.ext'),
  ]);
  return { ca: p('ca.crt'), cert: p('node.crt'), key: p('node.key') };
}

/** One HTTPS request that trusts only `ca` (or the system roots when absent); the body as text. */
async function httpsCall(
  url: string,
  options: { ca?: Buffer; method?: string; body?: string; key?: string } = {},
): Promise<Omit<Answer, 'body'> & { body: string }> {
  const answer = await answerOf(
    (onResponse) =>
      httpsRequest(
        url,
        {
          method: options.method ?? 'GET',
          ca: options.ca,
          headers: options.key ? { authorization: `Bearer ${options.key}` } : {},
        },
        onResponse,
      ),
    options.body,
  );
  return { ...answer, body: answer.body.toString() };
}

describe('TLS', function () {
  this.timeout(60_000);
  let dir: string;
  let pki: Pki;
  let etcd: EtcdHandle;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'callfs-tls-'));
    pki = await makePki(dir);
    etcd = await startEtcd();
  });
  after(async () => {
    await etcd?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  describe('HTTPS edge', () => {
    let node: InProcessNode;
    let ca: Buffer;

    before(async () => {
      ca = await readFile(pki.ca);
      node = await startInProcessNode(etcd.endpoint, {
        overrides: {
          server: {
            tls_cert_file: pki.cert,
            tls_key_file: pki.key,
            external_url: 'https://127.0.0.1:0',
          },
        },
      });
    });
    after(async () => {
      await node?.stop();
    });

    it('should answer over HTTPS when the node has a certificate', async () => {
      const res = await httpsCall(`${node.url}/health`, { ca });
      expect(node.url).to.match(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(res.status).to.equal(200);
      expect(JSON.parse(res.body)).to.deep.equal({ status: 'ok' });
    });

    it('should send Strict-Transport-Security when answering over TLS', async () => {
      const res = await httpsCall(`${node.url}/health`, { ca });
      expect(res.headers['strict-transport-security']).to.match(/^max-age=\d+/);
    });

    it('should store and serve a file when it is sent over HTTPS', async () => {
      const put = await httpsCall(`${node.url}/v1/files/tls/a.txt`, {
        ca,
        method: 'PUT',
        body: 'over tls',
        key: API_KEY,
      });
      const get = await httpsCall(`${node.url}/v1/files/tls/a.txt`, { ca, key: API_KEY });
      expect(put.status).to.equal(201);
      expect(get.body).to.equal('over tls');
    });

    it('should fail the handshake when the client does not trust the CA', async () => {
      const err = await httpsCall(`${node.url}/health`).then(
        () => null,
        (e: NodeJS.ErrnoException) => e,
      );
      expect(err?.code).to.be.oneOf([
        'SELF_SIGNED_CERT_IN_CHAIN',
        'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
        'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
      ]);
    });
  });

  describe('mutual TLS between nodes', () => {
    let a: InProcessNode;
    let b: InProcessNode;
    const record = (): NodeRecord => ({
      instance_id: 'node-a',
      http_url: a.url,
      grpc_addr: a.grpcAddr,
      backends: ['localfs'],
      started: Date.now(),
    });
    const client = (credentials: grpc.ChannelCredentials) =>
      new GrpcOwnerClient({
        internalSecret: INTERNAL_SECRET,
        chunkSize: 64 * 1024,
        flowControlWindow: 1024 * 1024,
        readyTimeoutMs: 1500,
        keepaliveTimeMs: 10_000,
        writeIdleTimeoutMs: 60_000,
        credentials,
      });
    const ctx = { caller: callerFor('root') };

    before(async () => {
      const prefix = uniquePrefix();
      const peer = { tls_cert_file: pki.cert, tls_key_file: pki.key, tls_ca_file: pki.ca };
      a = await startInProcessNode(etcd.endpoint, {
        prefix,
        instanceId: 'node-a',
        overrides: { peer },
      });
      b = await startInProcessNode(etcd.endpoint, {
        prefix,
        instanceId: 'node-b',
        overrides: { peer },
      });
    });
    after(async () => {
      await b?.stop();
      await a?.stop();
    });

    it('should read a file of node A through node B when peers use mutual TLS', async () => {
      await call(a.url, 'POST', '/v1/files/mtls/read.txt', { body: 'relayed over tls' });
      const res = await call(b.url, 'GET', '/v1/files/mtls/read.txt');
      expect(res.status).to.equal(200);
      expect(res.headers.get('x-callfs-instance-id')).to.equal('node-a');
      expect(sha256(Buffer.from(await res.arrayBuffer()))).to.equal(sha256('relayed over tls'));
    });

    it("should replace node A's file through node B when peers use mutual TLS", async () => {
      await call(a.url, 'POST', '/v1/files/mtls/put.txt', { body: 'v1' });
      const res = await call(b.url, 'PUT', '/v1/files/mtls/put.txt', { body: 'v2 via b' });
      expect(res.status).to.equal(200);
      expect(await readFile(join(a.root, 'mtls/put.txt'), 'utf8')).to.equal('v2 via b');
    });

    it('should answer a peer when it presents a certificate of the CA', async () => {
      await call(a.url, 'POST', '/v1/files/mtls/direct.txt', { body: 'x' });
      const creds = grpc.credentials.createSsl(
        await readFile(pki.ca),
        await readFile(pki.key),
        await readFile(pki.cert),
      );
      const owners = client(creds);
      try {
        expect((await owners.stat(record(), ctx, '/mtls/direct.txt')).path).to.equal(
          '/mtls/direct.txt',
        );
      } finally {
        owners.close();
      }
    });

    it('should refuse a peer when it presents no client certificate', async () => {
      const owners = client(grpc.credentials.createSsl(await readFile(pki.ca)));
      try {
        const err = await owners.stat(record(), ctx, '/').then(
          () => null,
          (e: unknown) => e,
        );
        expect(err).to.be.instanceOf(OwnerUnavailableError);
      } finally {
        owners.close();
      }
    });

    it('should refuse a peer when it speaks plaintext gRPC', async () => {
      const owners = client(grpc.credentials.createInsecure());
      try {
        const err = await owners.stat(record(), ctx, '/').then(
          () => null,
          (e: unknown) => e,
        );
        expect(err).to.be.instanceOf(OwnerUnavailableError);
      } finally {
        owners.close();
      }
    });
  });
});
