// A read on the file's owner: evaluates the request's conditions, opens the file (or the span a
// Range asks for, read from its offset) and makes sure the bytes opened are the version whose
// entity tag is sent. Commits switch etcd first and rename the bytes after, both under the
// path's lock: a read that saw the lock free after reading the record, and reads the same
// record again after opening, has opened exactly that version (see `readLocal`).
import { Readable } from 'node:stream';
import { resolveRange, type ByteRange, type ByteSpan } from './byte-range.js';
import { evaluateConditions } from './conditions.js';
import { NotAFileError, NotFoundError, WrongOwnerError } from './errors.js';
import { type BackendDeps, refOf, servedHere, storageFor } from './backends.js';
import { isVisible, toFileInfo } from './info.js';
import type { PathLocks } from './path-lock.js';
import type {
  CallContext,
  FileInfo,
  InodeRecord,
  Metadata,
  ReadOptions,
  ReadResult,
} from './ports.js';
import { rfc1123 } from './http-date.js';

/** Bytes of this node's files that etcd may name before they are at their path. */
export interface NamedBytes {
  /** Places the bytes `rec` names at its path, if they wait here; false otherwise. */
  placeNamed(rec: InodeRecord): Promise<boolean>;
  /** Drops the bytes `rec` named, if they wait here: it was deleted. Under its path's lock. */
  dropNamed(rec: InodeRecord): Promise<void>;
}

export interface ReadLocalDeps extends BackendDeps {
  instanceId: string;
  metadata: Metadata;
  locks: PathLocks;
  /** A file moving here, named by etcd once its sender switched, still staged (staging.ts). */
  staged?: NamedBytes;
}

/** Attempts to catch a quiet moment between commits before serving without an ETag. */
const ROUNDS = 8;

function emptyBody(): Readable {
  return Readable.from([]);
}

/** If-Range: the range applies only while the validator names the current version. */
export function ifRangeHolds(ifRange: string | undefined, info: FileInfo): boolean {
  if (!ifRange) return true;
  if (ifRange.startsWith('"')) return info.etag !== '' && ifRange === info.etag;
  // A date validator must match Last-Modified exactly (RFC 9110 §13.1.5).
  return ifRange === rfc1123(info.mtime_ms);
}

async function ownFile(d: ReadLocalDeps, path: string): Promise<InodeRecord> {
  const rec = await d.metadata.get(path);
  if (!isVisible(rec)) throw new NotFoundError(`${path} not found`);
  if (rec.inode.type !== 'file') throw new NotAFileError(`${path} is a directory`);
  if (!servedHere(d, rec.inode)) throw new WrongOwnerError(rec.inode.instance_id);
  return rec;
}

/**
 * Reads `path`, owned by this node. Every commit of a path runs under its lock in the order
 * txn → rename → release. If the lock is free after `before` was read, every commit `before`
 * reflects has renamed its bytes already (a write whose outcome the commit could not learn
 * keeps the path unsettled until the reconciler has placed or dropped it, which `settled` asks
 * for); if `after`, read once the file is open, is the same
 * record, no commit switched etcd in between, so the open file is `before`'s version. Otherwise
 * it tries again; a file rewritten without pause is finally served without an ETag rather than
 * with one it cannot vouch for.
 */
export async function readLocal(
  d: ReadLocalDeps,
  ctx: CallContext,
  path: string,
  options: ReadOptions = {},
): Promise<ReadResult> {
  for (let round = 1; ; round++) {
    const before = await ownFile(d, path);
    // The last round only looks: asking for a settlement nobody waits for would start work.
    const pending = round < ROUNDS ? d.locks.settled(path) : d.locks.busy(path);
    if (pending && round < ROUNDS) {
      await pending;
      continue;
    }
    const info = toFileInfo(before);
    if (evaluateConditions(info, options.conditions, true) === 'not-modified') {
      return { info, body: emptyBody(), notModified: true };
    }
    const range: ByteRange | undefined =
      options.range && ifRangeHolds(options.ifRange, info) ? options.range : undefined;
    let span: ByteSpan | undefined;
    let opened;
    try {
      opened = await storageFor(d, before.inode.backend_type).open(
        refOf(before),
        ctx.signal,
        range ? (size) => (span = resolveRange(range, size)) : undefined,
      );
    } catch (err) {
      // A file moving here from another node: its sender switched etcd to it and has not said
      // commit yet. Its bytes are placed now and opened again.
      if (err instanceof NotFoundError && round < ROUNDS && (await d.staged?.placeNamed(before))) {
        continue;
      }
      // A generation-keyed backend deletes a generation once a newer one commits: the file
      // was replaced between reading its record and opening its bytes. Read it again, from
      // etcd: on a shared store the replace may be another node's, not yet in this node's cache.
      if (err instanceof NotFoundError && round < ROUNDS) {
        const now = await d.metadata.get(path, { fresh: true });
        if (now?.revision !== before.revision) continue;
      }
      throw err;
    }
    if (before.inode.store !== undefined) {
      // An object of a generation-keyed store never changes: the bytes opened are exactly
      // `before`'s, whoever commits meanwhile (and commits of other nodes take no lock here).
      info.size = opened.size;
      return { info, body: opened.body, range: span };
    }
    const after = await d.metadata.get(path).catch((err: unknown) => {
      opened.body.destroy();
      throw err;
    });
    if (pending || after?.revision !== before.revision) {
      if (round < ROUNDS) {
        opened.body.destroy();
        continue;
      }
      info.etag = '';
    }
    // fstat's size, so Content-Length always matches the bytes (ARCHITECTURE.md invariant 9).
    info.size = opened.size;
    return { info, body: opened.body, range: span };
  }
}
