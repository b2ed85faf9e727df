// Write fences, `<prefix>fences/<write id>`: a create carries its write id, and its transaction
// compares that key absent. A node whose create went unanswered (etcd may hold the request and
// apply it later) puts the fence before it drops the create's bytes: from then on the held
// transaction's compare fails whenever it comes, so etcd never names bytes no node kept. A
// create compares only absent keys otherwise, which no write can fence without leaving
// something at the path. Fences are rare (one per unanswered create) and leased for an hour:
// etcd commits or drops a proposal within its election timeouts, seconds, not hours.
import type { Etcd3, ICompare, IRequestOp } from 'etcd3';
import { callOptions, mapEtcdError } from './etcd-call.js';
import { absent } from './etcd-compares.js';
import { fenceKey } from './keys.js';

/** How long a fence outlives the create it stops, in seconds. */
export const FENCE_TTL_SECONDS = 3600;

export class EtcdFences {
  constructor(private readonly o: { client: Etcd3; prefix: string; timeoutMs: number }) {}

  private key(id: string): Buffer {
    return Buffer.from(fenceKey(this.o.prefix, id));
  }

  /** The compare a create of write `id` adds: no fence for it. */
  compare(id: string): ICompare {
    return absent(this.key(id));
  }

  /** The failure-branch read that tells a fenced create from a changed ancestor. */
  read(id: string): IRequestOp {
    return { request_range: { key: this.key(id) } };
  }

  /** Puts the fence of write `id` (idempotent); MetadataUnavailableError when etcd fails. */
  async put(id: string): Promise<void> {
    const options = callOptions(this.o.timeoutMs);
    try {
      const { ID } = await this.o.client.leaseClient.leaseGrant(
        { TTL: FENCE_TTL_SECONDS },
        options,
      );
      await this.o.client.kv.put(
        { key: this.key(id), value: Buffer.from(String(Date.now())), lease: ID },
        options,
      );
    } catch (err) {
      throw mapEtcdError(err, 'fence');
    }
  }
}
