// The hand-written codec of the chunk messages must produce and accept exactly protobuf's
// encoding: checked against protobufjs (through proto-loader, with the loader options the
// node uses) for every message that carries bytes, including empty and multi-part chunks, and
// messages with other fields, which must still go through protobufjs.
import { expect } from 'chai';
import * as protoLoader from '@grpc/proto-loader';
import { EncodedChunk, chunkOf, useChunkCodec } from '../../../src/peer/chunk-codec.js';
import { rechunk } from '../../../src/peer/chunks.js';
import { LOADER_OPTIONS, NODE_PROTO_PATH, PROTO_PATH } from '../../../src/peer/proto.js';

type Method = protoLoader.MethodDefinition<unknown, unknown>;

/** The three methods that carry chunks, as loaded from proto/ with or without the codec. */
function methods(withCodec: boolean): Record<'Read' | 'Write' | 'StageFile', Method> {
  const files = protoLoader.loadSync(PROTO_PATH, LOADER_OPTIONS);
  const nodes = protoLoader.loadSync(NODE_PROTO_PATH, LOADER_OPTIONS);
  if (withCodec) {
    useChunkCodec(files, {
      'callfs.v1.FileService.Read': 'response',
      'callfs.v1.FileService.Write': 'request',
    });
    useChunkCodec(nodes, { 'callfs.v1.NodeService.StageFile': 'request' });
  }
  const method = (d: protoLoader.PackageDefinition, service: string, name: string): Method =>
    (d[service] as Record<string, Method>)[name]!;
  return {
    Read: method(files, 'callfs.v1.FileService', 'Read'),
    Write: method(files, 'callfs.v1.FileService', 'Write'),
    StageFile: method(nodes, 'callfs.v1.NodeService', 'StageFile'),
  };
}

const plain = methods(false);
const coded = methods(true);
const sides = [
  ['Read', 'response'],
  ['Write', 'request'],
  ['StageFile', 'request'],
] as const;

function serialize(m: Method, side: 'request' | 'response', value: unknown): Buffer {
  return side === 'request' ? m.requestSerialize(value) : m.responseSerialize(value);
}
function deserialize(m: Method, side: 'request' | 'response', bytes: Buffer): unknown {
  return side === 'request' ? m.requestDeserialize(bytes) : m.responseDeserialize(bytes);
}

/** What grpc-js does with a serializer's result: frame it with `length` and `copy`. */
function framed(serialized: { length: number; copy(t: Buffer, at: number): number }): Buffer {
  const out = Buffer.alloc(serialized.length + 5);
  out.writeUInt32BE(serialized.length, 1);
  serialized.copy(out, 5);
  return out.subarray(5);
}

function bytes(n: number, seed = 1): Buffer {
  const out = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed) % 256;
  return out;
}

