// The handlers of callfs.v1.NodeService: the steps of multi-node jobs (a file's bytes staged on
// its new node, then committed or discarded; a directory move applied to one node's disk), and
// the small Reads another node relays on one stream (ReadMany).
import type * as grpc from '@grpc/grpc-js';
import { AuthenticationError, BadRequestError } from '../files/errors.js';
import type { NodeServiceHandlers } from '../generated/callfs/v1/NodeService.js';
import type { StageFileRequest__Output } from '../generated/callfs/v1/StageFileRequest.js';
import { bufferOneMessage } from './chunks.js';
import { incoming } from './incoming.js';
import { accepted, answer, first, path, type PeerHandlerOptions } from './handler-context.js';
import { serveReadMany, type ReadManyStreams } from './read-many.js';

/** NodeService: steps of multi-node jobs; only other nodes (the internal secret) may call. */
export function createNodeHandlers(
  o: PeerHandlerOptions,
  readMany?: ReadManyStreams,
): NodeServiceHandlers {
  const internalOnly = (md: grpc.Metadata): void => {
    if (!o.auth.isInternal(first(md, 'authorization'))) {
      throw new AuthenticationError('NodeService is for nodes only');
    }
  };
  return {
    StageFile: (call, cb) => {
      accepted(call);
      answer(async () => {
        internalOnly(call.metadata);
        bufferOneMessage(call);
        const messages = incoming<StageFileRequest__Output>(
          call,
          o.writeIdleTimeoutMs,
          'the StageFile',
        );
        const header = (await messages.next())?.header;
        if (!header) throw new BadRequestError('the first StageFile message must be a header');
        const body = async function* (): AsyncGenerator<Buffer> {
          for (;;) {
            const msg = await messages.next();
            if (!msg) return;
            if (msg.chunk) yield msg.chunk;
          }
        };
        const staged = await o.files.stageFile(
          {
            stageId: header.stage_id,
            path: path(header.path),
            gen: header.gen,
            size: header.size,
            namesWrite: header.names_write,
          },
          body(),
        );
        return staged;
      }, cb);
    },
    FinishStaged: (call, cb) => {
      accepted(call);
      answer(async () => {
        internalOnly(call.metadata);
        await o.files.finishStaged(call.request.stage_id, call.request.commit);
        return {};
      }, cb);
    },
    // Small Reads relayed by another node, many on one stream (read-many.ts).
    ReadMany: (call) => serveReadMany(o, call, readMany),
    ApplyMove: (call, cb) => {
      accepted(call);
      answer(async () => {
        internalOnly(call.metadata);
        const r = call.request;
        const files = await o.files.applyMove(r.journal_id, path(r.source), path(r.destination));
        return { files };
      }, cb);
    },
  };
}
