// The bulk subtree operations of the etcd adapter: re-keying a subtree under a new path (a
// directory move) and removing many inodes (a recursive delete). Neither fits one transaction
// (etcd allows 128 ops and 1.5 MiB per request), so each runs as a series of fenced
// transactions, every one comparing each entry it touches: a source unchanged since read, a
// destination key absent, a directory empty. What a transaction cannot do is handed back to
// the caller, never forced.
import type { ICompare, IKeyValue, IRequestOp, ITxnRequest, ITxnResponse } from 'etcd3';
import type { InodeRecord, RekeyResult } from '../files/ports.js';
import { rebasePath } from '../files/paths.js';
import { absent, noKeysIn, unchanged } from './etcd-compares.js';
import type { EtcdMembership, HeldRegistration } from './etcd-membership.js';
import { childrenPrefix, prefixEnd } from './keys.js';
import { encodeInode } from './records.js';

/** etcd's default --max-txn-ops: the most compares, or ops of one branch, per transaction. */
export const MAX_TXN_OPS = 128;
/** What one removeMany transaction may weigh, well under etcd's --max-request-bytes. */
const MAX_TXN_BYTES = 1024 * 1024;
/** Records per rekey transaction: two compares each (source, destination) plus the fence. */
const REKEY_CHUNK = Math.floor((MAX_TXN_OPS - 1) / 2);

export interface EtcdBulkDeps {
  prefix: string;
  membership: EtcdMembership;
  keyOf(path: string): Buffer;
  txn(req: ITxnRequest, what: string, held: HeldRegistration): Promise<ITxnResponse>;
  /** Throws NodeNotServingError unless the membership key read in a failed txn is ours. */
  checkFence(held: HeldRegistration, kv: IKeyValue | undefined): void;
}

export class EtcdBulk {
  constructor(private readonly d: EtcdBulkDeps) {}

  /**
   * Re-keys each record from under `from` to under `to` when its source is unchanged since
   * read and its destination key is absent, both compared in the transaction that moves it:
   * a move never overwrites a key it did not check.
   */
  async rekey(records: InodeRecord[], from: string, to: string): Promise<RekeyResult> {
    const held = this.d.membership.current();
    const out: RekeyResult = { stale: [], taken: [] };
    for (let i = 0; i < records.length; i += REKEY_CHUNK) {
      let pending = records.slice(i, i + REKEY_CHUNK);
      while (pending.length > 0) {
        const compare: ICompare[] = [this.d.membership.fence(held)];
        const success: IRequestOp[] = [];
        const failure: IRequestOp[] = [{ request_range: { key: this.d.membership.membershipKey } }];
        const reads = pending.map((r) => {
          const source = this.d.keyOf(r.path);
          const dest = this.d.keyOf(rebasePath(r.path, from, to));
          compare.push(unchanged(source, r.revision), absent(dest));
          success.push(
            { request_delete_range: { key: source } },
            { request_put: { key: dest, value: Buffer.from(encodeInode(r.inode)) } },
          );
          const at = failure.length;
          failure.push(
            { request_range: { key: source, keys_only: true } },
            { request_range: { key: dest, keys_only: true } },
          );
          return { r, sourceAt: at, destAt: at + 1 };
        });
        const res = await this.d.txn({ compare, success, failure }, 'rekey', held);
        if (res.succeeded) break;
        this.d.checkFence(held, res.responses[0]?.response_range.kvs[0]);
        const fine: InodeRecord[] = [];
        for (const { r, sourceAt, destAt } of reads) {
          const source = res.responses[sourceAt]?.response_range.kvs[0];
          const dest = res.responses[destAt]?.response_range.kvs[0];
          if (source?.mod_revision !== r.revision) out.stale.push(r);
          else if (dest) out.taken.push(r);
          else fine.push(r);
        }
        // Nothing explains the failure (it cannot happen): hand the rest back as stale.
        if (fine.length === pending.length) {
          out.stale.push(...fine);
          break;
        }
        pending = fine;
      }
    }
    return out;
  }

  async removeMany(records: InodeRecord[]): Promise<InodeRecord[]> {
    const held = this.d.membership.current();
    const left: InodeRecord[] = [];
    // A file costs one compare (and one failure read), a directory two (its emptiness too);
    // the membership fence takes one more: at most MAX_TXN_OPS per transaction. Each op
    // carries the key (a directory's emptiness check its children range, two keys), and the
    // request must stay under etcd's 1.5 MiB limit even for 4 KiB paths.
    const cost = (r: InodeRecord): number => (r.inode.type === 'directory' ? 2 : 1);
    const bytes = (r: InodeRecord): number => 64 + 3 * cost(r) * Buffer.byteLength(r.path) * 2;
    for (let i = 0; i < records.length;) {
      const chunk: InodeRecord[] = [];
      let ops = 1;
      let size = 0;
      for (; i < records.length; i++) {
        const r = records[i]!;
        const full = ops + cost(r) > MAX_TXN_OPS || size + bytes(r) > MAX_TXN_BYTES;
        if (full && chunk.length > 0) break;
        ops += cost(r);
        size += bytes(r);
        chunk.push(r);
      }
      left.push(...(await this.removeChunk(chunk, held)));
    }
    return left;
  }

  /** One fenced transaction, retried without the records its failure branch shows stale. */
  private async removeChunk(chunk: InodeRecord[], held: HeldRegistration): Promise<InodeRecord[]> {
    const left: InodeRecord[] = [];
    let pending = chunk;
    while (pending.length > 0) {
      const compare: ICompare[] = [this.d.membership.fence(held)];
      const success: IRequestOp[] = [];
      const failure: IRequestOp[] = [{ request_range: { key: this.d.membership.membershipKey } }];
      const reads = pending.map((r) => {
        const key = this.d.keyOf(r.path);
        compare.push(unchanged(key, r.revision));
        success.push({ request_delete_range: { key } });
        const keyAt = failure.length;
        failure.push({ request_range: { key, keys_only: true } });
        let childrenAt: number | undefined;
        if (r.inode.type === 'directory') {
          const children = Buffer.from(childrenPrefix(this.d.prefix, r.path));
          const end = prefixEnd(children);
          compare.push(noKeysIn(children, end));
          childrenAt = failure.length;
          failure.push({ request_range: { key: children, range_end: end, count_only: true } });
        }
        return { r, keyAt, childrenAt };
      });
      const res = await this.d.txn({ compare, success, failure }, 'removeMany', held);
      if (res.succeeded) return left;
      this.d.checkFence(held, res.responses[0]?.response_range.kvs[0]);
      const fine: InodeRecord[] = [];
      for (const { r, keyAt, childrenAt } of reads) {
        let ok = res.responses[keyAt]?.response_range.kvs[0]?.mod_revision === r.revision;
        if (childrenAt !== undefined) {
          ok &&= Number(res.responses[childrenAt]?.response_range.count ?? 0) === 0;
        }
        (ok ? fine : left).push(r);
      }
      // Nothing explains the failure (it cannot happen): leave the chunk to the caller.
      if (fine.length === pending.length) return [...left, ...fine];
      pending = fine;
    }
    return left;
  }
}