describe('peer chunk codec', () => {
  // Sizes around the varint boundaries of the length (1, 2, 3 bytes) and the default chunk.
  const sizes = [0, 1, 127, 128, 300, 16_383, 16_384, 65_536, 1024 * 1024, 4 * 1024 * 1024];

  for (const [name, side] of sides) {
    describe(`${name} ${side}s`, () => {
      it('should encode a chunk exactly as protobufjs does when the chunk has any size', () => {
        for (const size of sizes) {
          const chunk = bytes(size);
          const expected = serialize(plain[name], side, { chunk });
          const got = framed(new EncodedChunk([chunk]));
          expect(got.equals(expected), `size ${size}`).to.equal(true);
          expect(new EncodedChunk([chunk]).toBuffer().equals(expected)).to.equal(true);
        }
      });

      it('should encode the parts of a chunk as one chunk when it is given in pieces', () => {
        const whole = bytes(200_000, 7);
        const parts = [whole.subarray(0, 1), whole.subarray(1, 65_537), whole.subarray(65_537)];
        const expected = serialize(plain[name], side, { chunk: whole });
        const encoded = serialize(coded[name], side, new EncodedChunk(parts));
        expect(framed(encoded).equals(expected)).to.equal(true);
        expect(new EncodedChunk(parts).size).to.equal(200_000);
      });

      it('should decode a chunk as protobufjs does when the message has only a chunk', () => {
        for (const size of sizes) {
          const encoded = serialize(plain[name], side, { chunk: bytes(size, 3) });
          const got = deserialize(coded[name], side, encoded);
          const expected = deserialize(plain[name], side, encoded);
          expect(got).to.deep.equal(expected);
          expect(Object.keys(got as object)).to.deep.equal(Object.keys(expected as object));
        }
      });

      it('should decode the chunk as a view of the message when decoding it', () => {
        const encoded = serialize(plain[name], side, { chunk: bytes(1000) });
        const got = deserialize(coded[name], side, encoded) as { chunk: Buffer };
        expect(got.chunk.buffer).to.equal(encoded.buffer);
      });

      it('should leave a message with a header to protobufjs when it is not a chunk', () => {
        const header =
          name === 'Read'
            ? { header: { path: '/a', size: 3 }, range: { start: 0, end: 2 } }
            : name === 'Write'
              ? { header: { path: '/a', expected_size: -1, write_mode: 'WRITE_MODE_CREATE_ONLY' } }
              : { header: { stage_id: 's', path: '/a', gen: 2, size: 3 } };
        const expected = serialize(plain[name], side, header);
        const encoded = serialize(coded[name], side, header);
        expect(Buffer.from(encoded).equals(expected)).to.equal(true);
        expect(deserialize(coded[name], side, expected)).to.deep.equal(
          deserialize(plain[name], side, expected),
        );
      });

      it('should decode an empty message as protobufjs does when nothing is set', () => {
        const empty = Buffer.alloc(0);
        expect(deserialize(coded[name], side, empty)).to.deep.equal(
          deserialize(plain[name], side, empty),
        );
      });
    });
  }

  it('should decode a chunk with the other fields too when the message has more fields', () => {
    // A chunk followed by not_modified (field 4): valid protobuf that only protobufjs decodes.
    const chunk = serialize(plain.Read, 'response', { chunk: bytes(10) });
    const flag = serialize(plain.Read, 'response', { not_modified: true });
    const both = Buffer.concat([chunk, flag]);
    const got = deserialize(coded.Read, 'response', both) as Record<string, unknown>;
    expect(got).to.deep.equal(deserialize(plain.Read, 'response', both));
    expect(got.not_modified).to.equal(true);
  });

  it('should decode the last chunk when a message repeats the chunk field', () => {
    const twice = Buffer.concat([
      serialize(plain.Write, 'request', { chunk: bytes(5, 1) }),
      serialize(plain.Write, 'request', { chunk: bytes(6, 2) }),
    ]);
    const got = deserialize(coded.Write, 'request', twice) as { chunk: Buffer };
    expect(got).to.deep.equal(deserialize(plain.Write, 'request', twice));
    expect(got.chunk.equals(bytes(6, 2))).to.equal(true);
  });

  it('should find no chunk when the length does not match the message', () => {
    expect(chunkOf(Buffer.from([0x12, 3, 1, 2]))).to.equal(undefined);
    expect(chunkOf(Buffer.from([0x12, 1, 1, 2]))).to.equal(undefined);
    expect(chunkOf(Buffer.from([0x12]))).to.equal(undefined);
    expect(chunkOf(Buffer.from([0x0a, 0]))).to.equal(undefined);
    // A varint longer than five bytes is not a length protobufjs reads.
    expect(chunkOf(Buffer.from([0x12, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00]))).to.equal(undefined);
  });

  it('should accept a length in more varint bytes than needed when protobuf allows it', () => {
    const padded = Buffer.from([0x12, 0x82, 0x00, 7, 8]);
    expect(chunkOf(padded)?.equals(Buffer.from([7, 8]))).to.equal(true);
    expect(deserialize(coded.Write, 'request', padded)).to.deep.equal(
      deserialize(plain.Write, 'request', padded),
    );
  });

  it('should refuse to write into a frame too small when copied', () => {
    expect(() => new EncodedChunk([bytes(10)]).copy(Buffer.alloc(11))).to.throw(RangeError);
  });

  it('should group a stream into chunks of the size without copying when rechunked', async () => {
    const source = [bytes(10, 1), bytes(25, 2), bytes(3, 3), bytes(40, 4)];
    const chunks: EncodedChunk[] = [];
    for await (const c of rechunk(
      (async function* () {
        yield* source;
      })(),
      16,
    )) {
      chunks.push(c);
    }
    expect(chunks.map((c) => c.size)).to.deep.equal([16, 16, 16, 16, 14]);
    const joined = Buffer.concat(chunks.map((c) => chunkOf(c.toBuffer())!));
    expect(joined.equals(Buffer.concat(source))).to.equal(true);
  });
});
