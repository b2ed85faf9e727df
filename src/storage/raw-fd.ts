// File operations on a raw descriptor, each one callback call of node:fs behind one promise
// (the fstat and close of a small read are synchronous: localfs.ts says why).
// A FileHandle (node:fs/promises) is an EventEmitter with its own close bookkeeping and a
// native object tracked by the GC: for a small GET, which opens, fstats, reads and closes one
// file per request, that bookkeeping cost more than the system calls.
import { open, read } from 'node:fs';

export function openFd(path: string, flags: number): Promise<number> {
  return new Promise((resolve, reject) => {
    open(path, flags, (err, fd) => (err ? reject(err) : resolve(fd)));
  });
}

/** Reads up to `length` bytes at `position` into `buffer` at `offset`; resolves the count. */
export function readFd(
  fd: number,
  buffer: Buffer,
  offset: number,
  length: number,
  position: number,
): Promise<number> {
  return new Promise((resolve, reject) => {
    read(fd, buffer, offset, length, position, (err, bytesRead) =>
      err ? reject(err) : resolve(bytesRead),
    );
  });
}
