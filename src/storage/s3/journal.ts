// The S3 backend's journal of its own writes, one small fsynced file per write in a folder of
// this node's disk (`<localfs root>/.callfs/s3/`). An entry exists before the first byte is
// sent and names the object key (and, once begun, the multipart upload id: s3rver cannot list
// pending uploads, so only this record finds an abandoned one); prepare adds the generation
// and the write it replaces. Start-up recovery reads the entries to finish or undo each write.
import { mkdir, open, readFile, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDir } from '../fs-calls.js';
import { isWriteId } from './keys.js';

export interface S3JournalEntry {
  path: string;
  /** The write id: the object's key is derived from it. */
  write: string;
  /** The multipart upload in progress, until it completes. */
  upload?: string;
  /** Set by prepare: the generation etcd is about to name. */
  gen?: number;
  /** Set by prepare: the write id of the generation this one replaces (deleted after commit). */
  replaces?: string;
}

const SUFFIX = '.json';

export class S3Journal {
  constructor(readonly dir: string) {}

  async open(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
  }

  private fileOf(write: string): string {
    return join(this.dir, write + SUFFIX);
  }

  /** Writes (or rewrites) an entry durably: a temp file, fsync, rename, fsync of the folder. */
  async put(entry: S3JournalEntry): Promise<void> {
    const file = this.fileOf(entry.write);
    const temp = `${file}.new`;
    const handle = await open(temp, 'w');
    try {
      await handle.writeFile(JSON.stringify(entry));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
    await fsyncDir(this.dir);
  }

  async remove(write: string): Promise<void> {
    await rm(this.fileOf(write), { force: true });
    await rm(`${this.fileOf(write)}.new`, { force: true });
  }

  /** Every entry, oldest name first; an unreadable one comes back as `{ id, entry: null }`. */
  async list(): Promise<Array<{ id: string; entry: S3JournalEntry | null }>> {
    const names = (await readdir(this.dir)).filter((n) => n.endsWith(SUFFIX)).sort();
    const out: Array<{ id: string; entry: S3JournalEntry | null }> = [];
    for (const name of names) {
      const id = name.slice(0, -SUFFIX.length);
      out.push({ id, entry: await readEntry(join(this.dir, name), id) });
    }
    return out;
  }

  /** Moves an entry aside (to `<dir>/quarantine/`) with the reason, for an operator. */
  async setAside(id: string, reason: string): Promise<string> {
    const dir = join(this.dir, 'quarantine');
    await mkdir(dir, { recursive: true });
    await rename(join(this.dir, id + SUFFIX), join(dir, id + SUFFIX)).catch(() => undefined);
    const handle = await open(join(dir, `${id}.reason`), 'w');
    try {
      await handle.writeFile(reason);
    } finally {
      await handle.close();
    }
    return dir;
  }

  /** The entries set aside so far: id and reason. */
  async setAsideEntries(): Promise<Array<{ id: string; reason: string; dir: string }>> {
    const dir = join(this.dir, 'quarantine');
    let names: string[];
    try {
      names = (await readdir(dir)).filter((n) => n.endsWith('.reason')).sort();
    } catch {
      return [];
    }
    const out = [];
    for (const name of names) {
      const reason = await readFile(join(dir, name), 'utf8').catch(() => 'unreadable reason');
      out.push({ id: name.slice(0, -'.reason'.length), reason, dir });
    }
    return out;
  }
}

async function readEntry(file: string, id: string): Promise<S3JournalEntry | null> {
  try {
    const v = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    if (typeof v !== 'object' || v === null) return null;
    if (typeof v.path !== 'string' || v.write !== id || !isWriteId(id)) return null;
    if (v.upload !== undefined && typeof v.upload !== 'string') return null;
    if (v.gen !== undefined && !Number.isSafeInteger(v.gen)) return null;
    if (v.replaces !== undefined && (typeof v.replaces !== 'string' || !isWriteId(v.replaces))) {
      return null;
    }
    return v as unknown as S3JournalEntry;
  } catch {
    return null;
  }
}
