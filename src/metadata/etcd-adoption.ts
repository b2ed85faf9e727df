// Adoption of the `ops/` journal entries of a node that is gone for good (no membership key):
// the entries and the membership records are read in one snapshot, and an entry changes hands
// in one transaction that holds only while the entry is byte-for-byte as read, its node still
// has no membership key and the adopter still holds its own. So two adopters cannot both take
// an entry, and a node that comes back under the same instance id (its key created again)
// either keeps its entry or finds it re-owned, never both.
import { CompareResult, CompareTarget, SortOrder, SortTarget, type Etcd3 } from 'etcd3';
import type { JournalEntry } from '../files/ports.js';
import { callOptions, mapEtcdError, once } from './etcd-call.js';
import type { EtcdMembership } from './etcd-membership.js';
import { nodeKey, nodesPrefix, prefixEnd } from './keys.js';

export interface EtcdAdoptionOptions {
  client: Etcd3;
  prefix: string;
  instanceId: string;
  membership: EtcdMembership;
  timeoutMs: number;
}

export class EtcdAdoption {
  private readonly ops: Buffer;
  private readonly nodes: Buffer;

  constructor(private readonly o: EtcdAdoptionOptions) {
    this.ops = Buffer.from(`${o.prefix}ops/`);
    this.nodes = Buffer.from(nodesPrefix(o.prefix));
  }

  async orphaned(): Promise<JournalEntry[]> {
    const res = await this.txn(
      {
        success: [
          {
            request_range: {
              key: this.ops,
              range_end: prefixEnd(this.ops),
              sort_order: SortOrder.Ascend,
              sort_target: SortTarget.Create,
            },
          },
          { request_range: { key: this.nodes, range_end: prefixEnd(this.nodes), keys_only: true } },
        ],
      },
      'orphanedJournal',
    );
    const [ops, nodes] = res.responses.map((r) => r.response_range.kvs);
    const live = new Set(nodes!.map((kv) => kv.key.subarray(this.nodes.length).toString('utf8')));
    const out: JournalEntry[] = [];
    for (const kv of ops!) {
      let value: JournalEntry['value'];
      try {
        value = JSON.parse(kv.value.toString('utf8')) as JournalEntry['value'];
      } catch {
        continue; // names no node (etcd-journal.ts reports it)
      }
      if (typeof value?.node !== 'string' || live.has(value.node)) continue;
      out.push({ id: kv.key.subarray(this.ops.length).toString('utf8'), value });
    }
    return out;
  }

  async adopt(entry: JournalEntry): Promise<JournalEntry | null> {
    const held = this.o.membership.current();
    const key = Buffer.from(`${this.o.prefix}ops/${entry.id}`);
    const adopted: JournalEntry = {
      id: entry.id,
      value: { ...entry.value, node: this.o.instanceId, adopted_from: entry.value.node },
    };
    const res = await this.txn(
      {
        compare: [
          // The entry was written by JSON.stringify and read by JSON.parse, which give back the
          // same bytes; a value that differs only in form fails safe (not adopted).
          {
            key,
            target: CompareTarget.Value,
            result: CompareResult.Equal,
            value: Buffer.from(JSON.stringify(entry.value)),
          },
          {
            key: Buffer.from(nodeKey(this.o.prefix, entry.value.node)),
            target: CompareTarget.Version,
            result: CompareResult.Equal,
            version: 0,
          },
          this.o.membership.fence(held),
        ],
        // Not leased: a journal entry outlives its node's membership, as when it was put.
        success: [{ request_put: { key, value: Buffer.from(JSON.stringify(adopted.value)) } }],
        failure: [{ request_range: { key: this.o.membership.membershipKey } }],
      },
      'adoptJournal',
    );
    if (res.succeeded) return adopted;
    const mine = res.responses[0]?.response_range.kvs[0];
    if (!mine || mine.create_revision !== held.createRevision) {
      throw this.o.membership.fenceFailed(held);
    }
    return null;
  }

  private async txn(req: Parameters<Etcd3['kv']['txn']>[0], what: string) {
    try {
      return await once(() => this.o.client.kv.txn(req, callOptions(this.o.timeoutMs)));
    } catch (err) {
      throw mapEtcdError(err, what);
    }
  }
}
