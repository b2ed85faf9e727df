// The localfs storage backend: each file is a real file at its API path under the node's root
// (`/a/b.txt` → `<root>/a/b.txt`), so operators read it with ordinary tools and an existing
// data root can be adopted. Writes are staged and journaled in `<root>/.callfs/tmp/` on the
// same filesystem, so a commit is one rename and a crash never exposes half a file.
import { randomBytes } from 'node:crypto';
import { closeSync, constants, fstatSync } from 'node:fs';
import { lstat, mkdir, open, readdir, rename, rm, unlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Readable, addAbortSignal } from 'node:stream';
import { InternalError, InvalidPathError, NotFoundError } from '../files/errors.js';
import type {
  IsCurrent,
  OpenedFile,
  PathStorage,
  QuarantinedEntry,
  RecoveryReport,
  SetAsideNote,
  SpanSelector,
  FileRef,
  TempFile,
} from '../files/ports.js';
import { wholeBody } from '../files/whole-body.js';
import { directBody } from './direct-send.js';
import { openFd, readFd } from './raw-fd.js';
import { DiskRoot } from './localfs-disk.js';
import { fsyncDir } from './fs-calls.js';
import { type DiskLimits, errnoCode, isAbsent, PROBE_SUFFIX } from './localfs-limits.js';
import { LocalfsTemp } from './localfs-temp.js';
import { INTERNAL_DIR } from './paths.js';
import { noteSetAside, quarantinedEntries, recoverJournal } from './localfs-recovery.js';

/** Large reads: fewer, bigger chunks keep the gRPC and HTTP paths near their fast case. */
const READ_CHUNK_BYTES = 1024 * 1024;

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

/** Spans up to this size are read into one buffer when opened (WholeBody). */
const WHOLE_READ_BYTES = 64 * 1024;

