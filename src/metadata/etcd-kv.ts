// The etcd adapter's access to its keys, shared by its parts (etcd-place.ts, etcd-bulk.ts,
// etcd-inode.ts, etcd-listing.ts): the key of a path and the record of a key-value, a range
// read and a transaction whose failures are mapped to the port's errors (a lease etcd no
// longer knows, to this node's lost registration), the fence check of a failed transaction,
// and reads of many inodes in chunks each one consistent snapshot.
import type {
  Etcd3,
  IKeyValue,
  IRangeRequest,
  IRangeResponse,
  ITxnRequest,
  ITxnResponse,
} from 'etcd3';
import type { InodeRecord } from '../files/ports.js';
import { MAX_TXN_OPS } from './etcd-bulk.js';
import { callOptions, changes, mapEtcdError, once, rangeWithin } from './etcd-call.js';
import type { EtcdMembership, HeldRegistration } from './etcd-membership.js';
import { inodeKey } from './keys.js';
import { decodeInode } from './records.js';

export interface EtcdKvOptions {
  client: Etcd3;
  prefix: string;
  membership: EtcdMembership;
  /** Deadline of each etcd request in ms. */
  timeoutMs: number;
}

export class EtcdKv {
  readonly prefix: string;
  readonly membership: EtcdMembership;

  constructor(private readonly o: EtcdKvOptions) {
    this.prefix = o.prefix;
    this.membership = o.membership;
  }

  keyOf(path: string): Buffer {
    return Buffer.from(inodeKey(this.prefix, path));
  }

  record(path: string, kv: IKeyValue): InodeRecord {
    return {
      path,
      inode: decodeInode(path, kv.value.toString('utf8')),
      revision: kv.mod_revision,
      created: kv.create_revision,
    };
  }

  /** Throws NodeNotServingError unless the membership key read in a failed txn is still ours. */
  checkFence(held: HeldRegistration, kv: IKeyValue | undefined): void {
    if (!kv || kv.create_revision !== held.createRevision) throw this.membership.fenceFailed(held);
  }

  /** Reads several inodes, each chunk of ≤128 in one read-only txn (a consistent snapshot). */
  async readMany(paths: string[]): Promise<(IKeyValue | null)[]> {
    const out: (IKeyValue | null)[] = [];
    for (let i = 0; i < paths.length; i += MAX_TXN_OPS) {
      const chunk = paths.slice(i, i + MAX_TXN_OPS);
      const res = await this.txn(
        { success: chunk.map((p) => ({ request_range: { key: this.keyOf(p) } })) },
        'read',
      );
      for (const r of res.responses) out.push(r.response_range.kvs[0] ?? null);
    }
    return out;
  }

  range(req: IRangeRequest, what: string): Promise<IRangeResponse> {
    return rangeWithin(this.o.client, this.o.timeoutMs, req, what);
  }

  async txn(req: ITxnRequest, what: string, held?: HeldRegistration): Promise<ITxnResponse> {
    try {
      const send = (): Promise<ITxnResponse> =>
        this.o.client.kv.txn(req, callOptions(this.o.timeoutMs));
      return await (changes(req) ? once(send) : send());
    } catch (err) {
      const mapped = mapEtcdError(err, what);
      // A leased put naming a lease etcd no longer has: the registration is gone.
      if (held && mapped.code === 'NODE_NOT_SERVING') throw this.membership.fenceFailed(held);
      throw mapped;
    }
  }
}
