// Directory listings, subtree scans and counts of the etcd adapter: range reads over one key
// range (a directory's children `fs<dir>//` or its subtree `fs<dir>/`), paged by the scan code
// the in-memory fake shares (scan.ts), every page of one scan at the revision of its first read
// so a listing is one consistent snapshot however many pages it takes.
import {
  SortOrder,
  SortTarget,
  type IKeyValue,
  type IRangeRequest,
  type IRangeResponse,
} from 'etcd3';
import type { CountOptions, InodeRecord, ScanOptions, ScanPage } from '../files/ports.js';
import {
  childrenRange,
  countScan,
  type Fetch,
  type KeyRange,
  pathOfKey,
  recordPage,
  subtreeRange,
} from './scan.js';

/** Keys per range read when list() pages internally. */
const LIST_PAGE = 1000;
/** Keys counted per step when a depth-limited subtree is counted (keys-only reads). */
const COUNT_PAGE = 10_000;
/**
 * The most keys one range read asks for: paths may be 4 KiB long, and 500 of them with their
 * values stay well under the 4 MiB a gRPC response may carry. Scans simply read again.
 */
const MAX_RANGE_KEYS = 500;

export interface EtcdListingDeps {
  prefix: string;
  /** One range read, its failure mapped to the port's errors under `what`. */
  range(req: IRangeRequest, what: string): Promise<IRangeResponse>;
  record(path: string, kv: IKeyValue): InodeRecord;
}

export class EtcdListing {
  private readonly prefixBytes: Buffer;

  constructor(private readonly d: EtcdListingDeps) {
    this.prefixBytes = Buffer.from(d.prefix);
  }

  /** Every child, read in pages of LIST_PAGE keys at one revision (never one huge range). */
  async list(dir: string): Promise<InodeRecord[]> {
    const out: InodeRecord[] = [];
    let page: ScanPage | undefined;
    do {
      page = await this.listPage(dir, {
        limit: LIST_PAGE,
        from: page?.next,
        revision: page?.revision,
      });
      out.push(...page.records);
    } while (page.next !== undefined);
    return out;
  }

  listPage(dir: string, options: ScanOptions): Promise<ScanPage> {
    return this.scan(dir, childrenRange(dir), options);
  }

  scanSubtree(dir: string, options: ScanOptions): Promise<ScanPage> {
    return this.scan(dir, subtreeRange(dir), options);
  }

  /**
   * One count-only range for children or a whole subtree; a depth-limited subtree is counted
   * with keys-only pages that skip too-deep subtrees (a range count cannot see depth).
   */
  async count(dir: string, options: CountOptions): Promise<number> {
    const range = options.recursive ? subtreeRange(dir) : childrenRange(dir);
    if (!options.recursive || options.maxDepth === undefined) {
      const res = await this.d.range(
        {
          key: this.absolute(range.start),
          range_end: this.absolute(range.end),
          count_only: true,
          revision: options.revision,
        },
        'count',
      );
      return Number(res.count);
    }
    const { fetch } = this.fetcher(range, options.revision, true);
    return countScan({ dir, range, maxDepth: options.maxDepth, fetch }, COUNT_PAGE);
  }

  private scan(dir: string, range: KeyRange, o: ScanOptions): Promise<ScanPage> {
    const { fetch, revision } = this.fetcher(range, o.revision, false);
    return recordPage({ dir, range, fetch, record: (p, kv) => this.d.record(p, kv), revision }, o);
  }

  /** Range reads over a relative key range, all at the revision of the first one. */
  private fetcher(range: KeyRange, revision: string | undefined, keysOnly: boolean) {
    let pinned = revision;
    const end = this.absolute(range.end);
    const fetch: Fetch<IKeyValue> = async (from, limit) => {
      const res = await this.d.range(
        {
          key: this.absolute(from),
          range_end: end,
          limit: Math.min(limit, MAX_RANGE_KEYS),
          revision: pinned,
          keys_only: keysOnly,
          sort_order: SortOrder.Ascend,
          sort_target: SortTarget.Key,
        },
        'list',
      );
      pinned ??= res.header.revision;
      const cut = this.prefixBytes.length;
      return {
        items: res.kvs.map((kv) => {
          const key = kv.key.subarray(cut);
          return { key, path: pathOfKey(key), value: kv };
        }),
        more: res.more,
      };
    };
    return { fetch, revision: () => pinned ?? '0' };
  }

  private absolute(relative: Buffer): Buffer {
    return Buffer.concat([this.prefixBytes, relative]);
  }
}
