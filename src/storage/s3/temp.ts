// One staged write of the S3 backend. The journal entry is written before the first byte is
// sent; the body streams straight into the object of this write's own key (nothing names it
// yet, so nobody reads it); prepare journals the generation and the write it replaces; once
// etcd names this write, commit deletes the replaced generation's object and the entry. A
// discard aborts the multipart upload, deletes the object and the entry.
import { StagedTemp } from '../staged-temp.js';
import type { S3JournalEntry } from './journal.js';
import type { S3Backend } from './storage.js';
import { uploadObject } from './upload.js';

export class S3Temp extends StagedTemp {
  private entry: S3JournalEntry;

  constructor(
    private readonly s3: S3Backend,
    path: string,
    id: string,
  ) {
    super(path, id);
    this.entry = { path, write: id };
  }

  protected async writePart(
    body: AsyncIterable<Buffer>,
    maxBytes: number,
    signal: AbortSignal,
  ): Promise<number> {
    await this.s3.journal.put(this.entry);
    const size = await uploadObject(
      this.s3.client,
      this.s3.objectParams(this.path, this.id),
      body,
      {
        maxBytes,
        signal,
        partBytes: this.s3.partBytes,
        onUploadId: async (upload) => {
          this.entry = { ...this.entry, upload };
          await this.s3.journal.put(this.entry);
        },
      },
    );
    // Completed: there is no upload left to abort, only the object.
    this.entry = { path: this.path, write: this.id };
    return size;
  }

  protected async writeJournal(gen: number, replaces?: string): Promise<void> {
    const entry: S3JournalEntry = { path: this.path, write: this.id, gen };
    if (replaces !== undefined && replaces !== this.id) entry.replaces = replaces;
    await this.s3.journal.put(entry);
    this.entry = entry;
  }

  protected async place(): Promise<void> {
    if (this.entry.replaces !== undefined) await this.s3.deleteObject(this.entry.replaces);
    await this.s3.journal.remove(this.id);
  }

  protected async removeStaged(): Promise<void> {
    try {
      await this.s3.undo(this.entry);
    } catch {
      // The store is unreachable: the entry stays in the journal, and start-up recovery (or
      // the next sweep) aborts the upload and deletes the object.
      this.s3.remember(this.id);
    }
  }
}
