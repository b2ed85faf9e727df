// The sink a direct body (DirectBody, storage/direct-send.ts) sends a Read's bytes into: each
// buffer written becomes chunk messages on the gRPC call, and the write calls back only once
// grpc-js has framed the message and HTTP/2 has taken the frame. That is the DirectBody
// contract, so the body reads the next bytes into the same buffers instead of a fresh 1 MiB
// buffer per chunk (whose major GCs cost the owner more CPU than the transfer itself).
import { Writable } from 'node:stream';
import { EncodedChunk } from './chunk-codec.js';

/**
 * A Writable over `call` (a server stream of messages with a `chunk` field) that splits what
 * it is given into chunks of at most `chunkSize` bytes. `ended` (the call was cancelled)
 * destroys it, so a sender waiting for a write's callback is not left waiting for ever.
 */
export function chunkSink(call: Writable, chunkSize: number, ended: AbortSignal): Writable {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      if (chunk.length === 0) {
        callback();
        return;
      }
      for (let at = 0; at < chunk.length; at += chunkSize) {
        const piece = new EncodedChunk([chunk.subarray(at, at + chunkSize)]);
        const last = at + chunkSize >= chunk.length;
        call.write(piece, last ? (err?: Error | null) => callback(err) : undefined);
      }
    },
  });
  // Destroyed without an error: the sender learns of it from the sink's 'close' (a write
  // waiting for its callback), and an 'error' nobody listens to would end the process.
  const stop = (): void => void sink.destroy();
  sink.on('error', () => undefined);
  ended.addEventListener('abort', stop, { once: true });
  call.once('close', stop);
  call.once('error', stop);
  sink.once('close', () => {
    ended.removeEventListener('abort', stop);
    call.off('close', stop);
    call.off('error', stop);
  });
  if (ended.aborted) stop();
  return sink;
}
