// The localfs backend's view of its root directory: maps API paths to real paths, keeps every
// disk operation inside the root (and out of its internal folder) even through symlinks, decides
// whether a path can hold a file at all (its length against PATH_MAX/NAME_MAX, and nothing
// foreign in the way), puts staged files in place, and fsyncs the directories a change touched
// so it survives a crash.
import { lstatSync, readlinkSync } from 'node:fs';
import { chmod, lstat, mkdir, readdir, realpath, rmdir, stat } from 'node:fs/promises';
import { basename, dirname, join, sep } from 'node:path';
import { InternalError, InvalidPathError, ParentNotADirectoryError } from '../files/errors.js';
import { DIR_MODE } from '../files/info.js';
import { DirSyncs } from './dir-syncs.js';
import {
  createsExactMode,
  diskLimits,
  type DiskLimits,
  errnoCode,
  isAbsent,
} from './localfs-limits.js';
import { fsyncDir, renamePath } from './fs-calls.js';
import { INTERNAL_DIR, pathSegments } from './paths.js';

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

/** True when a directory holds nothing but (nested) empty directories. */
async function isEmptyTree(dir: string): Promise<boolean> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || !(await isEmptyTree(join(dir, entry.name)))) return false;
  }
  return true;
}

/** Removes a directory holding nothing but (nested) empty directories; false if it holds more. */
async function removeEmptyTree(dir: string): Promise<boolean> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || !(await removeEmptyTree(join(dir, entry.name)))) return false;
  }
  try {
    await rmdir(dir);
    return true;
  } catch (err) {
    if (errnoCode(err) === 'ENOTEMPTY' || errnoCode(err) === 'EEXIST') return false;
    throw err;
  }
}

/** The API path of the first `i + 1` segments, for an error message. */
function shown(segments: string[], i: number): string {
  return '/' + segments.slice(0, i + 1).join('/');
}

/** What checkTarget saw: how many leading segments are directories, and what the last one is. */
export interface TargetWalk {
  dirs: number;
  target: 'absent' | 'file' | 'empty-dir';
}

export class DiskRoot {
  private readonly rootPrefix: string;
  private readonly internalDir: string;
  private readonly syncs = new DirSyncs(fsyncDir);

  /** The longest API path a file can have here: the root's real path takes the rest. */
  readonly maxPathBytes: number;

  private constructor(
    /** The root's real path: every containment check compares real paths with it. */
    readonly root: string,
    readonly tmpDir: string,
    readonly limits: DiskLimits,
    /**
     * Files created with FILE_MODE get exactly that mode (the process umask leaves it alone),
     * so a new file needs no fchmod. Read once at start-up: nothing here changes the umask.
     */
    readonly exactFileMode = false,
  ) {
    this.rootPrefix = root.endsWith(sep) ? root : root + sep;
    this.internalDir = join(root, INTERNAL_DIR);
    // `<root><path>` and its NUL must fit PATH_MAX. Temps and the quarantine live under the
    // root with fixed-length names, so the final path is always the longest one.
    this.maxPathBytes = Math.max(0, limits.pathMax - 1 - Buffer.byteLength(root, 'utf8'));
  }

  static async open(root: string, limits?: Partial<DiskLimits>): Promise<DiskRoot> {
    await mkdir(root, { recursive: true });
    const real = await realpath(root);
    const tmpDir = join(real, INTERNAL_DIR, 'tmp');
    await mkdir(tmpDir, { recursive: true });
    // Temps must be renamed within one filesystem and under the root, so no symlink here.
    if ((await realpath(tmpDir)) !== tmpDir) {
      throw new InternalError(`${tmpDir} must be a plain directory, not a symbolic link`);
    }
    return new DiskRoot(
      real,
      tmpDir,
      await diskLimits(real, limits),
      await createsExactMode(tmpDir),
    );
  }

  /** InvalidPathError naming the limit when `apiPath` is too long for this disk. */
  checkLength(apiPath: string): void {
    const segments = pathSegments(apiPath);
    const bytes = Buffer.byteLength(apiPath, 'utf8');
    if (bytes > this.maxPathBytes) {
      throw new InvalidPathError(
        `path is ${bytes} bytes; this node's storage holds paths of at most ` +
          `${this.maxPathBytes} bytes (PATH_MAX ${this.limits.pathMax} less its storage root)`,
      );
    }
    for (const segment of segments) {
      const length = Buffer.byteLength(segment, 'utf8');
      if (length > this.limits.nameMax) {
        throw new InvalidPathError(
          `a path segment is ${length} bytes; this node's storage holds names of at most ` +
            `${this.limits.nameMax} bytes (NAME_MAX)`,
        );
      }
    }
  }

