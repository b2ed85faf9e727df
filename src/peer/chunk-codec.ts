// The messages that carry a file's bytes between nodes (ReadResponse, WriteRequest and
// StageFileRequest with only `bytes chunk = 2` set) are encoded and decoded here instead of by
// protobufjs, with the exact protobuf encoding (tag 0x12, varint length, the bytes), so other
// clients of proto/ see no difference. protobufjs copies every chunk into a fresh buffer to
// encode it, and grpc-js copies that again into its own framed message: with the read buffer,
// three fresh 1 MiB allocations per chunk, and on a node with a live heap the major GCs they
// set off cost more CPU than the transfer itself. An `EncodedChunk` instead writes its header
// and bytes straight into grpc-js's frame (grpc-js uses only `length`, `byteLength` and
// `copy(target, offset)` of a serialized message; anything else it tried would throw, not
// corrupt), and a chunk is decoded as a view of the received message, without a copy.
import type { PackageDefinition, MethodDefinition } from '@grpc/proto-loader';

/** Field number of `bytes chunk` in ReadResponse, WriteRequest and StageFileRequest. */
export const CHUNK_FIELD = 2;
/** Wire type 2 (length-delimited) of field 2. */
const CHUNK_TAG = (CHUNK_FIELD << 3) | 2;

function varintLength(n: number): number {
  let len = 1;
  while (n > 0x7f) {
    n = Math.floor(n / 128);
    len++;
  }
  return len;
}

/**
 * A message with only its chunk set, already in the form grpc-js asks of a serializer's
 * result. The parts are its bytes in order (no copy is made to join them); they must not
 * change until the write that carries this message has called back.
 */
export class EncodedChunk {
  /** Bytes of the encoded message (what grpc-js frames). */
  readonly length: number;
  readonly byteLength: number;
  /** Bytes of the chunk itself. */
  readonly size: number;

  constructor(private readonly parts: readonly Uint8Array[]) {
    let size = 0;
    for (const p of parts) size += p.length;
    this.size = size;
    this.length = this.byteLength = 1 + varintLength(size) + size;
  }

  /** Writes the encoded message into `target` at `targetStart`, as Buffer#copy would. */
  copy(target: Uint8Array, targetStart = 0): number {
    if (targetStart + this.length > target.length) {
      throw new RangeError(`no room for a ${this.length}-byte chunk message`);
    }
    let pos = targetStart;
    target[pos++] = CHUNK_TAG;
    let v = this.size;
    while (v > 0x7f) {
      target[pos++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    target[pos++] = v;
    for (const p of this.parts) {
      target.set(p, pos);
      pos += p.length;
    }
    return pos - targetStart;
  }

  /** The encoded message as one buffer (a copy). */
  toBuffer(): Buffer {
    const out = Buffer.allocUnsafe(this.length);
    this.copy(out);
    return out;
  }
}

/**
 * The chunk of a message whose encoding is exactly one `chunk` field, as a view of `message`;
 * undefined for any other message (those are left to protobufjs, which also handles fields
 * in any order, repeated or unknown fields).
 */
export function chunkOf(message: Buffer): Buffer | undefined {
  if (message.length < 2 || message[0] !== CHUNK_TAG) return undefined;
  let size = 0;
  let scale = 1;
  let pos = 1;
  for (;;) {
    // A length fits in 5 varint bytes (protobufjs reads lengths as uint32).
    if (pos >= message.length || pos > 5) return undefined;
    const b = message[pos++]!;
    size += (b & 0x7f) * scale;
    scale *= 128;
    if (b < 0x80) break;
  }
  if (pos + size !== message.length) return undefined;
  return message.subarray(pos);
}

type Serialize = (value: unknown) => Buffer;
type Deserialize = (bytes: Buffer) => unknown;

/** Serializes an EncodedChunk as itself, anything else with `original`. */
function serializer(original: Serialize): Serialize {
  return (value) =>
    value instanceof EncodedChunk ? (value as unknown as Buffer) : original(value);
}

/** Decodes a chunk-only message without protobufjs, in the same shape protobufjs gives. */
function deserializer(original: Deserialize): Deserialize {
  // The defaults and oneof marker of a chunk message, as the loader options produce them.
  const shape = original(Buffer.from([CHUNK_TAG, 0])) as Record<string, unknown>;
  return (bytes) => {
    const chunk = chunkOf(bytes);
    return chunk ? { ...shape, chunk } : original(bytes);
  };
}

/** Which side of a method carries chunks: the requests (client streams) or the responses. */
export type ChunkSide = 'request' | 'response';

/**
 * Gives the named methods of a loaded package definition the chunk codec on the side that
 * carries chunks, for both clients and servers made from it.
 */
export function useChunkCodec(
  definition: PackageDefinition,
  methods: Record<string, ChunkSide>,
): void {
  for (const [name, side] of Object.entries(methods)) {
    const dot = name.lastIndexOf('.');
    const service = definition[name.slice(0, dot)] as
      Record<string, MethodDefinition<unknown, unknown>> | undefined;
    const method = service?.[name.slice(dot + 1)];
    if (!method) throw new Error(`no method ${name} in the package definition`);
    if (side === 'request') {
      method.requestSerialize = serializer(method.requestSerialize as Serialize);
      method.requestDeserialize = deserializer(method.requestDeserialize as Deserialize);
    } else {
      method.responseSerialize = serializer(method.responseSerialize as Serialize);
      method.responseDeserialize = deserializer(method.responseDeserialize as Deserialize);
    }
  }
}
