// The journal of multi-step jobs in etcd (`<prefix>ops/<id>`): moves and recursive deletes
// write an entry before their first step and clear it after their last, so a node that
// crashes in between finishes (or sets aside) the job at its next start. Each value is JSON
// naming the node that owns the job; entries are read oldest first (create revision).
import {
  CompareResult,
  CompareTarget,
  SortOrder,
  SortTarget,
  type Etcd3,
  type IRangeRequest,
  type IRangeResponse,
} from 'etcd3';
import type { JournalEntry, JournalRead } from '../files/ports.js';
import { callOptions, mapEtcdError, once, rangeWithin } from './etcd-call.js';
import { prefixEnd } from './keys.js';

export interface EtcdJournalOptions {
  client: Etcd3;
  prefix: string;
  timeoutMs: number;
}

export class EtcdJournal {
  private readonly start: Buffer;

  constructor(private readonly o: EtcdJournalOptions) {
    this.start = Buffer.from(`${o.prefix}ops/`);
  }

  async put(entry: JournalEntry): Promise<void> {
    try {
      await this.o.client.kv.put(
        { key: this.keyOf(entry.id), value: Buffer.from(JSON.stringify(entry.value)) },
        callOptions(this.o.timeoutMs),
      );
    } catch (err) {
      throw mapEtcdError(err, 'putJournal');
    }
  }

  /**
   * The entries of one node, oldest first, and the keys of entries whose value is not JSON
   * (no node can tell they are its own, so none acts on them; `callfs fsck` reports them for
   * an operator to inspect with etcdctl): one range read serves both.
   */
  async read(node: string): Promise<JournalRead> {
    const res = await this.range({
      key: this.start,
      range_end: prefixEnd(this.start),
      sort_order: SortOrder.Ascend,
      sort_target: SortTarget.Create,
    });
    const out: JournalRead = { entries: [], unreadable: [] };
    for (const kv of res.kvs) {
      let value: JournalEntry['value'];
      try {
        value = JSON.parse(kv.value.toString('utf8')) as JournalEntry['value'];
      } catch {
        out.unreadable.push(kv.key.toString());
        continue;
      }
      if (value?.node === node) {
        out.entries.push({ id: kv.key.subarray(this.start.length).toString(), value });
      }
    }
    return out;
  }

  async get(id: string): Promise<JournalEntry | null> {
    const kv = (await this.range({ key: this.keyOf(id) })).kvs[0];
    if (!kv) return null;
    try {
      return { id, value: JSON.parse(kv.value.toString('utf8')) as JournalEntry['value'] };
    } catch {
      return null; // names no node: none acts on it (read() reports it)
    }
  }

  async clear(id: string): Promise<void> {
    try {
      await this.o.client.kv.deleteRange({ key: this.keyOf(id) }, callOptions(this.o.timeoutMs));
    } catch (err) {
      throw mapEtcdError(err, 'clearJournal');
    }
  }

  /**
   * Deletes (`next` null) or overwrites the entry in one transaction that holds only while its
   * value is the bytes `expected` was written as (JSON.stringify of a value JSON.parse gave back
   * yields the same bytes; one that differs only in form fails safe: left in place).
   */
  async swap(expected: JournalEntry, next: JournalEntry['value'] | null): Promise<boolean> {
    const key = this.keyOf(expected.id);
    try {
      const res = await once(() =>
        this.o.client.kv.txn(
          {
            compare: [
              {
                key,
                target: CompareTarget.Value,
                result: CompareResult.Equal,
                value: Buffer.from(JSON.stringify(expected.value)),
              },
            ],
            success: [
              next === null
                ? { request_delete_range: { key } }
                : { request_put: { key, value: Buffer.from(JSON.stringify(next)) } },
            ],
          },
          callOptions(this.o.timeoutMs),
        ),
      );
      return res.succeeded;
    } catch (err) {
      throw mapEtcdError(err, next === null ? 'clearJournal' : 'replaceJournal');
    }
  }

  private keyOf(id: string): Buffer {
    return Buffer.from(`${this.o.prefix}ops/${id}`);
  }

  private range(req: IRangeRequest): Promise<IRangeResponse> {
    return rangeWithin(this.o.client, this.o.timeoutMs, req, 'journal');
  }
}