/** `length` bytes from `start`; fewer (the file shrank below its fstat size) is an error. */
async function readSpan(fd: number, start: number, length: number): Promise<Buffer> {
  const bytes = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const bytesRead = await readFd(fd, bytes, got, length - got, start + got);
    if (bytesRead === 0) throw new InternalError('the file ended before its announced size');
    got += bytesRead;
  }
  return bytes;
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
    // A raw descriptor first: most files served are small, and for them it is opened, fstat'ed,
    // read whole and closed here (raw-fd.ts). A larger span is served by a stream over a
    // FileHandle, opened again: a stream's reads can outlive this call, and a FileHandle
    // refuses them once closed, where a raw descriptor's number may already name another file.
    // Only the open and the read go to libuv's pool, as they may wait for the disk. The fstat
    // and the close of an open read-only descriptor never do on a local filesystem (its inode
    // is in memory, nothing is written back): a trip through the pool for each cost more than
    // the call, and on two cores the pool's wake-ups took the event loop's CPU.
    const fd = await this.openChecked(path, openFd);
    let whole: OpenedFile | null;
    try {
      whole = await this.readWhole(fd, path, select);
    } finally {
      closeSync(fd);
    }
    return whole ?? this.openStream(path, signal, select);
  }

  /**
   * Opens the file at `path` read-only with `opener`, refusing a symbolic link as the file
   * (NOFOLLOW) and never waiting on a FIFO (NONBLOCK). A link on the way is followed; where
   * it led is checked once the file is open (`checkOpened`).
   */
  private async openChecked<T>(path: string, opener: (p: string, f: number) => Promise<T>) {
    try {
      return await opener(
        this.disk.pathOf(path),
        constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK,
      );
    } catch (err) {
      const code = errnoCode(err);
      if (code === 'ELOOP') throw new InvalidPathError(`${path} is a symbolic link on disk`);
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        throw new NotFoundError(`${path} not found`, { cause: err });
      }
      throw err;
    }
  }

  /** Refuses an opened file outside the root or in its internal folder (localfs-disk.ts). */
  private async checkOpened(fd: number, path: string): Promise<void> {
    if (this.disk.containsOpened(fd, path)) return;
    const parent = await this.disk.existingParent(path);
    if (parent === null) throw new NotFoundError(`${path} not found`);
  }

  /**
   * The span of the open file `fd` when it is small enough to be read at once (WholeBody),
   * or null: the caller then streams it. Bounded by the fstat size, so the bytes served always
   * match the size reported; a range is read from its offset, never through the bytes before.
   */
  private async readWhole(
    fd: number,
    path: string,
    select?: SpanSelector,
  ): Promise<OpenedFile | null> {
    await this.checkOpened(fd, path);
    const info = fstatSync(fd);
    if (!info.isFile()) throw new NotFoundError(`${path} is not a regular file on disk`);
    const span = select?.(info.size) ?? { start: 0, end: info.size - 1 };
    const length = span.end - span.start + 1;
    if (length > WHOLE_READ_BYTES) return null;
    const body = length <= 0 ? emptyBody() : wholeBody(await readSpan(fd, span.start, length));
    return { size: info.size, mtimeMs: info.mtimeMs, body };
  }

  /** A large span as a stream that can also send itself (direct-send.ts). */
  private async openStream(
    path: string,
    signal?: AbortSignal,
    select?: SpanSelector,
  ): Promise<OpenedFile> {
    const handle = await this.openChecked(path, open);
    let body: Readable;
    let size: number;
    let mtimeMs: number;
    try {
      await this.checkOpened(handle.fd, path);
      const info = await handle.stat();
      if (!info.isFile()) throw new NotFoundError(`${path} is not a regular file on disk`);
      ({ size, mtimeMs } = info);
      // The file may have changed since the first open: its span is chosen again.
      const span = select?.(size) ?? { start: 0, end: size - 1 };
      const length = span.end - span.start + 1;
      if (length <= 0) {
        await handle.close();
        return { size, mtimeMs, body: emptyBody() };
      }
      // Big chunks for the gRPC and HTTP paths; a 1 MiB buffer for a small span would make
      // it ~3× slower (TOOLCHAIN.md).
      const chunk = Math.min(READ_CHUNK_BYTES, Math.max(WHOLE_READ_BYTES, length));
      body = directBody(
        handle.createReadStream({ start: span.start, end: span.end, highWaterMark: chunk }),
        handle,
        span.start,
        span.end,
        chunk,
      );
    } catch (err) {
      await handle.close();
      throw err;
    }
    if (signal) addAbortSignal(signal, body);
    // An abort (the client went away) errors the stream; with nobody reading it yet, an
    // unheard 'error' would crash the process. Readers still get the error themselves.
    body.on('error', () => undefined);
    return { size, mtimeMs, body };
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
    const info = await lstat(join(parent, basename(this.disk.pathOf(path)))).catch((err) => {
      if (isAbsent(err)) return null;
      throw err;
    });
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

  async quarantine(path: string, note?: SetAsideNote): Promise<string> {
    const parent = await this.disk.existingParent(path);
    if (parent === null) throw new NotFoundError(`${path} not found on disk`);
    const source = join(parent, basename(this.disk.pathOf(path)));
    const id = `${Date.now()}-${randomId()}`;
    const dest = join(this.disk.root, INTERNAL_DIR, 'lost+found', id);
    await mkdir(dest, { recursive: true });
    const target = join(dest, basename(source));
    await rename(source, target);
    await this.disk.pruneEmptyDirs(parent);
    if (note) {
      const { kind, reason } = note;
      await noteSetAside(this.disk, { kind, id, path: note.path ?? path, reason, keptAt: target });
    }
    return target;
  }

  recover(isCurrent: IsCurrent): Promise<RecoveryReport> {
    return recoverJournal(this.disk, isCurrent);
  }

  quarantinedEntries(): Promise<QuarantinedEntry[]> {
    return quarantinedEntries(this.disk);
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

export async function createLocalfsStorage(options: LocalfsOptions): Promise<LocalfsStorage> {
  return new LocalfsStorage(await DiskRoot.open(options.root, options.limits));
}
