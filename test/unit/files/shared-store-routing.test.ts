// Routing of files on a shared store (S3): a node that reaches the store named in the inode
// serves the file itself; one that does not forwards to the creator while it is registered,
// else to any live node that reaches the store; a file on no reachable store is 503.
import { expect } from 'chai';
import { servedHere } from '../../../src/files/backends.js';
import { OwnerUnavailableError } from '../../../src/files/errors.js';
import type { Inode, InodeRecord, NodeRecord, Storage } from '../../../src/files/ports.js';
import { Router } from '../../../src/files/routing.js';
import { MemoryMetadata, MemoryStore } from '../../../src/metadata/memory-metadata.js';
import { rejection } from '../../support/checks.js';

const STORE = 's3:0123456789ab';
const shared = { backendType: 's3', location: STORE } as Storage;
const otherBucket = { backendType: 's3', location: 's3:ffffffffffff' } as Storage;

function s3File(over: Partial<Inode> = {}): Inode {
  return {
    type: 'file',
    instance_id: 'node-3',
    backend_type: 's3',
    store: STORE,
    size: 1,
    mode: 0o644,
    owner: 'alice',
    mtime: 0,
    gen: 1,
    state: 'ready',
    write: 'a'.repeat(32),
    ...over,
  };
}

function node(id: string, stores?: string[]): NodeRecord {
  return {
    instance_id: id,
    http_url: `http://${id}`,
    grpc_addr: `${id}:1`,
    backends: stores ? ['localfs', 's3'] : ['localfs'],
    ...(stores ? { stores } : {}),
    started: 0,
  };
}

describe('servedHere', () => {
  it('should serve a file here when its store is the one this node reaches', () => {
    expect(servedHere({ instanceId: 'node-1', shared }, s3File())).to.equal(true);
  });
  it('should not serve a file here when this node reaches another bucket', () => {
    expect(servedHere({ instanceId: 'node-1', shared: otherBucket }, s3File())).to.equal(false);
  });
  it('should not serve a file here when this node has no shared store', () => {
    expect(servedHere({ instanceId: 'node-1' }, s3File())).to.equal(false);
  });
  it('should leave a create in flight to its creator when it is still writing', () => {
    expect(servedHere({ instanceId: 'node-1', shared }, s3File({ state: 'writing' }))).to.equal(
      false,
    );
  });
  it('should serve its own localfs file here when this node created it', () => {
    const local = s3File({ backend_type: 'localfs', store: undefined, instance_id: 'node-1' });
    expect(servedHere({ instanceId: 'node-1' }, local)).to.equal(true);
  });
});

describe('Router.forward for files on a shared store', () => {
  async function routerWith(nodes: NodeRecord[]): Promise<Router> {
    const store = new MemoryStore();
    for (const n of nodes) {
      await new MemoryMetadata({ instanceId: n.instance_id, store }).register(n);
    }
    const meta = new MemoryMetadata({ instanceId: 'node-1', store });
    return new Router({ instanceId: 'node-1', metadata: meta, membership: meta });
  }
  const rec = (inode: Inode): InodeRecord => ({
    path: '/f',
    inode,
    revision: '1',
    created: '1',
  });
  const target = (r: Router, inode: Inode) =>
    r.forward({ caller: { user: 'alice', admin: false } }, rec(inode), async (n) => n.instance_id);

  it('should forward to the creator when it is registered', async () => {
    const r = await routerWith([node('node-2', [STORE]), node('node-3', [STORE])]);
    expect(await target(r, s3File())).to.equal('node-3');
  });
  it('should forward to a node reaching the store when the creator is gone', async () => {
    const r = await routerWith([node('node-2', [STORE])]);
    expect(await target(r, s3File())).to.equal('node-2');
  });
  it('should answer OwnerUnavailableError when no live node reaches the store', async () => {
    const r = await routerWith([node('node-2', ['s3:ffffffffffff'])]);
    expect(await rejection(target(r, s3File()))).to.be.instanceOf(OwnerUnavailableError);
  });
  it('should answer OwnerUnavailableError for a gone creator when the file is on its disk', async () => {
    const r = await routerWith([node('node-2', [STORE])]);
    const local = s3File({ backend_type: 'localfs', store: undefined });
    expect(await rejection(target(r, local))).to.be.instanceOf(OwnerUnavailableError);
  });
});
