// The file-system calls of a small write's hot path (make a part durable, rename it, fsync a
// directory), through Node's callback API with one promise per step. Each fs.promises call
// allocates a promise-backed request with its own stats array, and open a FileHandle; under
// 64 concurrent creates on two cores those allocations and hand-offs were a measurable part
// of a create's CPU. A descriptor is closed after its fsync, and a directory opened for its
// fsync, on the calling thread: neither writes anything, and each saves a trip through the
// thread pool and its queue behind the fsyncs.
import { closeSync, constants, fchmod, fsync, open, openSync, rename, write } from 'node:fs';
import { errnoCode } from './localfs-limits.js';

/** Closes `fd`; the first failure of a step and the close wins. */
function closeAfter(fd: number, failure: Error | null): Error | null {
  try {
    closeSync(fd);
  } catch (err) {
    return failure ?? (err as Error);
  }
  return failure;
}

/**
 * Creates `path` (which must not exist) holding `data`, durable once this resolves: open
 * exclusively with `mode`, fchmod when the umask would mask `mode`, write, fsync, close. On a
 * failure the descriptor is closed and the partial file left for the caller to remove.
 */
export function writeNewFile(
  path: string,
  data: Buffer,
  mode: number,
  chmod: boolean,
): Promise<void> {
  return new Promise((resolve, reject) => {
    open(path, 'wx', mode, (openErr, fd) => {
      if (openErr) {
        reject(openErr);
        return;
      }
      const finish = (err: Error | null): void => {
        const failure = closeAfter(fd, err);
        if (failure) reject(failure);
        else resolve();
      };
      const writeFrom = (offset: number): void => {
        if (offset >= data.length) {
          fsync(fd, finish);
          return;
        }
        write(fd, data, offset, data.length - offset, offset, (err, written) => {
          if (err) finish(err);
          else if (written === 0) finish(new Error(`write to ${path} made no progress`));
          else writeFrom(offset + written);
        });
      };
      if (chmod) fchmod(fd, mode, (err) => (err ? finish(err) : writeFrom(0)));
      else writeFrom(0);
    });
  });
}

export function renamePath(from: string, to: string): Promise<void> {
  return new Promise((resolve, reject) => {
    rename(from, to, (err) => (err ? reject(err) : resolve()));
  });
}

/** Makes the entries of `dir` durable. */
export function fsyncDir(dir: string): Promise<void> {
  let fd: number;
  try {
    fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  } catch (err) {
    return Promise.reject(err as Error);
  }
  return new Promise((resolve, reject) => {
    fsync(fd, (err) => {
      // Some filesystems cannot fsync a directory; their renames are as durable as they get.
      const failure = closeAfter(fd, err && errnoCode(err) !== 'EINVAL' ? err : null);
      if (failure) reject(failure);
      else resolve();
    });
  });
}
