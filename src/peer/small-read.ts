// A small Read relayed whole: the chunks after its header joined into one buffer before the
// read returns, so the edge answers from bytes, not a stream.
import { CallfsError, InternalError } from '../files/errors.js';
import type { ReadResponse__Output } from '../generated/callfs/v1/ReadResponse.js';
import { fromGrpcError } from './status-map.js';

/** Bodies up to this size are gathered into one buffer before the read returns (WholeBody). */
export const WHOLE_RELAY_BYTES = 64 * 1024;

/**
 * The chunks of a Read after its header, joined: at most `length` bytes (more is the owner's
 * error); fewer when the owner ended early, which the reader checks against the size.
 */
export async function gather(
  messages: AsyncIterator<ReadResponse__Output>,
  length: number,
  ownerId: string,
): Promise<Buffer> {
  const parts: Buffer[] = [];
  let got = 0;
  try {
    for (;;) {
      const next = await messages.next();
      if (next.done) break;
      const chunk = next.value.chunk;
      if (!chunk) continue;
      got += chunk.length;
      if (got > length)
        throw new InternalError(`owner sent more than the ${length} bytes announced`);
      parts.push(chunk);
    }
  } catch (err) {
    throw err instanceof CallfsError ? err : fromGrpcError(err, ownerId);
  }
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts, got);
}
