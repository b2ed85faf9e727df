// What tests observe results with: the SHA-256 of bytes (transfers are compared by it), the
// bytes a stream carries, and the error a promise rejects with.
import { createHash } from 'node:crypto';
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
