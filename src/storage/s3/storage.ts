// The S3 backend: files' bytes as objects in a bucket that several nodes may share, one object
// per committed generation (keys.ts), so every node with the bucket reads and writes them
// directly. Writes stream into their own object and are journaled on this node's disk
// (journal.ts) until etcd has named them; start-up recovery finishes or undoes what a crash
// interrupted. Reads stream the object (a span with a Range request), never buffering it.
import { createHash, randomBytes } from 'node:crypto';
import { Readable, addAbortSignal } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';
import { lookup } from 'mime-types';
import { CallfsError, InternalError, InvalidPathError, NotFoundError } from '../../files/errors.js';
import type {
  FileRef,
  IsCurrent,
  OpenedFile,
  QuarantinedEntry,
  RecoveryReport,
  SharedStorage,
  SpanSelector,
  StoredObject,
  TempFile,
} from '../../files/ports.js';
import { pathSegments } from '../paths.js';
import { type S3Settings, checkBucket, createS3Client, isMissing } from './client.js';
import { S3Journal, type S3JournalEntry } from './journal.js';
import { OBJECTS_FOLDER, isWriteId, objectKey, writeIdOf } from './keys.js';
import { S3Temp } from './temp.js';
import { abortUpload, type ObjectParams } from './upload.js';
import { directGet } from './direct-get.js';

/** The API's own limit: object keys do not contain paths, so S3 adds none. */
const MAX_PATH_BYTES = 4096;

export interface S3StorageOptions extends S3Settings {
  /** Prefix of this cluster's keys in the bucket (keyPrefixOf the etcd prefix). */
  keyPrefix: string;
  /** The journal folder on this node's disk. */
  journalDir: string;
  /** Multipart part size (tests use small ones). */
  partBytes?: number;
  /** An S3 client to use instead of one built from the settings (tests). */
  client?: S3Client;
}

/** What an S3Temp needs from its backend. */
export interface S3Backend {
  readonly client: S3Client;
  readonly journal: S3Journal;
  readonly partBytes?: number;
  objectParams(path: string, write: string): ObjectParams;
  deleteObject(write: string): Promise<void>;
  /** Aborts an entry's upload, deletes its object and the entry. */
  undo(entry: S3JournalEntry): Promise<void>;
  /** An entry whose undo failed: left for the next sweep. */
  remember(write: string): void;
}

function emptyBody(): Readable {
  return Readable.from([]);
}

export class S3Storage implements SharedStorage, S3Backend {
  readonly backendType = 's3';
  readonly maxPathBytes = MAX_PATH_BYTES;
  readonly client: S3Client;
  readonly journal: S3Journal;
  readonly partBytes?: number;
  /** Journal entries whose undo failed while the node ran. */
  private readonly leftover = new Set<string>();

  constructor(private readonly o: S3StorageOptions) {
    this.client = o.client ?? createS3Client(o);
    this.journal = new S3Journal(o.journalDir);
    this.partBytes = o.partBytes;
  }

  /**
   * Which bucket this is, short enough for every inode: a hash of the endpoint (AWS's own for
   * none) and the bucket name. Nodes with the same location share its objects.
   */
  get location(): string {
    const endpoint = (this.o.endpoint ?? '').replace(/\/+$/, '') || 'aws';
    const id = createHash('sha256').update(`${endpoint}\n${this.o.bucket}`).digest('hex');
    return `s3:${id.slice(0, 12)}`;
  }

  get bucket(): string {
    return this.o.bucket;
  }

  get keyPrefix(): string {
    return this.o.keyPrefix;
  }

  keyOf(write: string): string {
    return objectKey(this.o.keyPrefix, write);
  }

  objectParams(path: string, write: string): ObjectParams {
    const params: ObjectParams = {
      Bucket: this.o.bucket,
      Key: this.keyOf(write),
      ContentType: lookup(path) || 'application/octet-stream',
      // Where the object was written, for an operator reading the bucket (renames do not
      // update it: the inode in etcd is what names a file's object).
      Metadata: { 'callfs-path': encodeURIComponent(path) },
    };
    const sse = this.o.serverSideEncryption;
    if (sse) params.ServerSideEncryption = sse as ObjectParams['ServerSideEncryption'];
    if (this.o.kmsKeyId) params.SSEKMSKeyId = this.o.kmsKeyId;
    if (this.o.acl) params.ACL = this.o.acl as ObjectParams['ACL'];
    return params;
  }

  async checkPath(path: string): Promise<void> {
    pathSegments(path);
    if (Buffer.byteLength(path) > MAX_PATH_BYTES) {
      throw new InvalidPathError(`path is longer than ${MAX_PATH_BYTES} bytes`);
    }
  }

  async open(file: FileRef, signal?: AbortSignal, select?: SpanSelector): Promise<OpenedFile> {
    signal?.throwIfAborted();
    pathSegments(file.path);
    if (file.write === undefined || !isWriteId(file.write)) {
      throw new NotFoundError(`${file.path} has no object on S3`);
    }
    const Key = this.keyOf(file.write);
    const Bucket = this.o.bucket;
    try {
      let range: string | undefined;
      let length: number | undefined;
      let size: number | undefined;
      let mtimeMs = 0;
      if (select) {
        const head = await this.client.send(new HeadObjectCommand({ Bucket, Key }), {
          abortSignal: signal,
        });
        size = head.ContentLength ?? 0;
        mtimeMs = head.LastModified?.getTime() ?? 0;
        const span = select(size);
        if (span) {
          if (span.end < span.start) return { size, mtimeMs, body: emptyBody() };
          range = `bytes=${span.start}-${span.end}`;
          length = span.end - span.start + 1;
        }
        if (size === 0) return { size, mtimeMs, body: emptyBody() };
      }
      const res = await this.client.send(new GetObjectCommand({ Bucket, Key, Range: range }), {
        abortSignal: signal,
      });
      const sent = res.Body as Readable | undefined;
      if (!sent) throw new InternalError(`S3 sent no body for ${file.path}`);
      if (size === undefined) {
        size = res.ContentLength ?? 0;
        mtimeMs = res.LastModified?.getTime() ?? 0;
      }
      const body = directGet(sent, length ?? size);
      if (signal) addAbortSignal(signal, body);
      // An abort with nobody reading yet must not crash the process; readers see it anyway.
      body.on('error', () => undefined);
      return { size, mtimeMs, body };
    } catch (err) {
      if (isMissing(err)) throw new NotFoundError(`${file.path} not found on S3`, { cause: err });
      throw err;
    }
  }

