// Requests that Node's HTTP server or the Hono adapter refuse before the app sees them, sent
// byte for byte over a raw socket to a real node: each still gets the API's answer (JSON
// {code, message} matching the status, the security headers, an X-Request-ID). Also: a file
// path is taken only from a target that starts with /v1/files/, and `100 Continue` is sent
// only to an authenticated caller.
import { connect } from 'node:net';
import { expect } from 'chai';
import { startEtcd, type EtcdHandle } from '../support/etcd.js';
import { call, jsonOf, sha256 } from '../support/http.js';
import { API_KEY, startInProcessNode, type InProcessNode } from '../support/node.js';

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  bytes: Buffer;
}

/** Parses every HTTP/1.1 answer found in `data` (a 100 Continue comes before the final one). */
function parseAnswers(data: Buffer): RawAnswer[] {
  const out: RawAnswer[] = [];
  let rest = data;
  while (rest.length > 0) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) break;
    const [statusLine, ...lines] = rest.subarray(0, end).toString('latin1').split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const i = line.indexOf(':');
      headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
    }
    const length = Number(headers['content-length'] ?? 0);
    const bytes = rest.subarray(end + 4, end + 4 + length);
    out.push({ status: Number(statusLine!.split(' ')[1]), headers, body: bytes.toString(), bytes });
    rest = rest.subarray(end + 4 + length);
  }
  return out;
}

/**
 * Writes `head` (and then `body`, once the server said 100 Continue or straight away when
 * `body` is given with `eager`) and collects everything until the server closes or goes quiet.
 */
function exchange(
  port: number,
  head: string,
  o: { body?: Buffer; waitForContinue?: boolean; quietMs?: number } = {},
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const parts: Buffer[] = [];
    let sentBody = false;
    let quiet: NodeJS.Timeout | undefined;
    const finish = () => {
      clearTimeout(quiet);
      socket.destroy();
      resolve(Buffer.concat(parts));
    };
    const arm = () => {
      clearTimeout(quiet);
      quiet = setTimeout(finish, o.quietMs ?? 1_500);
    };
    socket.on('connect', () => {
      socket.write(head);
      if (o.body && !o.waitForContinue) {
        socket.write(o.body);
        sentBody = true;
      }
      arm();
    });
    socket.on('data', (d: Buffer) => {
      parts.push(d);
      if (o.body && !sentBody && Buffer.concat(parts).includes('100 Continue')) {
        socket.write(o.body);
        sentBody = true;
      }
      arm();
    });
    socket.on('end', finish);
    socket.on('error', (err) => (parts.length ? finish() : reject(err)));
  });
}

