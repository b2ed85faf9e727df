// One staged write of the localfs backend. Bytes stream into `<root>/.callfs/tmp/<id>.part`;
// prepare journals the (path, gen) the metadata store is about to confirm; commit renames the
// part over the target. That order lets recover() finish or drop a write a crash interrupted,
// and a reader never sees a half-written file. The journal is the part's own name
// (`<id>.<gen>.<base64url path>.jpart`, one rename made durable by the folder's fsync) when
// that fits the filesystem's NAME_MAX, else a file `<id>.commit` beside the part (a write, an
// fsync and a close more, then a removal after the commit).
import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { FILE_MODE } from '../files/info.js';
import type { DiskRoot } from './localfs-disk.js';
import { renamePath, writeNewFile } from './fs-calls.js';
import { gather } from './gather.js';
import { writePartBody } from './part-writer.js';
import { StagedTemp } from './staged-temp.js';

export const PART_SUFFIX = '.part';
export const JOURNAL_SUFFIX = '.commit';
export const NAMED_PART_SUFFIX = '.jpart';
/** A body of at most this many bytes is gathered in memory and written with one call. */
const WRITE_BUFFER_BYTES = 1024 * 1024;

/** The journal's content: enough to decide on restart whether the part is the current bytes. */
export interface JournalEntry {
  path: string;
  gen: number;
  /** The write id the inode names once committed (absent in journals of older versions). */
  write?: string;
}

/** The name of a part journaled by its name: `<id>.<gen>.<base64url path>.jpart`. */
export function namedPartName(id: string, gen: number, path: string): string {
  return `${id}.${gen}.${Buffer.from(path, 'utf8').toString('base64url')}${NAMED_PART_SUFFIX}`;
}

/** The journal entry a part's name holds (the write id is the name's id), or null. */
export function parseNamedPart(name: string): (JournalEntry & { id: string }) | null {
  if (!name.endsWith(NAMED_PART_SUFFIX)) return null;
  const fields = name.slice(0, -NAMED_PART_SUFFIX.length).split('.');
  if (fields.length !== 3) return null;
  const [id, genText, encoded] = fields as [string, string, string];
  const gen = Number(genText);
  if (!/^[0-9a-f]+$/.test(id) || !/^[0-9]+$/.test(genText) || !Number.isSafeInteger(gen)) {
    return null;
  }
  if (!/^[A-Za-z0-9_-]+$/.test(encoded)) return null;
  const bytes = Buffer.from(encoded, 'base64url');
  const path = bytes.toString('utf8');
  // Only the exact encoding of valid UTF-8 names a path; anything else is not ours.
  if (Buffer.from(path, 'utf8').toString('base64url') !== encoded) return null;
  return { id, path, gen, write: id };
}

export class LocalfsTemp extends StagedTemp {
  /** Where the part is now: `<id>.part`, then its journaled name once prepared. */
  partPath: string;
  readonly journalPath: string;
  /** A `<id>.commit` file was written (the path is too long to journal in the part's name). */
  private journalFile = false;

  constructor(
    private readonly disk: DiskRoot,
    path: string,
    id: string,
  ) {
    super(path, id);
    this.partPath = join(disk.tmpDir, id + PART_SUFFIX);
    this.journalPath = join(disk.tmpDir, id + JOURNAL_SUFFIX);
  }

  protected async writePart(
    body: AsyncIterable<Buffer>,
    maxBytes: number,
    signal: AbortSignal,
  ): Promise<number> {
    if (maxBytes <= WRITE_BUFFER_BYTES) return this.writeSmallPart(body, maxBytes, signal);
    // The part becomes the file by a rename, so its mode is the file's: the mode the API
    // reports, whatever the process umask (open's mode is masked by it; fchmod is not).
    const handle = await open(this.partPath, 'wx', FILE_MODE);
    try {
      if (!this.disk.exactFileMode) await handle.chmod(FILE_MODE);
      return await writePartBody(handle, body, maxBytes, signal);
    } finally {
      await handle.close();
    }
  }

  /**
   * A body that fits one write buffer (a small create, a small staged move) is gathered in
   * memory and written with one call: no stream pipeline, and the part is created only once
   * the whole body is there.
   */
  private async writeSmallPart(
    body: AsyncIterable<Buffer>,
    maxBytes: number,
    signal: AbortSignal,
  ): Promise<number> {
    const chunks = await gather(body, maxBytes, signal);
    const data = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    await writeNewFile(this.partPath, data, FILE_MODE, !this.disk.exactFileMode);
    return data.length;
  }

  protected async writeJournal(gen: number): Promise<void> {
    const named = namedPartName(this.id, gen, this.path);
    if (Buffer.byteLength(named, 'utf8') <= this.disk.limits.nameMax) {
      const next = join(this.disk.tmpDir, named);
      await renamePath(this.partPath, next);
      this.partPath = next;
    } else {
      await this.writeJournalFile(gen);
    }
    // Makes the part's entry (from write) and its journal durable: its name or the file's.
    await this.disk.syncDir(this.disk.tmpDir);
  }

  private async writeJournalFile(gen: number): Promise<void> {
    const entry: JournalEntry = { path: this.path, gen, write: this.id };
    const plain = join(this.disk.tmpDir, this.id + PART_SUFFIX);
    if (this.partPath !== plain) {
      // Prepared before under a shorter generation's name: recovery pairs a `<id>.commit` only
      // with `<id>.part`. That generation's commit failed, so nothing is lost if a crash comes
      // between this rename and the journal (the part is then dropped as unjournaled).
      await renamePath(this.partPath, plain);
      this.partPath = plain;
    }
    this.journalFile = true;
    // 'w': a commit that retries with a new generation rewrites its own journal entry.
    const handle = await open(this.journalPath, 'w');
    try {
      await handle.writeFile(JSON.stringify(entry));
      await handle.sync();
    } catch (err) {
      await rm(this.journalPath, { force: true });
      throw err;
    } finally {
      await handle.close();
    }
  }

  protected async place(): Promise<void> {
    await this.disk.place(this.partPath, this.path);
    if (this.journalFile) await rm(this.journalPath, { force: true });
  }

  protected async removeStaged(): Promise<void> {
    await Promise.all([
      rm(this.partPath, { force: true }),
      this.journalFile ? rm(this.journalPath, { force: true }) : undefined,
    ]);
  }
}
