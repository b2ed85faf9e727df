// The link service (API.md §4): generates single-use download links for files and redeems
// them exactly once across the cluster. Generation checks the file through the files service
// (which routes to the owner) and stores a leased record; redemption verifies the token's MAC
// before touching etcd, checks the record, opens the file (on its owner) and only then spends
// the link with a compare-and-swap, so a missing file or an unreachable owner does not burn it.
// A transfer that breaks after the swap cannot be retried: the link is spent once the bytes
// start to flow.
//
// A link names one file, not a path: it records the create revision of the file's inode and
// serves only while the path still holds that inode. The check runs after the file is opened:
// an inode that has the recorded create revision then has existed, unbroken, since the link
// was made (a deleted and re-created key gets a new one), so the opened bytes are that file's.
// Downloads need no key, so no error they answer names the path (not even one an owner sent).
import {
  AlreadyExistsError,
  BadRequestError,
  CallfsError,
  type CallfsErrorOptions,
  InternalError,
  LinkExpiredError,
  LinkUsedError,
  NotAFileError,
  NotFoundError,
  OwnerUnavailableError,
  WrongOwnerError,
} from '../files/errors.js';
import type { CallContext, FileInfo, FilesApi, Metadata, ReadResult } from '../files/ports.js';
import { decided } from '../files/refusals.js';
import {
  MAX_EXPIRY_SECONDS,
  type GeneratedLink,
  type LinkRecord,
  type LinksApi,
  type LinkStore,
  type RedeemedLink,
  type StoredLink,
} from './ports.js';
import { newToken, verifyToken } from './token.js';

/** How long a record outlives its expiry, answering 410 LINK_EXPIRED instead of 404. */
export const EXPIRED_GRACE_SECONDS = 86_400;
/** 128-bit ids do not collide; a bounded retry keeps that assumption from ever looping. */
const CREATE_ATTEMPTS = 3;

export interface LinkServiceOptions {
  store: LinkStore;
  files: Pick<FilesApi, 'stat' | 'read'>;
  /** The namespace, read for the identity (create revision) of a linked file. */
  metadata: Pick<Metadata, 'get'>;
  /** auth.single_use_link_secret, shared by every node. */
  secret: string;
  /** This node's advertised HTTP base URL (server.external_url), read at each generation. */
  baseUrl: () => string;
  now?: () => number;
  /** Called once per generated link (e.g. callfs_single_use_link_generations_total). */
  onGenerated?: () => void;
}

export class LinkService implements LinksApi {
  private readonly now: () => number;

  constructor(private readonly o: LinkServiceOptions) {
    this.now = o.now ?? Date.now;
  }

  async generate(ctx: CallContext, path: string, expirySeconds: number): Promise<GeneratedLink> {
    if (
      !Number.isInteger(expirySeconds) ||
      expirySeconds < 1 ||
      expirySeconds > MAX_EXPIRY_SECONDS
    ) {
      throw new BadRequestError(
        `expiry_seconds must be an integer from 1 to ${MAX_EXPIRY_SECONDS}`,
      );
    }
    const info = await this.o.files.stat(ctx, path);
    if (info.type === 'FILE_TYPE_DIRECTORY') throw new NotAFileError(`${path} is not a file`);
    // The file at the path now: a namesake created since the stat is the one the link names.
    // Asked of etcd, not of a cache that may still name a namesake deleted since: the link
    // would name a file that is gone, and never serve the one that is there.
    const rec = await this.o.metadata.get(path, { fresh: true });
    if (!rec || rec.inode.state !== 'ready') throw new NotFoundError(`${path} not found`);
    if (rec.inode.type !== 'file') throw new NotAFileError(`${path} is not a file`);
    const created = this.now();
    const expires = created + expirySeconds * 1000;
    const ttlSeconds = expirySeconds + EXPIRED_GRACE_SECONDS;
    const link: LinkRecord = {
      path,
      creator: ctx.caller.user,
      expires,
      state: 'active',
      created,
      inode: rec.created,
    };
    for (let attempt = 0; attempt < CREATE_ATTEMPTS; attempt++) {
      const { id, token } = newToken(this.o.secret);
      if (await this.o.store.create(id, link, ttlSeconds)) {
        this.o.onGenerated?.();
        const base = this.o.baseUrl().replace(/\/+$/, '');
        return { url: `${base}/download/${token}`, token, expires };
      }
    }
    throw new InternalError('could not allocate a link id');
  }