  /**
   * Refuses a path this backend cannot put a file at without touching something it did not
   * make: a symbolic link as the file or on the way to it (even one that stays inside the
   * root: a rename through it would land elsewhere), a file where a directory goes
   * (ParentNotADirectoryError, as the namespace answers), or a FIFO,
   * socket, device or non-empty directory where the file goes. Walks with lstat, following
   * nothing. An empty directory tree is fine: it gives way at commit. Returns what the walk
   * found, so a caller need not look again.
   *
   * The walk runs on the calling thread (lstatSync, an absent name answered without an
   * exception): it is two per write (before the write and again at the rename), and each
   * lstat through the thread pool cost ~40 µs of CPU, a promise, an Error with its stack for
   * the absent target and a wait behind the fsyncs queued there, where the syscall on a cached
   * directory entry costs a few µs. An lstat takes no journal lock, so it waits for the disk
   * only for a directory not in the cache.
   */
  async checkTarget(apiPath: string): Promise<TargetWalk> {
    this.checkLength(apiPath);
    const segments = pathSegments(apiPath);
    let dir = this.root;
    for (let i = 0; i < segments.length; i++) {
      const current = join(dir, segments[i]);
      const info = lstatSync(current, { throwIfNoEntry: false });
      if (info === undefined) return { dirs: i, target: 'absent' };
      const last = i === segments.length - 1;
      if (info.isSymbolicLink()) {
        throw new InvalidPathError(`${shown(segments, i)} is a symbolic link on this node's disk`);
      }
      if (!last) {
        if (info.isFile()) {
          // The same answer the namespace gives when a parent is a file.
          throw new ParentNotADirectoryError(`${shown(segments, i)} is a file on this node's disk`);
        }
        if (!info.isDirectory()) {
          throw new InvalidPathError(
            `${shown(segments, i)} is not a directory on this node's disk`,
          );
        }
      } else if (info.isDirectory()) {
        if (!(await isEmptyTree(current))) {
          throw new InvalidPathError(
            `${shown(segments, i)} is a non-empty directory on this node's disk`,
          );
        }
        return { dirs: i, target: 'empty-dir' };
      } else if (!info.isFile()) {
        throw new InvalidPathError(
          `${shown(segments, i)} is not a regular file on this node's disk`,
        );
      }
      dir = current;
    }
    return { dirs: segments.length - 1, target: 'file' };
  }

  /** Makes the entries of `dir` durable; concurrent callers share fsyncs (dir-syncs.ts). */
  syncDir(dir: string): Promise<void> {
    return this.syncs.sync(dir);
  }

  /** Where an API path lives under the root, before any symlink is resolved. */
  pathOf(apiPath: string): string {
    return join(this.root, ...pathSegments(apiPath));
  }

  /** Refuses a real path outside the root or inside its internal folder. */
  assertContained(real: string, apiPath: string): void {
    const inRoot = real === this.root || real.startsWith(this.rootPrefix);
    const internal = real === this.internalDir || real.startsWith(this.internalDir + sep);
    if (!inRoot || internal) {
      throw new InvalidPathError(`${apiPath} resolves outside the storage root`);
    }
  }

  /**
   * The real path of the deepest existing ancestor-or-self of `path`, plus the names below it
   * that do not exist yet. A file in the middle of the path ends the walk like a missing name.
   */
  async resolveExisting(path: string): Promise<{ real: string; missing: string[] }> {
    const missing: string[] = [];
    let current = path;
    for (;;) {
      try {
        return { real: await realpath(current), missing };
      } catch (err) {
        const code = errnoCode(err);
        if ((code !== 'ENOENT' && code !== 'ENOTDIR') || current === this.root) throw err;
        missing.unshift(basename(current));
        current = dirname(current);
      }
    }
  }

  /** The real parent directory of an existing file's path, or null when it is missing. */
  async existingParent(apiPath: string): Promise<string | null> {
    let real: string;
    try {
      real = await realpath(dirname(this.pathOf(apiPath)));
    } catch (err) {
      if (isAbsent(err)) return null;
      throw err;
    }
    this.assertContained(real, apiPath);
    return real;
  }