describe('answers given outside the app, over a raw socket', function () {
  this.timeout(30_000);
  let etcd: EtcdHandle;
  let node: InProcessNode;
  let port: number;

  before(async () => {
    etcd = await startEtcd();
    node = await startInProcessNode(etcd.endpoint);
    port = node.httpPort;
    const res = await call(node.url, 'POST', '/v1/files/secret.txt', { body: 'top secret' });
    expect(res.status).to.equal(201);
  });
  after(async () => {
    await node?.stop();
    await etcd?.stop();
  });

  const host = () => `Host: 127.0.0.1:${port}\r\n`;
  const auth = `Authorization: Bearer ${API_KEY}\r\n`;

  async function only(head: string, o: Parameters<typeof exchange>[2] = {}): Promise<RawAnswer> {
    const answers = parseAnswers(await exchange(port, head, o));
    expect(answers, 'answers').to.have.length(1);
    return answers[0]!;
  }

  /** The API's error answer: the status, its code in JSON, the security headers, a request id. */
  function expectApiError(a: RawAnswer, status: number, codes: string[]): void {
    expect(a.status, a.body).to.equal(status);
    expect(a.headers['content-type']).to.match(/^application\/json/);
    const body = JSON.parse(a.body) as { code: string; message: string };
    expect(codes).to.include(body.code);
    expect(body.message).to.be.a('string');
    expect(a.headers['x-request-id']).to.match(/^[0-9a-f]{16}$/);
    expect(a.headers['x-content-type-options']).to.equal('nosniff');
    expect(a.headers['x-frame-options']).to.equal('DENY');
  }

  it('should answer 400 INVALID_PATH as JSON when the raw path holds a backslash', async () => {
    const a = await only(`GET /v1/files/a\\..\\secret.txt HTTP/1.1\r\n${host()}${auth}\r\n`);
    expectApiError(a, 400, ['INVALID_PATH']);
  });

  it('should answer 400 BAD_REQUEST as JSON when an HTTP/1.1 request has no Host', async () => {
    const a = await only(`GET /health HTTP/1.1\r\n${auth}\r\n`);
    expectApiError(a, 400, ['BAD_REQUEST']);
  });

  it('should answer 400 BAD_REQUEST as JSON when the Host is not a host', async () => {
    const a = await only(`GET /v1/files/secret.txt HTTP/1.1\r\nHost: a@b/c\r\n${auth}\r\n`);
    expectApiError(a, 400, ['BAD_REQUEST']);
  });

  it('should answer 400 BAD_REQUEST as JSON when the request line cannot be parsed', async () => {
    const a = await only(`NOT HTTP AT ALL\r\n\r\n`);
    expectApiError(a, 400, ['BAD_REQUEST']);
  });

  it('should answer 417 EXPECTATION_FAILED as JSON when Expect is not 100-continue', async () => {
    const a = await only(
      `PUT /v1/files/x.txt HTTP/1.1\r\n${host()}${auth}Expect: teapot\r\nContent-Length: 3\r\n\r\n`,
    );
    expectApiError(a, 417, ['EXPECTATION_FAILED']);
  });

  it('should answer 431 REQUEST_HEADER_FIELDS_TOO_LARGE as JSON when the headers overflow', async () => {
    const big = `X-Filler: ${'a'.repeat(64 * 1024)}\r\n`;
    const a = await only(`GET /health HTTP/1.1\r\n${host()}${big}\r\n`);
    expectApiError(a, 431, ['REQUEST_HEADER_FIELDS_TOO_LARGE']);
  });

  for (const target of [
    '/v1/links/../files/secret.txt',
    '/v1/links/%2e%2e/files/secret.txt',
    '/download/x/../../v1/files/secret.txt',
    '/v1/files/../links/secret.txt',
    '/v1/directories/../files/secret.txt',
  ]) {
    it(`should answer 400 and no bytes of a file when the target is ${target}`, async () => {
      const a = await only(`GET ${target} HTTP/1.1\r\n${host()}${auth}Connection: close\r\n\r\n`);
      expectApiError(a, 400, ['BAD_REQUEST', 'INVALID_PATH']);
      expect(a.body).to.not.include('top secret');
    });
  }

  it('should answer 400 BAD_REQUEST when the target is an absolute URL', async () => {
    const a = await only(
      `GET http://127.0.0.1:${port}/v1/files/secret.txt HTTP/1.1\r\n${host()}${auth}\r\n`,
    );
    expectApiError(a, 400, ['BAD_REQUEST']);
    expect(a.body).to.not.include('top secret');
  });

  it('should answer 401 without 100 Continue when Expect: 100-continue comes with a bad key', async () => {
    const data = await exchange(
      port,
      `PUT /v1/files/up.txt HTTP/1.1\r\n${host()}Authorization: Bearer wrong-key-0123456789\r\n` +
        `Expect: 100-continue\r\nContent-Length: 5\r\n\r\n`,
      { body: Buffer.from('hello'), waitForContinue: true },
    );
    const answers = parseAnswers(data);
    expect(answers.map((a) => a.status)).to.deep.equal([401]);
    expectApiError(answers[0]!, 401, ['AUTHENTICATION_FAILED']);
  });

  it('should send 100 Continue and store the body when Expect: 100-continue comes with a good key', async () => {
    const data = await exchange(
      port,
      `PUT /v1/files/up.txt HTTP/1.1\r\n${host()}${auth}` +
        `Expect: 100-continue\r\nContent-Length: 5\r\nConnection: close\r\n\r\n`,
      { body: Buffer.from('hello'), waitForContinue: true },
    );
    expect(parseAnswers(data).map((a) => a.status)).to.deep.equal([100, 201]);
    const read = await call(node.url, 'GET', '/v1/files/up.txt');
    expect(await read.text()).to.equal('hello');
  });

  // A body longer than its Content-Length (or any bytes after a complete request) is the next
  // request on the connection: the write it follows gets its own answer, and it alone the 400.
  // Before: the 400 was written first, in place of the write's answer, and the connection's
  // close raced the commit (the write applied or not, the client told 400 either way).
  const MALFORMED = 'GARBAGE\r\n\r\n';

  for (const [method, size] of [
    ['POST', 5],
    ['PUT', 5],
    ['PUT', 100_000],
  ] as const) {
    it(`should answer a ${method} of ${size} bytes with its own status before the 400 of malformed bytes after it`, async () => {
      const path = `/v1/files/pipelined/${method}-${size}.bin`;
      const body = Buffer.alloc(size, 0x5a);
      const data = await exchange(
        port,
        `${method} ${path} HTTP/1.1\r\n${host()}${auth}Content-Length: ${size}\r\n\r\n`,
        { body: Buffer.concat([body, Buffer.from(MALFORMED)]) },
      );
      const answers = parseAnswers(data);
      expect(answers.map((a) => a.status)).to.deep.equal([201, 400]);
      expectApiError(answers[1]!, 400, ['BAD_REQUEST']);
      const read = await call(node.url, 'GET', path);
      expect(sha256(Buffer.from(await read.arrayBuffer()))).to.equal(sha256(body));
    });
  }

  it('should answer a replacing PUT with 200 before the 400 of malformed bytes after it', async () => {
    const path = '/v1/files/pipelined/replaced.bin';
    expect((await call(node.url, 'PUT', path, { body: 'old bytes' })).status).to.equal(201);
    const data = await exchange(
      port,
      `PUT ${path} HTTP/1.1\r\n${host()}${auth}Content-Length: 9\r\n\r\n`,
      { body: Buffer.from(`new bytes${MALFORMED}`) },
    );
    expect(parseAnswers(data).map((a) => a.status)).to.deep.equal([200, 400]);
    expect(await (await call(node.url, 'GET', path)).text()).to.equal('new bytes');
  });

  it('should send a whole file before the 400 of malformed bytes pipelined after its GET', async () => {
    const file = Buffer.alloc(3 * 1024 * 1024);
    for (let i = 0; i < file.length; i++) file[i] = i % 251;
    const path = '/v1/files/pipelined/download.bin';
    expect((await call(node.url, 'PUT', path, { body: file })).status).to.equal(201);
    const data = await exchange(port, `GET ${path} HTTP/1.1\r\n${host()}${auth}\r\n${MALFORMED}`);
    const answers = parseAnswers(data);
    expect(answers.map((a) => a.status)).to.deep.equal([200, 400]);
    expect(sha256(answers[0]!.bytes)).to.equal(sha256(file));
  });

  it('should answer 400 BAD_REQUEST when a JSON body is not valid UTF-8', async () => {
    const body = Buffer.concat([
      Buffer.from('{"name": "x'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('.txt"}'),
    ]);
    const res = await call(node.url, 'PATCH', '/v1/files/secret.txt', {
      body,
      headers: { 'content-type': 'application/json' },
    });
    expect([res.status, (await jsonOf(res)).code]).to.deep.equal([400, 'BAD_REQUEST']);
    const listing = await jsonOf(await call(node.url, 'GET', '/v1/directories/'));
    const names = (listing.items as Array<{ name: string }>).map((i) => i.name);
    expect(names.some((n) => n.includes('\uFFFD'))).to.equal(false);
  });
});
