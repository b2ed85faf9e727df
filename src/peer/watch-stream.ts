// The gRPC `Watch` call: the change feed as a server stream, the same feed the HTTP edge serves
// as Server-Sent Events. The first message is `ready` with the revision the feed starts after;
// cancelling the call ends the etcd watch.
import type * as grpc from '@grpc/grpc-js';
import type { ChangeFeed } from '../files/change-feed.js';
import { MethodNotAllowedError } from '../files/errors.js';
import { canonicalize } from '../files/paths.js';
import type { WatchEvent } from '../generated/callfs/v1/WatchEvent.js';
import type { WatchRequest__Output } from '../generated/callfs/v1/WatchRequest.js';
import { writeWithBackpressure } from './chunks.js';
import { toGrpcStatus } from './status-map.js';

export function watchStream(
  call: grpc.ServerWritableStream<WatchRequest__Output, WatchEvent>,
  feed: ChangeFeed | undefined,
  authenticate: () => void,
): void {
  const ac = new AbortController();
  call.once('cancelled', () => ac.abort(new Error('call cancelled')));
  (async () => {
    authenticate();
    if (!feed) throw new MethodNotAllowedError('this node serves no change feed');
    const r = call.request;
    const stream = await feed.watch(canonicalize(r.path).path, {
      recursive: r.recursive,
      since: r.since === '' ? undefined : r.since,
      signal: ac.signal,
    });
    await writeWithBackpressure(
      call,
      { type: 'ready', revision: stream.startRevision, last_in_revision: true },
      ac.signal,
    );
    for await (const batch of stream.batches) {
      for (const [i, c] of batch.changes.entries()) {
        const event: WatchEvent = {
          type: c.type,
          path: c.path,
          from: c.from ?? '',
          entry_type: c.entry_type === 'directory' ? 'FILE_TYPE_DIRECTORY' : 'FILE_TYPE_FILE',
          instance_id: c.instance_id,
          backend_type: c.backend_type,
          size: c.size,
          owner: c.owner,
          mtime_ms: c.mtime,
          revision: c.revision,
          last_in_revision: i === batch.changes.length - 1,
        };
        await writeWithBackpressure(call, event, ac.signal);
      }
    }
    if (!call.cancelled) call.end();
  })().catch((err) => {
    ac.abort();
    if (!call.cancelled) call.emit('error', toGrpcStatus(err) as grpc.ServiceError);
  });
}
