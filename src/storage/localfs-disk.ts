// The localfs backend's view of its root directory: maps API paths to real paths, keeps every
// disk operation inside the root (and out of its internal folder) even through symlinks, puts
// staged files in place, and fsyncs the directories a change touched so it survives a crash.
import { constants } from 'node:fs';
import { lstat, mkdir, open, readdir, realpath, rename, rmdir, stat } from 'node:fs/promises';
import { basename, dirname, join, sep } from 'node:path';
import { InternalError, InvalidPathError } from '../files/errors.js';
import { DirSyncs } from './dir-syncs.js';
import { INTERNAL_DIR, pathSegments } from './paths.js';

export function errnoCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | null)?.code;
}

export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await handle.sync();
  } catch (err) {
    // Some filesystems cannot fsync a directory; their renames are as durable as they get.
    if (errnoCode(err) !== 'EINVAL') throw err;
  } finally {
    await handle.close();
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
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

export class DiskRoot {
  private readonly rootPrefix: string;
  private readonly internalDir: string;
  private readonly syncs = new DirSyncs(fsyncDir);

  private constructor(
    /** The root's real path: every containment check compares real paths with it. */
    readonly root: string,
    readonly tmpDir: string,
  ) {
    this.rootPrefix = root.endsWith(sep) ? root : root + sep;
    this.internalDir = join(root, INTERNAL_DIR);
  }

  static async open(root: string): Promise<DiskRoot> {
    await mkdir(root, { recursive: true });
    const real = await realpath(root);
    const tmpDir = join(real, INTERNAL_DIR, 'tmp');
    await mkdir(tmpDir, { recursive: true });
    // Temps must be renamed within one filesystem and under the root, so no symlink here.
    if ((await realpath(tmpDir)) !== tmpDir) {
      throw new InternalError(`${tmpDir} must be a plain directory, not a symbolic link`);
    }
    return new DiskRoot(real, tmpDir);
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
      const code = errnoCode(err);
      if (code === 'ENOENT' || code === 'ENOTDIR') return null;
      throw err;
    }
    this.assertContained(real, apiPath);
    return real;
  }

  /** Fails early, before any byte flows, when a path's existing ancestors leave the root. */
  async checkWritablePath(apiPath: string): Promise<void> {
    const { real } = await this.resolveExisting(dirname(this.pathOf(apiPath)));
    this.assertContained(real, apiPath);
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
    const { parent, created } = await this.ensureParent(apiPath);
    const target = join(parent, basename(this.pathOf(apiPath)));
    await this.clearWay(target, apiPath);
    await rename(part, target);
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
        await mkdir(dir);
        created.push(dir);
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
