// An internal service using the gRPC FileService directly, and the HTTP and gRPC views of one
// node agreeing byte for byte; the etcd layout as `etcdctl` shows it.
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import type { ServiceError } from '@grpc/grpc-js';
import { connect, type DirectClient } from '../../devkit/grpc-client.js';
import { startEtcd, type EtcdHandle } from '../support/etcd.js';
import { call, sha256 } from '../support/http.js';
import { API_KEY, startInProcessNode, type InProcessNode } from '../support/node.js';

const run = promisify(execFile);

function codeOf(err: unknown): string | undefined {
  return (err as ServiceError).metadata?.get('x-callfs-code')[0]?.toString();
}

async function failure(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a failure');
}

describe('gRPC FileService used directly', function () {
  this.timeout(30_000);
  let etcd: EtcdHandle;
  let node: InProcessNode;
  let grpc: DirectClient;
  const prefix = '/layout/';

  before(async () => {
    etcd = await startEtcd();
    node = await startInProcessNode(etcd.endpoint, { prefix });
    grpc = connect(`127.0.0.1:${node.grpcPort}`, API_KEY);
  });
  after(async () => {
    grpc?.close();
    await node?.stop();
    await etcd?.stop();
  });

  it('should reject a call when the API key is wrong', async () => {
    const bad = connect(`127.0.0.1:${node.grpcPort}`, 'wrong-key-0123456789abcdef');
    const err = await failure(bad.stat('/'));
    bad.close();
    expect(codeOf(err)).to.equal('AUTHENTICATION_FAILED');
  });
  it('should write and read back the same bytes when using Write and Read', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 17);
    await grpc.write('/g/w.bin', data);
    expect(sha256(await grpc.readAll('/g/w.bin'))).to.equal(sha256(data));
  });
  it('should answer FILE_ALREADY_EXISTS when a create-only Write hits an existing file', async () => {
    await grpc.write('/g/once.txt', Buffer.from('1'), true);
    const err = await failure(grpc.write('/g/once.txt', Buffer.from('2'), true));
    expect(codeOf(err)).to.equal('FILE_ALREADY_EXISTS');
  });
  it('should report the file when Stat is called', async () => {
    await grpc.write('/g/s.txt', Buffer.from('12345'));
    const info = await grpc.stat('/g/s.txt');
    expect(info.size).to.equal(5);
    expect(info.instance_id).to.equal('node-1');
  });
  it('should create, list and delete a directory when Mkdir, List and Delete are called', async () => {
    await grpc.mkdir('/g/dir');
    await grpc.write('/g/dir/a.txt', Buffer.from('a'));
    const names = (await grpc.list('/g/dir')).map((e) => e.name);
    await grpc.remove('/g/dir/a.txt');
    await grpc.remove('/g/dir');
    expect(names).to.deep.equal(['a.txt']);
    expect(codeOf(await failure(grpc.stat('/g/dir')))).to.equal('FILE_NOT_FOUND');
  });
  it('should answer INVALID_PATH when the path climbs above the root', async () => {
    expect(codeOf(await failure(grpc.stat('/../etc')))).to.equal('INVALID_PATH');
  });
  it('should read over gRPC byte for byte what was written over HTTP', async () => {
    const data = randomBytes(2 * 1024 * 1024 + 3);
    await call(node.url, 'PUT', '/v1/files/x/http.bin', { body: data });
    expect(sha256(await grpc.readAll('/x/http.bin'))).to.equal(sha256(data));
  });
  it('should serve over HTTP byte for byte what was written over gRPC', async () => {
    const data = randomBytes(2 * 1024 * 1024 + 5);
    await grpc.write('/x/grpc.bin', data);
    const res = await call(node.url, 'GET', '/v1/files/x/grpc.bin');
    expect(sha256(Buffer.from(await res.arrayBuffer()))).to.equal(sha256(data));
  });

  describe('etcd layout', () => {
    const etcdctl = async (...args: string[]): Promise<string> =>
      (await run('etcdctl', ['--endpoints', etcd.endpoint, ...args])).stdout;

    it('should store a file inode under <prefix>fs<parent>//<name> when created', async () => {
      await call(node.url, 'POST', '/v1/files/shared/report.docx', { body: 'doc' });
      const value = await etcdctl('get', '--print-value-only', `${prefix}fs/shared//report.docx`);
      expect(JSON.parse(value)).to.include({ type: 'file', instance_id: 'node-1', size: 3 });
    });
    it('should list exactly one directory when ranging over its children prefix', async () => {
      await call(node.url, 'POST', '/v1/files/lay/a.txt', { body: 'a' });
      await call(node.url, 'POST', '/v1/files/lay/sub/b.txt', { body: 'b' });
      const keys = await etcdctl('get', '--prefix', '--keys-only', `${prefix}fs/lay//`);
      expect(keys.split('\n').filter(Boolean)).to.deep.equal([
        `${prefix}fs/lay//a.txt`,
        `${prefix}fs/lay//sub`,
      ]);
    });
    it('should publish the node membership under <prefix>nodes/<id> when serving', async () => {
      const value = await etcdctl('get', '--print-value-only', `${prefix}nodes/node-1`);
      expect(JSON.parse(value).grpc_addr).to.equal(`127.0.0.1:${node.grpcPort}`);
    });
  });
});
