// One staged write of the localfs backend. Bytes stream into `<root>/.callfs/tmp/<id>.part`;
// prepare writes `<id>.commit`, a journal naming the (path, gen) the metadata store is about
// to confirm; commit renames the part over the target. That order lets recover() finish or
// drop a write a crash interrupted, and a reader never sees a half-written file.
import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { FILE_MODE } from '../files/info.js';
import type { DiskRoot } from './localfs-disk.js';
import { SizeLimit } from './size-limit.js';
import { StagedTemp } from './staged-temp.js';

export const PART_SUFFIX = '.part';
export const JOURNAL_SUFFIX = '.commit';
/** What an upload may hold in memory between the socket and the disk, per stage. */
const WRITE_BUFFER_BYTES = 1024 * 1024;

/** The journal's content: enough to decide on restart whether the part is the current bytes. */
export interface JournalEntry {
  path: string;
  gen: number;
  /** The write id the inode names once committed (absent in journals of older versions). */
  write?: string;
}

export class LocalfsTemp extends StagedTemp {
  readonly partPath: string;
  readonly journalPath: string;

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
    // 1 MiB buffers: the default 16 KiB made every socket read its own hop through the limit
    // and its own write to the disk, which capped an upload at ~70% of a plain pipeline.
    const limit = new SizeLimit(maxBytes, WRITE_BUFFER_BYTES);
    // flush: the stream fsyncs before it closes, and pipeline settles only after the close.
    // The part becomes the file by a rename, so its mode is the file's: the mode the API
    // reports, whatever the process umask (open's mode is masked by it; fchmod is not).
    const handle = await open(this.partPath, 'wx', FILE_MODE);
    try {
      await handle.chmod(FILE_MODE);
    } catch (err) {
      await handle.close();
      throw err;
    }
    const file = handle.createWriteStream({ flush: true, highWaterMark: WRITE_BUFFER_BYTES });
    try {
      await pipeline(body, limit, file, { signal });
    } catch (err) {
      // pipeline can settle before the file stream has finished opening; removing the part
      // then would race the open and leave it behind.
      if (!file.closed) await new Promise<void>((resolve) => file.once('close', () => resolve()));
      throw err;
    }
    return limit.bytes;
  }

  protected async writeJournal(gen: number): Promise<void> {
    const entry: JournalEntry = { path: this.path, gen, write: this.id };
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
    // Makes both directory entries durable: the part's (from write) and the journal's.
    await this.disk.syncDir(this.disk.tmpDir);
  }

  protected async place(): Promise<void> {
    await this.disk.place(this.partPath, this.path);
    await rm(this.journalPath, { force: true });
  }

  protected async removeStaged(): Promise<void> {
    await Promise.all([rm(this.partPath, { force: true }), rm(this.journalPath, { force: true })]);
  }
}
