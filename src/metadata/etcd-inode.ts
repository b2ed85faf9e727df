// One existing inode of the etcd adapter, by its key: read it, replace it, remove it. A replace
// or a remove is one fenced transaction comparing the inode's mod_revision and this node's
// membership key; removing a directory also compares its children range empty, so a child
// created meanwhile makes it DIRECTORY_NOT_EMPTY rather than orphaned. Creates and moves are
// etcd-place.ts's, subtree jobs etcd-bulk.ts's.
import type {
  IKeyValue,
  IRangeRequest,
  IRangeResponse,
  IRequestOp,
  ITxnRequest,
  ITxnResponse,
} from 'etcd3';
import { DirectoryNotEmptyError, StaleRevisionError } from '../files/errors.js';
import type { Inode, InodeRecord } from '../files/ports.js';
import { noKeysIn, unchanged } from './etcd-compares.js';
import type { EtcdMembership, HeldRegistration } from './etcd-membership.js';
import { childrenPrefix, prefixEnd } from './keys.js';
import { encodeInode, pickInode } from './records.js';

export interface EtcdInodeDeps {
  prefix: string;
  membership: EtcdMembership;
  keyOf(path: string): Buffer;
  record(path: string, kv: IKeyValue): InodeRecord;
  /** One range read, its failure mapped to the port's errors under `what`. */
  range(req: IRangeRequest, what: string): Promise<IRangeResponse>;
  txn(req: ITxnRequest, what: string, held: HeldRegistration): Promise<ITxnResponse>;
  /** Throws NodeNotServingError unless the membership key read in a failed txn is ours. */
  checkFence(held: HeldRegistration, kv: IKeyValue | undefined): void;
}

export class EtcdInode {
  constructor(private readonly d: EtcdInodeDeps) {}

  async get(path: string): Promise<InodeRecord | null> {
    const res = await this.d.range({ key: this.d.keyOf(path) }, 'get');
    const kv = res.kvs[0];
    return kv ? this.d.record(path, kv) : null;
  }

  async replace(expected: InodeRecord, inode: Inode): Promise<InodeRecord> {
    const { membership } = this.d;
    const held = membership.current();
    const key = this.d.keyOf(expected.path);
    const res = await this.d.txn(
      {
        compare: [unchanged(key, expected.revision), membership.fence(held)],
        // Not leased: a committed inode outlives the node's membership.
        success: [{ request_put: { key, value: Buffer.from(encodeInode(inode)) } }],
        failure: [{ request_range: { key: membership.membershipKey } }],
      },
      'replace',
      held,
    );
    if (!res.succeeded) {
      this.d.checkFence(held, res.responses[0]?.response_range.kvs[0]);
      throw new StaleRevisionError(`${expected.path} changed since revision ${expected.revision}`);
    }
    return {
      path: expected.path,
      inode: pickInode(inode),
      revision: res.header.revision,
      created: expected.created,
    };
  }

  async remove(expected: InodeRecord): Promise<void> {
    const { membership } = this.d;
    const held = membership.current();
    const key = this.d.keyOf(expected.path);
    const compare = [unchanged(key, expected.revision), membership.fence(held)];
    const failure: IRequestOp[] = [
      { request_range: { key: membership.membershipKey } },
      { request_range: { key } },
    ];
    if (expected.inode.type === 'directory') {
      // "No key in the children range" means "no child" (etcd-compares.ts).
      const children = Buffer.from(childrenPrefix(this.d.prefix, expected.path));
      const end = prefixEnd(children);
      compare.push(noKeysIn(children, end));
      failure.push({ request_range: { key: children, range_end: end, count_only: true } });
    }
    const res = await this.d.txn(
      { compare, success: [{ request_delete_range: { key } }], failure },
      'remove',
      held,
    );
    if (res.succeeded) return;
    this.d.checkFence(held, res.responses[0]?.response_range.kvs[0]);
    const now = res.responses[1]?.response_range.kvs[0];
    const children = Number(res.responses[2]?.response_range.count ?? 0);
    if (now?.mod_revision === expected.revision && children > 0) {
      throw new DirectoryNotEmptyError(`${expected.path} is not empty`);
    }
    throw new StaleRevisionError(`${expected.path} changed since revision ${expected.revision}`);
  }
}
