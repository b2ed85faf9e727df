// The bench's test data: a deterministic, cheap stream of 1 MiB blocks (one pseudo-random block
// repeated, its first 8 bytes replaced by the block number), so an upload client and the bench
// can both produce the same bytes and the bench can know their SHA-256 without storing them.
import { createHash } from 'node:crypto';

export const BLOCK = 1024 * 1024;

/** One 1 MiB block from a fixed xorshift32 seed: incompressible enough, and instant to make. */
function baseBlock(): Buffer {
  const words = new Uint32Array(BLOCK / 4);
  let x = 0x9e3779b9;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    words[i] = x;
  }
  return Buffer.from(words.buffer);
}

/** The first `bytes` bytes of the stream, as fresh buffers (a queued buffer is never reused). */
export function* blocks(bytes: number): Generator<Buffer> {
  const base = baseBlock();
  let sent = 0;
  for (let i = 0; sent < bytes; i++) {
    const n = Math.min(BLOCK, bytes - sent);
    const b = Buffer.allocUnsafe(n);
    base.copy(b, 0, 0, n);
    if (n >= 8) b.writeBigUInt64BE(BigInt(i), 0);
    sent += n;
    yield b;
  }
}

/** SHA-256 (hex) of the first `bytes` bytes of the stream. */
export function expectedSha256(bytes: number): string {
  const h = createHash('sha256');
  for (const b of blocks(bytes)) h.update(b);
  return h.digest('hex');
}