  /**
   * Refuses a file opened at `apiPath` whose real path is outside the root or inside its
   * internal folder, read from the descriptor itself (`/proc/self/fd`, Linux). Equally safe as
   * resolving the parent with realpath before opening (the open follows no symbolic link as
   * the file itself, and one on the way is resolved into the path read here), and tighter: it
   * names the file actually opened, so a directory swapped for a link between a check and the
   * open cannot slip by. It costs one procfs readlink on this thread instead of realpath's
   * lstat per path component on a thread-pool hop. False when /proc is not there: the caller
   * then resolves the parent with realpath.
   */
  containsOpened(fd: number, apiPath: string): boolean {
    let real: string;
    try {
      // Sync: procfs answers from memory, never from the disk; a hop to the pool costs more.
      real = readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      return false;
    }
    // A file renamed over since it was opened reads as "<path> (deleted)": still its place.
    this.assertContained(real, apiPath);
    return true;
  }

  /**
   * Fails early, before any byte flows, when a path cannot hold a file or leaves the root. The
   * walk saw every existing ancestor as a plain directory (no symbolic link) under the real
   * root, outside the internal folder (pathSegments refuses it), so no realpath is needed.
   */
  async checkWritablePath(apiPath: string): Promise<void> {
    await this.checkTarget(apiPath);
  }

  /** Renames a staged part to the file at `apiPath`, creating its disk parents. */
  async place(part: string, apiPath: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.placeOnce(part, apiPath);
        return;
      } catch (err) {
        // remove() of a sibling may prune a parent directory we have just created.
        if (errnoCode(err) !== 'ENOENT' || attempt >= 3 || !(await exists(part))) throw err;
      }
    }
  }

  /** Removes now-empty directories from `dir` up to, not including, the root. */
  async pruneEmptyDirs(dir: string): Promise<void> {
    let current = dir;
    while (current !== this.root && current.startsWith(this.rootPrefix)) {
      try {
        await rmdir(current);
      } catch {
        return;
      }
      current = dirname(current);
    }
  }

  private async placeOnce(part: string, apiPath: string): Promise<void> {
    // Again at rename time: something foreign may have appeared since the write was decided.
    const walk = await this.checkTarget(apiPath);
    const file = this.pathOf(apiPath);
    // Every ancestor exists as a plain directory under the real root: the path is its own
    // real path. Only missing ones take the slower way that makes them.
    const { parent, created } =
      walk.dirs === pathSegments(apiPath).length - 1
        ? { parent: dirname(file), created: [] }
        : await this.ensureParent(apiPath);
    const target = join(parent, basename(file));
    if (walk.target === 'empty-dir') await this.clearWay(target, apiPath);
    await renamePath(part, target);
    const touched = new Set([...created.map((dir) => dirname(dir)), parent]);
    for (const dir of touched) await this.syncDir(dir);
  }

  /** mkdir -p of a file's parent, on real paths only; returns it and the directories made. */
  private async ensureParent(apiPath: string): Promise<{ parent: string; created: string[] }> {
    const { real, missing } = await this.resolveExisting(dirname(this.pathOf(apiPath)));
    this.assertContained(real, apiPath);
    if (!(await stat(real)).isDirectory()) {
      throw new InternalError(`cannot write ${apiPath}: ${real} is a file on disk`);
    }
    let dir = real;
    const created: string[] = [];
    for (const name of missing) {
      dir = join(dir, name);
      try {
        await mkdir(dir, DIR_MODE);
        created.push(dir);
        // mkdir's mode is masked by the process umask; the directory's mode is the one the
        // API reports, so files stay readable with ordinary tools under any umask.
        await chmod(dir, DIR_MODE);
      } catch (err) {
        if (errnoCode(err) !== 'EEXIST') throw err;
        if (!(await lstat(dir)).isDirectory()) {
          throw new InternalError(`cannot write ${apiPath}: ${dir} is not a directory on disk`);
        }
      }
    }
    return { parent: dir, created };
  }

  /** Empty directories left on disk that the namespace no longer knows give way to a file. */
  private async clearWay(target: string, apiPath: string): Promise<void> {
    let info;
    try {
      info = await lstat(target);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return;
      throw err;
    }
    if (info.isSymbolicLink()) {
      throw new InvalidPathError(`${apiPath} is a symbolic link on disk`);
    }
    if (info.isDirectory() && !(await removeEmptyTree(target))) {
      throw new InternalError(`cannot write ${apiPath}: a non-empty directory is in the way`);
    }
  }
}
