// Property-based fuzzing of a real node over HTTP and gRPC: random raw paths, methods, headers
// and bodies. Nothing may escape the storage root, nothing may answer 5xx, and every
// rejection is a 4xx JSON error whose code matches its status.
import { expect } from 'chai';
import fc from 'fast-check';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { HTTP_STATUS } from '../../src/edge/error-map.js';
import { connect, type DirectClient } from '../../devkit/grpc-client.js';
import { startEtcd, type EtcdHandle } from '../support/etcd.js';
import { answerOf } from '../support/http.js';
import { API_KEY, OTHER_KEY, startInProcessNode, type InProcessNode } from '../support/node.js';

interface Raw {
  status: number;
  contentType: string;
  body: string;
}

async function send(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: Buffer,
): Promise<Raw> {
  const answer = await answerOf(
    (onResponse) =>
      request({ host: '127.0.0.1', port, method, path, headers, agent: false }, onResponse),
    body,
  );
  return {
    status: answer.status,
    contentType: String(answer.headers['content-type'] ?? ''),
    body: answer.body.toString('utf8'),
  };
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    out.push(p);
    if (e.isDirectory()) out.push(...(await walk(p)));
  }
  return out;
}

const segment = fc.oneof(
  fc.constantFrom(
    '..',
    '.',
    '',
    '%2e%2e',
    '%2F',
    '%00',
    '%5C',
    '.callfs',
    '%252e',
    '~',
    '%E2%80%AE',
    '%ff',
    '%',
    'a%2F..%2F..',
  ),
  fc.stringMatching(/^[A-Za-z0-9._~-]{1,12}$/),
  fc.string({ maxLength: 8 }).map((s) => encodeURIComponent(s)),
);
const rawPath = fc
  .tuple(fc.array(segment, { maxLength: 8 }), fc.boolean())
  .map(([segs, slash]) => `/v1/files/${segs.join('/')}${slash ? '/' : ''}`);

describe('fuzzing a node over HTTP and gRPC', function () {
  this.timeout(120_000);
  let etcd: EtcdHandle;
  let node: InProcessNode;
  let sandbox: string;
  let grpc: DirectClient;

  before(async () => {
    etcd = await startEtcd();
    // The storage root sits inside a sandbox folder: anything written beside it escaped.
    sandbox = await mkdtemp(join(tmpdir(), 'callfs-fuzz-'));
    node = await startInProcessNode(etcd.endpoint, {
      overrides: {
        backend: { localfs_root_path: join(sandbox, 'root') },
        server: { max_body_bytes: 4096 },
      },
    });
    grpc = connect(`127.0.0.1:${node.grpcPort}`, API_KEY);
  });
  after(async () => {
    grpc?.close();
    await node?.stop();
    await etcd?.stop();
    await rm(sandbox, { recursive: true, force: true });
  });

  it('should answer every random HTTP request below 500, with JSON errors whose code matches', async () => {
    const bad: string[] = [];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'),
        rawPath,
        fc.constantFrom(API_KEY, OTHER_KEY, '', 'Bearer', 'Bearer x', `bearer   ${API_KEY}`),
        fc.option(fc.uint8Array({ maxLength: 6000 }), { nil: undefined }),
        fc.option(fc.constantFrom('0', '-1', 'abc', '99999999999', '10'), { nil: undefined }),
        async (method, path, auth, body, length) => {
          const headers: Record<string, string> = {
            authorization:
              auth.startsWith('Bearer') || auth.startsWith('bearer') ? auth : `Bearer ${auth}`,
          };
          const buf = body ? Buffer.from(body) : undefined;
          if (length !== undefined && buf === undefined) headers['content-length'] = '0';
          if (method === 'PATCH' && buf) headers['content-type'] = 'application/json';
          let res: Raw;
          try {
            res = await send(node.httpPort, method, path, headers, buf);
          } catch {
            return; // the server may close the connection on an unreadable request
          }
          if (res.status >= 500) bad.push(`${method} ${path} -> ${res.status} ${res.body}`);
          if (res.status >= 400 && method !== 'HEAD') {
            const parsed = JSON.parse(res.body) as { code?: string };
            if (
              !res.contentType.includes('application/json') ||
              HTTP_STATUS[parsed.code ?? ''] !== res.status
            ) {
              bad.push(`${method} ${path} -> ${res.status} with ${res.body}`);
            }
          }
        },
      ),
      { numRuns: 400 },
    );
    expect(bad).to.deep.equal([]);
  });

  it('should never write outside the storage root when fuzzed', async () => {
    const outside = (await walk(sandbox)).filter((p) => !relative(sandbox, p).startsWith('root'));
    expect(outside).to.deep.equal([]);
  });

  it('should reject random gRPC paths with a client error, never INTERNAL', async () => {
    const internal: string[] = [];
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 40 }), fc.boolean(), async (path, write) => {
        try {
          if (write) await grpc.write(path, Buffer.from('x'));
          else await grpc.stat(path);
        } catch (err) {
          const e = err as { code?: number; details?: string };
          if (e.code === 13 || e.code === 2) internal.push(`${JSON.stringify(path)}: ${e.details}`);
        }
      }),
      { numRuns: 300 },
    );
    expect(internal).to.deep.equal([]);
  });
});
