// The localfs storage backend: each file is a real file at its API path under the node's root
// (`/a/b.txt` → `<root>/a/b.txt`), so operators read it with ordinary tools and an existing
// data root can be adopted. Writes are staged and journaled in `<root>/.callfs/tmp/` on the
// same filesystem, so a commit is one rename and a crash never exposes half a file.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import {
  lstat,
  mkdir,
  open,
  readFile,
  readdir,
  rename,
  rm,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Readable, addAbortSignal } from 'node:stream';
import { CallfsError, InternalError, InvalidPathError, NotFoundError } from '../files/errors.js';
import type {
  IsCurrent,
  OpenedFile,
  PathStorage,
  QuarantinedEntry,
  RecoveryReport,
  SpanSelector,
  FileRef,
  TempFile,
} from '../files/ports.js';
import { DiskRoot, type DiskLimits, errnoCode, fsyncDir } from './localfs-disk.js';
import { JOURNAL_SUFFIX, type JournalEntry, LocalfsTemp, PART_SUFFIX } from './localfs-temp.js';
import { INTERNAL_DIR, pathSegments } from './paths.js';

/** Large reads: fewer, bigger chunks keep the gRPC and HTTP paths near their fast case. */
const READ_CHUNK_BYTES = 1024 * 1024;
const PROBE_SUFFIX = '.probe';
/** Journal entries recovery could not finish, with a `<id>.json` saying why (for fsck). */
const QUARANTINE_DIR = 'quarantine';
const REASON_SUFFIX = '.json';

export interface LocalfsOptions {
  /** The data root; created when missing. */
  root: string;
  /** Overrides the root filesystem's PATH_MAX / NAME_MAX (tests). */
  limits?: Partial<DiskLimits>;
}

/**
 * A temp file's id, which also becomes the inode's `write` id: 64 random bits are unique among
 * one node's writes of a path, and each byte saved is one less per path in etcd.
 */
function randomId(): string {
  return randomBytes(8).toString('hex');
}

function emptyBody(): Readable {
  return new Readable({
    read() {
      this.push(null);
    },
  });
}

export class LocalfsStorage implements PathStorage {
  readonly backendType = 'localfs';

  constructor(private readonly disk: DiskRoot) {}

  /** The real path of the data root. */
  get root(): string {
    return this.disk.root;
  }

  get maxPathBytes(): number {
    return this.disk.maxPathBytes;
  }

  async checkPath(path: string): Promise<void> {
    await this.disk.checkWritablePath(path);
  }

