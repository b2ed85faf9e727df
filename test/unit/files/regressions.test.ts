// Regressions: HEAD never opens a file body; a PUT that loses a create race to a create that
// then fails still creates the file.
import { expect } from 'chai';
import { pino } from 'pino';
import { createAuthenticator } from '../../../src/auth/api-keys.js';
import { createEdgeApp } from '../../../src/edge/app.js';
import type { FilesApi } from '../../../src/files/ports.js';
import { bodyOf, caller, fakeCluster, readFile, writeFile } from '../../support/fakes.js';

const KEY = 'regression-key-0123456789abcdef';

describe('regressions', () => {
  it('should not open the file body when answering HEAD', async () => {
    const cluster = await fakeCluster(['node-1']);
    const node = cluster.node('node-1');
    await writeFile(node.files, caller('api-user-0'), '/h.txt', 'hello');
    let reads = 0;
    const spy = new Proxy(node.files as FilesApi, {
      get(target, prop, receiver) {
        if (prop === 'read') reads += 1;
        return Reflect.get(target, prop, receiver) as unknown;
      },
    });
    const app = createEdgeApp({
      files: spy,
      auth: createAuthenticator({
        apiKeys: [KEY],
        apiKeyUsers: {},
        internalSecret: 'x'.repeat(40),
      }),
      logger: pino({ level: 'silent' }),
      instanceId: 'node-1',
      ready: async () => true,
    });
    const res = await app.request('/v1/files/h.txt', {
      method: 'HEAD',
      headers: { authorization: `Bearer ${KEY}` },
    });
    await cluster.close();
    expect(res.status).to.equal(200);
    expect(reads).to.equal(0);
  });

  it('should create the file when a PUT lost a create race to a create that then failed', async () => {
    const cluster = await fakeCluster(['node-a', 'node-b']);
    const [a, b] = [cluster.node('node-a'), cluster.node('node-b')];
    const alice = caller('alice');
    const post = await a.files.openWrite(alice, {
      path: '/r.txt',
      write_mode: 'WRITE_MODE_CREATE_ONLY',
      expected_size: -1,
    });
    const put = await b.files.openWrite(alice, {
      path: '/r.txt',
      write_mode: 'WRITE_MODE_CREATE_OR_REPLACE',
      expected_size: -1,
    });
    await post.abort();
    const result = await put.write(bodyOf('from the put'));
    const bytes = await readFile(a.files, alice, '/r.txt');
    await cluster.close();
    expect(result.created).to.equal(true);
    expect(bytes.toString()).to.equal('from the put');
  });
});
