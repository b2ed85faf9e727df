// Discovery on a real node: gRPC server reflection lists and describes the services, and the
// standard health service follows the node's readiness (GET /ready's rule).
import { expect } from 'chai';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { service as healthService } from 'grpc-health-check';
import { startEtcd, type EtcdHandle } from '../support/etcd.js';
import { startInProcessNode, type InProcessNode } from '../support/node.js';

const REFLECTION_PROTO = new URL(
  '../../node_modules/@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto',
  import.meta.url,
).pathname;

interface ReflectionResponse {
  list_services_response?: { service: { name: string }[] };
  file_descriptor_response?: { file_descriptor_proto: Buffer[] };
}

type HealthClient = grpc.Client & {
  check(
    req: { service: string },
    cb: (err: grpc.ServiceError | null, res?: { status: string }) => void,
  ): void;
};

describe('gRPC discovery: reflection and health', function () {
  this.timeout(30_000);
  let etcd: EtcdHandle;
  let node: InProcessNode;
  let health: HealthClient;
  let reflection: grpc.Client;

  before(async () => {
    etcd = await startEtcd();
    node = await startInProcessNode(etcd.endpoint);
    const addr = `127.0.0.1:${node.grpcPort}`;
    const Health = grpc.makeClientConstructor(
      healthService as unknown as grpc.ServiceDefinition,
      'Health',
    );
    health = new Health(addr, grpc.credentials.createInsecure()) as unknown as HealthClient;
    const pkg = grpc.loadPackageDefinition(
      protoLoader.loadSync(REFLECTION_PROTO, { keepCase: true, defaults: true, oneofs: true }),
    ) as unknown as {
      grpc: { reflection: { v1: { ServerReflection: grpc.ServiceClientConstructor } } };
    };
    reflection = new pkg.grpc.reflection.v1.ServerReflection(
      addr,
      grpc.credentials.createInsecure(),
    );
  });
  after(async () => {
    health?.close();
    reflection?.close();
    await node?.stop();
    await etcd?.stop();
  });

  function check(service: string): Promise<string> {
    return new Promise((resolve, reject) =>
      health.check({ service }, (err, res) => (err ? reject(err) : resolve(res!.status))),
    );
  }

  function reflect(request: Record<string, string>): Promise<ReflectionResponse> {
    return new Promise((resolve, reject) => {
      const stream = (
        reflection as unknown as {
          ServerReflectionInfo(): grpc.ClientDuplexStream<unknown, ReflectionResponse>;
        }
      ).ServerReflectionInfo();
      stream.once('data', (res: ReflectionResponse) => {
        resolve(res);
        stream.end();
      });
      stream.once('error', reject);
      stream.write(request);
    });
  }

  it('should list the CallFS services when a client asks reflection', async () => {
    const res = await reflect({ list_services: '*' });
    const names = res.list_services_response!.service.map((s) => s.name);
    expect(names).to.include.members(['callfs.v1.FileService', 'grpc.health.v1.Health']);
  });

  it('should describe FileService when a client asks reflection for its symbol', async () => {
    const res = await reflect({ file_containing_symbol: 'callfs.v1.FileService' });
    const text = Buffer.concat(res.file_descriptor_response!.file_descriptor_proto).toString();
    expect(text).to.contain('ListPage');
  });

  it('should say SERVING for "" and FileService when the node is ready', async () => {
    expect([await check(''), await check('callfs.v1.FileService')]).to.deep.equal([
      'SERVING',
      'SERVING',
    ]);
  });

  it('should answer NOT_FOUND with x-callfs-code when a service is unknown', async () => {
    const err = (await check('no.such.Service').catch((e: unknown) => e)) as grpc.ServiceError;
    expect([err.code, err.metadata?.get('x-callfs-code')[0]]).to.deep.equal([
      grpc.status.NOT_FOUND,
      'ROUTE_NOT_FOUND',
    ]);
  });

  it('should say NOT_SERVING when the backend cannot be written, and SERVING again after', async () => {
    const tmp = join(node.root, '.callfs', 'tmp');
    await rename(tmp, `${tmp}.away`);
    await writeFile(tmp, 'not a directory');
    let during: string;
    try {
      during = await check('callfs.v1.FileService');
    } finally {
      await rm(tmp, { force: true });
      await rename(`${tmp}.away`, tmp).catch(() => mkdir(tmp, { recursive: true }));
    }
    const after = await check('callfs.v1.FileService');
    expect([during, after]).to.deep.equal(['NOT_SERVING', 'SERVING']);
  });
});