  async open(file: FileRef, signal?: AbortSignal, select?: SpanSelector): Promise<OpenedFile> {
    const path = file.path;
    signal?.throwIfAborted();
    const parent = await this.disk.existingParent(path);
    if (parent === null) throw new NotFoundError(`${path} not found`);
    const target = join(parent, basename(this.disk.pathOf(path)));
    let handle;
    try {
      // NOFOLLOW: a symlinked file could point anywhere; NONBLOCK: a FIFO must not hang us.
      handle = await open(target, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    } catch (err) {
      const code = errnoCode(err);
      if (code === 'ELOOP') throw new InvalidPathError(`${path} is a symbolic link on disk`);
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        throw new NotFoundError(`${path} not found`, { cause: err });
      }
      throw err;
    }
    try {
      const info = await handle.stat();
      if (!info.isFile()) throw new NotFoundError(`${path} is not a regular file on disk`);
      // Bounded by the fstat size so the bytes served always match the size reported; a
      // range is read from its offset, never through the bytes before it.
      const span = select?.(info.size) ?? { start: 0, end: info.size - 1 };
      const length = span.end - span.start + 1;
      let body: Readable;
      if (length <= 0) {
        await handle.close();
        body = emptyBody();
      } else {
        body = handle.createReadStream({
          start: span.start,
          end: span.end,
          // Small files get a small buffer: a 1 MiB buffer per request makes 1 KiB reads ~3×
          // slower (TOOLCHAIN.md); large ones get big chunks for the gRPC and HTTP paths.
          highWaterMark: Math.min(READ_CHUNK_BYTES, Math.max(64 * 1024, length)),
        });
      }
      if (signal) addAbortSignal(signal, body);
      // An abort (the client went away) errors the stream; with nobody reading it yet, an
      // unheard 'error' would crash the process. Readers still get the error themselves.
      body.on('error', () => undefined);
      return { size: info.size, mtimeMs: info.mtimeMs, body };
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  async createTemp(path: string): Promise<TempFile> {
    await this.disk.checkWritablePath(path);
    return new LocalfsTemp(this.disk, path, randomId());
  }

  async remove(file: FileRef): Promise<void> {
    const path = file.path;
    const parent = await this.disk.existingParent(path);
    if (parent === null) return;
    const target = join(parent, basename(this.disk.pathOf(path)));
    try {
      // Unlinking a symlink removes the link itself, never what it points to.
      await unlink(target);
      // A delete that a crash undoes would leave a file the namespace no longer knows.
      await fsyncDir(parent);
    } catch (err) {
      const code = errnoCode(err);
      if (code === 'EISDIR' || code === 'EPERM') {
        // A directory is not this file's bytes; the file is already gone.
        if (!(await lstat(target)).isDirectory()) throw err;
      } else if (code !== 'ENOENT') {
        throw err;
      }
    }
    await this.disk.pruneEmptyDirs(parent);
  }

  async rename(from: string, to: string): Promise<void> {
    const parent = await this.disk.existingParent(from);
    const source = parent === null ? null : join(parent, basename(this.disk.pathOf(from)));
    const info = source ? await lstat(source).catch(() => null) : null;
    if (!source || !parent || !info?.isFile()) throw new NotFoundError(`${from} not found on disk`);
    await this.disk.checkWritablePath(to);
    await this.disk.place(source, to);
    await fsyncDir(parent);
    await this.disk.pruneEmptyDirs(parent);
  }

  async has(path: string): Promise<boolean> {
    const parent = await this.disk.existingParent(path);
    if (parent === null) return false;
    const info = await lstat(join(parent, basename(this.disk.pathOf(path)))).catch(() => null);
    return info?.isFile() ?? false;
  }

  async *inventory(): AsyncIterable<{ path: string; size: number }> {
    // Depth-first, sorted, never following symlinks; the internal folder is not API data.
    const walk = async function* (
      dir: string,
      api: string,
    ): AsyncGenerator<{ path: string; size: number }> {
      const entries = await readdir(dir, { withFileTypes: true });
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const e of entries) {
        if (api === '' && e.name === INTERNAL_DIR) continue;
        const full = join(dir, e.name);
        const path = `${api}/${e.name}`;
        if (e.isDirectory()) yield* walk(full, path);
        else if (e.isFile()) yield { path, size: (await lstat(full)).size };
      }
    };
    yield* walk(this.disk.root, '');
  }

  async renameDir(from: string, to: string): Promise<number> {
    const parent = await this.disk.existingParent(from);
    if (parent === null) return 0;
    const source = join(parent, basename(this.disk.pathOf(from)));
    const info = await lstat(source).catch(() => null);
    if (!info?.isDirectory()) return 0;
    // File by file, so a destination that already holds files (written there while the
    // namespace moved) is merged rather than replaced.
    let moved = 0;
    const walk = async (dir: string, api: string): Promise<void> => {
      for (const e of await readdir(dir, { withFileTypes: true })) {
        const full = join(dir, e.name);
        if (e.isDirectory()) await walk(full, `${api}/${e.name}`);
        else if (e.isFile()) {
          const dest = `${api}/${e.name}`;
          // A file already at the destination that is newer was written there after the
          // namespace moved: it wins over the bytes still at the old path.
          const [src, there] = await Promise.all([
            lstat(full),
            lstat(this.disk.pathOf(dest)).catch(() => null),
          ]);
          if (there?.isFile() && there.mtimeMs >= src.mtimeMs) await rm(full, { force: true });
          else await this.disk.place(full, dest);
          moved += 1;
        }
      }
    };
    await walk(source, to);
    await rm(source, { recursive: true, force: true });
    await fsyncDir(parent);
    await this.disk.pruneEmptyDirs(parent);
    return moved;
  }

  async quarantine(path: string): Promise<string> {
    const parent = await this.disk.existingParent(path);
    if (parent === null) throw new NotFoundError(`${path} not found on disk`);
    const source = join(parent, basename(this.disk.pathOf(path)));
    const dest = join(this.disk.root, INTERNAL_DIR, 'lost+found', `${Date.now()}-${randomId()}`);
    await mkdir(dest, { recursive: true });
    const target = join(dest, basename(source));
    await rename(source, target);
    await this.disk.pruneEmptyDirs(parent);
    return target;
  }

  async recover(isCurrent: IsCurrent): Promise<RecoveryReport> {
    const tmp = this.disk.tmpDir;
    const names = (await readdir(tmp)).sort();
    const orphanParts = new Set(names.filter((name) => name.endsWith(PART_SUFFIX)));
    const report: RecoveryReport = { rolledForward: [], discarded: 0, quarantined: [] };
    const placed = new Set<string>();

    for (const name of names.filter((n) => n.endsWith(JOURNAL_SUFFIX))) {
      const id = name.slice(0, -JOURNAL_SUFFIX.length);
      const part = join(tmp, id + PART_SUFFIX);
      const hasPart = orphanParts.delete(id + PART_SUFFIX);
      const entry = await readJournal(join(tmp, name));
      if (entry === null) {
        // Not ours to judge: whatever wrote it may still be wanted by an operator.
        report.quarantined.push(
          await this.quarantineJournal(id, 'local-unreadable', undefined, 'unreadable journal'),
        );
        continue;
      }
      let rollForward: boolean;
      try {
        // Two journals naming one path cannot both be current; only the first one is placed.
        rollForward =
          hasPart &&
          !placed.has(entry.path) &&
          (await isCurrent(entry.path, entry.gen, entry.write));
      } catch (err) {
        // The metadata store could not answer: nothing may be dropped unsure, stop here. An
        // answer it can never give (a path it refuses) is this entry's problem alone.
        if (!(err instanceof CallfsError) || err.retryable) throw err;
        report.quarantined.push(
          await this.quarantineJournal(id, 'local-commit', entry.path, describe(err)),
        );
        continue;
      }
      try {
        if (rollForward) {
          await this.disk.place(part, entry.path);
          placed.add(entry.path);
          report.rolledForward.push(entry.path);
        } else if (hasPart) {
          await rm(part, { force: true });
          report.discarded += 1;
        }
        await rm(join(tmp, name), { force: true });
      } catch (err) {
        // The part may be the committed content of a file etcd names (a path too long or a
        // foreign object in the way): keep it for an operator and serve everything else.
        report.quarantined.push(
          await this.quarantineJournal(id, 'local-commit', entry.path, describe(err)),
        );
      }
    }
    for (const part of orphanParts) {
      try {
        await rm(join(tmp, part), { force: true });
        report.discarded += 1;
      } catch (err) {
        const id = part.slice(0, -PART_SUFFIX.length);
        report.quarantined.push(
          await this.quarantineJournal(id, 'local-part', undefined, describe(err)),
        );
      }
    }
    for (const probe of names.filter((n) => n.endsWith(PROBE_SUFFIX))) {
      await rm(join(tmp, probe), { force: true }).catch(() => undefined);
    }
    return report;
  }

  async quarantinedEntries(): Promise<QuarantinedEntry[]> {
    const dir = join(this.disk.root, INTERNAL_DIR, QUARANTINE_DIR);
    let names: string[];
    try {
      names = (await readdir(dir)).sort();
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return [];
      throw err;
    }
    const out: QuarantinedEntry[] = [];
    for (const name of names.filter((n) => n.endsWith(REASON_SUFFIX))) {
      try {
        out.push(JSON.parse(await readFile(join(dir, name), 'utf8')) as QuarantinedEntry);
      } catch {
        out.push({
          kind: 'local-unreadable',
          id: name.slice(0, -REASON_SUFFIX.length),
          reason: 'unreadable quarantine record',
          keptAt: dir,
        });
      }
    }
    return out;
  }

  /**
   * Moves a journal entry's files (`<id>.commit`, `<id>.part`) to `.callfs/quarantine/` with a
   * `<id>.json` saying why. When even that fails (a read-only tmp folder), they stay where
   * they are, and the next start tries again.
   */
  private async quarantineJournal(
    id: string,
    kind: string,
    path: string | undefined,
    reason: string,
  ): Promise<QuarantinedEntry> {
    const dir = join(this.disk.root, INTERNAL_DIR, QUARANTINE_DIR);
    const entry: QuarantinedEntry = { kind, id, reason, keptAt: dir };
    if (path !== undefined) entry.path = path;
    try {
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, id + REASON_SUFFIX), JSON.stringify(entry));
      for (const suffix of [JOURNAL_SUFFIX, PART_SUFFIX]) {
        try {
          await rename(join(this.disk.tmpDir, id + suffix), join(dir, id + suffix));
        } catch (err) {
          if (errnoCode(err) !== 'ENOENT') throw err;
        }
      }
      await fsyncDir(dir);
      await fsyncDir(this.disk.tmpDir);
    } catch (err) {
      entry.keptAt = this.disk.tmpDir;
      entry.reason = `${reason}; could not be moved aside: ${describe(err)}`;
    }
    return entry;
  }

  async checkWritable(): Promise<void> {
    const probe = join(this.disk.tmpDir, randomId() + PROBE_SUFFIX);
    try {
      const handle = await open(probe, 'wx');
      try {
        await handle.writeFile('probe');
        await handle.sync();
      } finally {
        await handle.close();
        await rm(probe, { force: true });
      }
    } catch (err) {
      throw new InternalError(`storage root ${this.disk.root} is not writable`, { cause: err });
    }
  }
}

/** An error as one line for an operator (the errno code first when there is one). */
function describe(err: unknown): string {
  const code = errnoCode(err);
  const message = err instanceof Error ? err.message : String(err);
  return code && !message.startsWith(code) ? `${code}: ${message}` : message;
}

/** A journal's entry, or null when it is unreadable or not one of ours. */
async function readJournal(file: string): Promise<JournalEntry | null> {
  try {
    const value: unknown = JSON.parse(await readFile(file, 'utf8'));
    if (typeof value !== 'object' || value === null) return null;
    const { path, gen, write } = value as Record<string, unknown>;
    if (typeof path !== 'string' || typeof gen !== 'number' || !Number.isSafeInteger(gen)) {
      return null;
    }
    if (write !== undefined && typeof write !== 'string') return null;
    pathSegments(path);
    return { path, gen, write };
  } catch {
    return null;
  }
}

export async function createLocalfsStorage(options: LocalfsOptions): Promise<LocalfsStorage> {
  return new LocalfsStorage(await DiskRoot.open(options.root, options.limits));
}