  async redeem(token: string, signal?: AbortSignal): Promise<RedeemedLink> {
    try {
      const stored = await this.usable(token);
      const opened = await this.open(stored.link, signal);
      let won = false;
      try {
        await this.checkSameFile(stored.link);
        won = await this.o.store.redeem(stored);
      } finally {
        if (!won) opened.body.destroy();
      }
      if (!won) throw new LinkUsedError('this link has already been used');
      return opened;
    } catch (err) {
      throw withoutPath(err);
    }
  }

  async inspect(token: string, signal?: AbortSignal): Promise<FileInfo> {
    try {
      const { link } = await this.usable(token);
      const info = await this.o.files.stat(this.readerOf(link, signal), link.path);
      if (info.type === 'FILE_TYPE_DIRECTORY') throw new NotFoundError(GONE);
      await this.checkSameFile(link);
      return info;
    } catch (err) {
      throw withoutPath(err);
    }
  }

  /**
   * NotFound unless the path still holds the very inode the link was made for, as etcd says: a
   * cache may not have seen the file the link's node created there yet.
   */
  private async checkSameFile(link: LinkRecord): Promise<void> {
    await decided(this.o.metadata, link.path, (rec) => {
      if (!rec || rec.inode.type !== 'file' || !link.inode || rec.created !== link.inode) {
        throw new NotFoundError(GONE);
      }
    });
  }

  /** The link a token names, if it may still be redeemed; else the error to answer with. */
  private async usable(token: string): Promise<StoredLink> {
    const id = verifyToken(this.o.secret, token);
    // Forged, mangled and unknown tokens all look alike: 404, as if the file did not exist.
    if (id === null) throw new NotFoundError(LINK_NOT_FOUND);
    const stored = await this.o.store.get(id);
    if (!stored) throw new NotFoundError(LINK_NOT_FOUND);
    if (stored.link.state !== 'active') throw new LinkUsedError('this link has already been used');
    if (this.now() >= stored.link.expires) throw new LinkExpiredError('this link has expired');
    return stored;
  }

  private async open(link: LinkRecord, signal?: AbortSignal): Promise<ReadResult> {
    try {
      return await this.o.files.read(this.readerOf(link, signal), link.path);
    } catch (err) {
      // The file was replaced by a directory since the link was made: it is gone.
      if (err instanceof NotAFileError) throw new NotFoundError(GONE);
      throw err;
    }
  }

  /** Downloads read as the link's creator: reading is open to every authenticated user. */
  private readerOf(link: LinkRecord, signal?: AbortSignal): CallContext {
    return { caller: { user: link.creator, admin: false }, signal };
  }
}

const LINK_NOT_FOUND = 'link not found';
const GONE = 'the file this link was made for no longer exists';

/**
 * The same failure without a path in its message: the download route is unauthenticated, and
 * messages (ours, or an owner's relayed over gRPC) name paths. The status and code stay.
 */
function withoutPath(err: unknown): unknown {
  if (!(err instanceof CallfsError)) return err;
  const options = { cause: err };
  if (err instanceof NotFoundError || err instanceof NotAFileError) {
    return err.message === GONE || err.message === LINK_NOT_FOUND
      ? err
      : new NotFoundError(GONE, options);
  }
  if (err instanceof LinkUsedError || err instanceof LinkExpiredError) return err;
  if (err instanceof OwnerUnavailableError) {
    return new OwnerUnavailableError(err.instanceId, undefined, options);
  }
  if (err instanceof WrongOwnerError || err instanceof AlreadyExistsError) {
    return new InternalError('internal error', options);
  }
  const Kind = err.constructor as new (message: string, o?: CallfsErrorOptions) => CallfsError;
  return new Kind(`the link could not be served (${err.code})`, options);
}
