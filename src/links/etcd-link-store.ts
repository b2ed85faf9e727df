// The etcd adapter of the LinkStore port. A link is `<prefix>links/<id>` → JSON
// `{path, creator, expires, state, created}`, attached to its own lease (TTL = time to expiry
// + 24 h, so an expired link still answers 410 for a day, then vanishes without a sweeper).
// Create is create-if-absent; redemption is one transaction comparing the key's mod_revision
// as read and rewriting it as `used` on the same lease (`ignore_lease`), so exactly one of any
// number of concurrent redemptions on any nodes wins. Every call has a deadline and maps
// etcd failures once, like the metadata adapter (etcd-call.ts).
import { CompareResult, CompareTarget, type Etcd3 } from 'etcd3';
import { InternalError } from '../files/errors.js';
import { callOptions, mapEtcdError, once } from '../metadata/etcd-call.js';
import { DEFAULT_PREFIX, normalizePrefix } from '../metadata/keys.js';
import type { LinkRecord, LinkStore, StoredLink } from './ports.js';
import { decodeLink, encodeLink } from './record.js';

export interface EtcdLinkStoreOptions {
  /** A client shared with the rest of the node; not closed here. */
  client: Etcd3;
  /** Key prefix, default `/callfs/`. */
  prefix?: string;
  /** Deadline of each etcd request in ms (default 5000). */
  requestTimeoutMs?: number;
}

export class EtcdLinkStore implements LinkStore {
  private readonly client: Etcd3;
  private readonly keyPrefix: string;
  private readonly timeoutMs: number;

  constructor(o: EtcdLinkStoreOptions) {
    this.client = o.client;
    this.keyPrefix = `${normalizePrefix(o.prefix ?? DEFAULT_PREFIX)}links/`;
    this.timeoutMs = o.requestTimeoutMs ?? 5_000;
  }

  async create(id: string, link: LinkRecord, ttlSeconds: number): Promise<boolean> {
    const key = this.keyOf(id);
    let leaseId: string;
    try {
      const granted = await this.client.leaseClient.leaseGrant(
        { TTL: Math.max(1, Math.ceil(ttlSeconds)), ID: 0 },
        callOptions(this.timeoutMs),
      );
      leaseId = granted.ID;
    } catch (err) {
      throw mapEtcdError(err, 'create link');
    }
    try {
      const res = await once(() =>
        this.client.kv.txn(
          {
            compare: [
              { key, target: CompareTarget.Version, result: CompareResult.Equal, version: 0 },
            ],
            success: [
              { request_put: { key, value: Buffer.from(encodeLink(link)), lease: leaseId } },
            ],
          },
          callOptions(this.timeoutMs),
        ),
      );
      if (res.succeeded) return true;
    } catch (err) {
      this.revoke(leaseId);
      throw mapEtcdError(err, 'create link');
    }
    this.revoke(leaseId);
    return false;
  }

  async get(id: string): Promise<StoredLink | null> {
    try {
      const res = await this.client.kv.range({ key: this.keyOf(id) }, callOptions(this.timeoutMs));
      const kv = res.kvs[0];
      return kv ? { id, link: this.decode(id, kv.value), revision: kv.mod_revision } : null;
    } catch (err) {
      throw mapEtcdError(err, 'get link');
    }
  }

  async redeem(expected: StoredLink): Promise<boolean> {
    if (expected.link.state !== 'active') return false;
    const key = this.keyOf(expected.id);
    const used: LinkRecord = { ...expected.link, state: 'used' };
    try {
      const res = await once(() =>
        this.client.kv.txn(
          {
            compare: [
              {
                key,
                target: CompareTarget.Mod,
                result: CompareResult.Equal,
                mod_revision: expected.revision,
              },
            ],
            // Keep the record's lease: the used link must vanish when the active one would have.
            success: [
              { request_put: { key, value: Buffer.from(encodeLink(used)), ignore_lease: true } },
            ],
          },
          callOptions(this.timeoutMs),
        ),
      );
      return res.succeeded;
    } catch (err) {
      throw mapEtcdError(err, 'redeem link');
    }
  }

  private keyOf(id: string): Buffer {
    return Buffer.from(this.keyPrefix + id);
  }

  private decode(id: string, value: Buffer): LinkRecord {
    const link = decodeLink(value.toString('utf8'));
    if (!link) throw new InternalError(`unreadable link record ${id}`);
    return link;
  }

  /** Best effort: an unused lease would otherwise live out its TTL (a day or more). */
  private revoke(leaseId: string): void {
    this.client.leaseClient
      .leaseRevoke({ ID: leaseId }, callOptions(this.timeoutMs))
      .catch(() => undefined);
  }
}
