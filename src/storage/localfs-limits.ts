// What the localfs root's filesystem allows: its PATH_MAX/NAME_MAX, whether the umask leaves
// new files at FILE_MODE, and the longest API path a root would hold (for `callfs config
// validate`). How changes are made durable is in fs-calls.ts.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { open, realpath, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { FILE_MODE } from '../files/info.js';

/** Transient files in the tmp folder (start-up and readiness probes); recovery removes any. */
export const PROBE_SUFFIX = '.probe';

/** Linux's limits, used when `getconf` cannot tell the root filesystem's own. */
const DEFAULT_PATH_MAX = 4096;
const DEFAULT_NAME_MAX = 255;

export interface DiskLimits {
  /** Bytes of a whole absolute path, its terminating NUL included (as `pathconf` reports). */
  pathMax: number;
  /** Bytes of one name. */
  nameMax: number;
}

/** `pathconf(dir, name)` through getconf (Node has no binding); `fallback` when unknown. */
function pathconf(dir: string, name: string, fallback: number): Promise<number> {
  return new Promise((resolve) => {
    execFile('getconf', [name, dir], { timeout: 5000 }, (err, stdout) => {
      const value = Number.parseInt(String(stdout).trim(), 10);
      resolve(!err && Number.isSafeInteger(value) && value > 0 ? value : fallback);
    });
  });
}

export function errnoCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | null)?.code;
}

/**
 * Whether a failed lstat/stat says the path cannot exist (nothing there, a file where a
 * folder would be, a name longer than the filesystem allows). Any other failure (EIO, EMFILE,
 * EACCES...) says nothing about the file, so callers must not read it as "absent": a directory
 * move's disk step would take a file it could not see for one already moved.
 */
export function isAbsent(err: unknown): boolean {
  const code = errnoCode(err);
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'ENAMETOOLONG';
}

/** The limits of the filesystem holding `dir`, except those `given`. */
export async function diskLimits(dir: string, given?: Partial<DiskLimits>): Promise<DiskLimits> {
  return {
    pathMax: given?.pathMax ?? (await pathconf(dir, 'PATH_MAX', DEFAULT_PATH_MAX)),
    nameMax: given?.nameMax ?? (await pathconf(dir, 'NAME_MAX', DEFAULT_NAME_MAX)),
  };
}

/** Whether a file created in `dir` with FILE_MODE gets exactly FILE_MODE under this umask. */
export async function createsExactMode(dir: string): Promise<boolean> {
  const probe = join(dir, randomBytes(8).toString('hex') + PROBE_SUFFIX);
  try {
    const handle = await open(probe, 'wx', FILE_MODE);
    try {
      return ((await handle.stat()).mode & 0o7777) === FILE_MODE;
    } finally {
      await handle.close();
    }
  } catch {
    return false;
  } finally {
    await rm(probe, { force: true }).catch(() => undefined);
  }
}

/**
 * The longest API path a root would hold, without creating it (for `callfs config validate`):
 * limits are read on its nearest existing ancestor, symlinks there resolved.
 */
export async function storableLimits(
  root: string,
): Promise<DiskLimits & { root: string; maxPathBytes: number }> {
  let existing = resolve(root);
  const missing: string[] = [];
  for (;;) {
    try {
      existing = await realpath(existing);
      break;
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT' || dirname(existing) === existing) throw err;
      missing.unshift(basename(existing));
      existing = dirname(existing);
    }
  }
  const real = join(existing, ...missing);
  const { pathMax, nameMax } = await diskLimits(existing);
  const maxPathBytes = Math.max(0, pathMax - 1 - Buffer.byteLength(real, 'utf8'));
  return { root: real, pathMax, nameMax, maxPathBytes };
}