  async createTemp(path: string): Promise<TempFile> {
    await this.checkPath(path);
    return new S3Temp(this, path, randomBytes(16).toString('hex'));
  }

  async remove(file: FileRef): Promise<void> {
    pathSegments(file.path);
    if (file.write === undefined || !isWriteId(file.write)) return;
    await this.deleteObject(file.write);
  }

  /** Every object of this cluster in the bucket (keys this backend did not make are skipped). */
  async *objects(): AsyncIterable<StoredObject> {
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.o.bucket,
          Prefix: `${this.o.keyPrefix}${OBJECTS_FOLDER}`,
          ContinuationToken: token,
        }),
      );
      for (const o of page.Contents ?? []) {
        const write = o.Key ? writeIdOf(this.o.keyPrefix, o.Key) : null;
        if (write === null) continue;
        yield { write, size: o.Size ?? 0, modifiedMs: o.LastModified?.getTime() ?? 0 };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async deleteObject(write: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteObjectCommand({ Bucket: this.o.bucket, Key: this.keyOf(write) }),
      );
    } catch (err) {
      if (!isMissing(err)) throw err;
    }
  }

  async undo(entry: S3JournalEntry): Promise<void> {
    if (entry.upload !== undefined) {
      await abortUpload(
        this.client,
        { Bucket: this.o.bucket, Key: this.keyOf(entry.write) },
        entry.upload,
      );
    }
    await this.deleteObject(entry.write);
    await this.journal.remove(entry.write);
    this.leftover.delete(entry.write);
  }

  remember(write: string): void {
    this.leftover.add(write);
  }

  /**
   * Start-up: a prepared write that etcd names keeps its object and loses the generation it
   * replaced; a prepared one the path no longer names keeps its object too (a move may have
   * taken it elsewhere: fsck finds it if it is an orphan); a write never prepared is undone:
   * its multipart upload aborted, its object deleted. Only an `isCurrent` that cannot answer
   * stops recovery.
   */
  async recover(isCurrent: IsCurrent): Promise<RecoveryReport> {
    await this.journal.open();
    const report: RecoveryReport = { rolledForward: [], discarded: 0, quarantined: [] };
    for (const { id, entry } of await this.journal.list()) {
      if (entry === null) {
        report.quarantined.push(await this.setAside(id, undefined, 'unreadable journal entry'));
        continue;
      }
      let current = false;
      if (entry.gen !== undefined) {
        try {
          current = await isCurrent(entry.path, entry.gen, entry.write);
        } catch (err) {
          if (!(err instanceof CallfsError) || err.retryable) throw err;
          report.quarantined.push(await this.setAside(id, entry.path, describe(err)));
          continue;
        }
      }
      try {
        if (current) {
          if (entry.replaces !== undefined) await this.deleteObject(entry.replaces);
          await this.journal.remove(entry.write);
          report.rolledForward.push(entry.path);
        } else if (entry.gen !== undefined && entry.upload === undefined) {
          // Prepared with its object whole: etcd may have named this write, and a move may
          // have re-keyed it while this node was down, so the path no longer names it while
          // another one does. Bytes etcd may name are never deleted here: the object stays,
          // and fsck removes it as an orphan once no inode names it past its grace period.
          await this.journal.remove(entry.write);
          this.leftover.delete(entry.write);
          report.discarded += 1;
        } else {
          await this.undo(entry);
          report.discarded += 1;
        }
      } catch {
        // The bucket did not answer this once: the entry stays. An undo is retried by the
        // sweep; a committed write's entry (its replaced generation still to delete) waits for
        // the next start-up, since the sweep only ever undoes.
        if (!current) this.leftover.add(entry.write);
      }
    }
    return report;
  }

  /**
   * Undoes the writes (never committed) whose undo failed while the store was unreachable;
   * returns how many it finished.
   */
  async sweep(): Promise<number> {
    let done = 0;
    for (const { id, entry } of await this.journal.list()) {
      if (!this.leftover.has(id) || entry === null) continue;
      await this.undo(entry);
      done += 1;
    }
    return done;
  }

  private async setAside(
    id: string,
    path: string | undefined,
    reason: string,
  ): Promise<QuarantinedEntry> {
    const keptAt = await this.journal.setAside(id, reason);
    return { kind: 's3-commit', id, reason, keptAt, ...(path === undefined ? {} : { path }) };
  }

  async quarantinedEntries(): Promise<QuarantinedEntry[]> {
    return (await this.journal.setAsideEntries()).map((e) => ({
      kind: 's3-commit',
      id: e.id,
      reason: e.reason,
      keptAt: e.dir,
    }));
  }

  async checkWritable(): Promise<void> {
    try {
      await checkBucket(this.client, this.o);
    } catch (err) {
      throw new InternalError((err as Error).message, { cause: err });
    }
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export async function createS3Storage(options: S3StorageOptions): Promise<S3Storage> {
  const storage = new S3Storage(options);
  await storage.journal.open();
  return storage;
}
