// A gRPC call that carries chunks to this node holds at most one message its reader has not
// taken (chunks.ts: bufferOneMessage), checked on a real grpc-js stream of a loopback server.
import { expect } from 'chai';
import { once } from 'node:events';
import { Duplex } from 'node:stream';
import * as grpc from '@grpc/grpc-js';
import { bufferOneMessage } from '../../../src/peer/chunks.js';
import { EncodedChunk } from '../../../src/peer/chunk-codec.js';
import { loadProto } from '../../../src/peer/proto.js';
import type { ReadResponse__Output } from '../../../src/generated/callfs/v1/ReadResponse.js';

describe('bufferOneMessage', () => {
  it('should lower both buffers of a duplex to one message when applied', () => {
    const stream = new Duplex({ objectMode: true, read: () => undefined });
    expect([stream.readableHighWaterMark, stream.writableHighWaterMark]).to.deep.equal([16, 16]);
    bufferOneMessage(stream);
    expect([stream.readableHighWaterMark, stream.writableHighWaterMark]).to.deep.equal([1, 1]);
  });

  it('should leave at most two messages waiting in a grpc-js call when its reader is idle', async () => {
    const Service = loadProto().callfs.v1.FileService;
    const server = new grpc.Server();
    let sent = 0;
    server.addService(Service.service, {
      Read: (call: grpc.ServerWritableStream<unknown, unknown>) => {
        const chunk = Buffer.alloc(1024, 1);
        const more = (): void => {
          while (sent < 64) {
            sent++;
            if (!call.write(new EncodedChunk([chunk]))) return void call.once('drain', more);
          }
          call.end();
        };
        more();
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(err) : resolve(p),
      ),
    );
    const client = new Service(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    try {
      const call = client.Read({ path: '/x' });
      bufferOneMessage(call);
      await once(call, 'readable');
      // Give the transport time to deliver everything it would buffer.
      await new Promise((r) => setTimeout(r, 300));
      expect(call.readableLength).to.be.at.most(2);
      let got = 0;
      for await (const m of call as AsyncIterable<ReadResponse__Output>) got += m.chunk!.length;
      expect(got).to.equal(64 * 1024);
    } finally {
      client.close();
      server.forceShutdown();
    }
  });
});
