// File operations on a raw descriptor, each one callback call of node:fs behind one promise.
// A FileHandle (node:fs/promises) is an EventEmitter with its own close bookkeeping and a
// native object tracked by the GC: for a small GET, which opens, fstats, reads and closes one
// file per request, that bookkeeping cost more than the system calls.
import { close, fstat, open, read, type Stats } from 'node:fs';

export function openFd(path: string, flags: number): Promise<number> {
  return new Promise((resolve, reject) => {
    open(path, flags, (err, fd) => (err ? reject(err) : resolve(fd)));
  });
}

export function fstatFd(fd: number): Promise<Stats> {
  return new Promise((resolve, reject) => {
    fstat(fd, (err, stats) => (err ? reject(err) : resolve(stats)));
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

export function closeFd(fd: number): Promise<void> {
  return new Promise((resolve, reject) => {
    close(fd, (err) => (err ? reject(err) : resolve()));
  });
}
