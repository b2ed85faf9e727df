// The ports of single-use links (API.md §4): the record a link is stored as, the small
// `LinkStore` interface the link service needs from etcd (implemented in etcd-link-store.ts,
// faked in memory-link-store.ts; both pass test/contract/link-store-contract.ts), and the
// service's public shape that the HTTP edge calls.
import type { Readable } from 'node:stream';
import type { CallContext, FileInfo } from '../files/ports.js';

/** The lifetime of a link when the request names none, and the longest allowed. */
export const DEFAULT_EXPIRY_SECONDS = 3600;
export const MAX_EXPIRY_SECONDS = 86_400;

/** One link as stored (`<prefix>links/<id>`). Times are Unix milliseconds. */
export interface LinkRecord {
  /** The canonical path of the file the link serves. */
  path: string;
  /** The user who generated it; the download reads the file as this user. */
  creator: string;
  /** After this instant the link answers 410 LINK_EXPIRED. */
  expires: number;
  /** `active` until the one redemption flips it to `used`. */
  state: 'active' | 'used';
  created: number;
  /**
   * The create revision of the file's inode when the link was made: the link serves that file
   * (whatever its current content) and never a later file at the same path.
   */
  inode: string;
}

/** A link as read, with the store revision that fences its redemption. */
export interface StoredLink {
  id: string;
  link: LinkRecord;
  revision: string;
}

export interface LinkStore {
  /**
   * Stores a new link if `id` is free, attached to a lease of `ttlSeconds` after which the record
   * disappears. Returns false (and stores nothing) when the id is already taken.
   */
  create(id: string, link: LinkRecord, ttlSeconds: number): Promise<boolean>;
  /** The link, or null when it never existed or its lease ran out. */
  get(id: string): Promise<StoredLink | null>;
  /**
   * Flips an active link to `used` if it is unchanged since `expected` was read (a
   * compare-and-swap on its revision; the record keeps its lease). Of any number of concurrent
   * redemptions of one link, across all nodes, exactly one returns true; the others, and any
   * redemption of a link that is not active, return false.
   */
  redeem(expected: StoredLink): Promise<boolean>;
}

/** The answer to a generate request. */
export interface GeneratedLink {
  url: string;
  token: string;
  /** Unix milliseconds. */
  expires: number;
}

/** A redeemed link: the file's metadata and its bytes, opened before the link was spent. */
export interface RedeemedLink {
  info: FileInfo;
  body: Readable;
}

/** The link service, as the HTTP edge sees it. */
export interface LinksApi {
  generate(ctx: CallContext, path: string, expirySeconds: number): Promise<GeneratedLink>;
  /** Spends the link and opens its file; throws NotFound, LinkUsed or LinkExpired errors. */
  redeem(token: string, signal?: AbortSignal): Promise<RedeemedLink>;
  /** What a download would serve, without spending the link (for HEAD). */
  inspect(token: string, signal?: AbortSignal): Promise<FileInfo>;
}
