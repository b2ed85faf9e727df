// What tests observe results with: the SHA-256 of bytes (transfers are compared by it), the
// bytes a stream carries, the error a promise rejects with, and the temp files a node left.
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { expect } from 'chai';

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export async function readStream(body: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of body) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

/** The error a promise rejects with; fails the test when it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  expect.fail('expected the promise to reject');
}

/**
 * The files in a localfs root's temp folder, without the readiness probe the node writes there
 * every second (open, write, fsync, remove: on a loaded machine it can sit there a while).
 */
export async function tempFiles(root: string): Promise<string[]> {
  const names = await readdir(join(root, '.callfs', 'tmp'));
  return names.filter((n) => !n.endsWith('.probe'));
}
