// The etcd client's retries (etcd-call.ts): reads are sent again after a recoverable failure,
// as etcd3 does by default, but a request that changes something (`once`) is sent again only
// when it never left the process, since etcd answers UNAVAILABLE also for a request it may
// still apply. Held against the installed etcd3, whose request methods must call the global
// policy synchronously for `once` to be seen; no etcd is needed (every try fails in the host
// policy before anything is sent).
import { expect } from 'chai';
import { Etcd3, GRPCUnavailableError } from 'etcd3';
import { once, retryUnlessChanging } from '../../../src/metadata/etcd-call.js';
import { rejection } from '../../support/checks.js';

/** A client whose every try fails with `message`; `tries` counts them. */
function failingClient(message: string): { client: Etcd3; tries: () => number } {
  let tries = 0;
  const host = () => ({
    onSuccess: () => ({ dispose: () => undefined }),
    onFailure: () => ({ dispose: () => undefined }),
    execute: async () => {
      tries += 1;
      throw new GRPCUnavailableError(message);
    },
  });
  const client = new Etcd3({
    hosts: '127.0.0.1:1',
    faultHandling: { host: host as never, global: retryUnlessChanging() },
  });
  return { client, tries: () => tries };
}

const change = {
  compare: [],
  success: [{ request_put: { key: Buffer.from('k'), value: Buffer.from('v') } }],
};

describe('etcd client retries', () => {
  it('should send a read again after a recoverable failure, up to three more times', async () => {
    const { client, tries } = failingClient('14 UNAVAILABLE: Connection dropped');
    try {
      await rejection(client.kv.range({ key: Buffer.from('k') }));
      expect(tries()).to.equal(4);
    } finally {
      client.close();
    }
  });

  it('should not send a change again whose fate is unknown', async () => {
    const { client, tries } = failingClient('14 UNAVAILABLE: etcdserver: leader changed');
    try {
      const err = await rejection(once(() => client.kv.txn(change)));
      expect([err instanceof GRPCUnavailableError, tries()]).to.deep.equal([true, 1]);
    } finally {
      client.close();
    }
  });

  it('should send a change again that never left the process', async () => {
    const { client, tries } = failingClient(
      '14 UNAVAILABLE: No connection established. Last error: connect ECONNREFUSED 127.0.0.1:1',
    );
    try {
      await rejection(once(() => client.kv.txn(change)));
      expect(tries()).to.equal(4);
    } finally {
      client.close();
    }
  });

  it('should leave requests after a change to their own retries', async () => {
    const { client, tries } = failingClient('14 UNAVAILABLE: Connection dropped');
    try {
      await rejection(once(() => client.kv.txn(change)));
      await rejection(client.kv.range({ key: Buffer.from('k') }));
      expect(tries()).to.equal(1 + 4);
    } finally {
      client.close();
    }
  });
});
