// Metadata instrumented for metrics: the latency of every metadata store (etcd) request made
// through the Metadata port and the membership reads (getNode, listNodes), by operation and
// outcome (`ok` or the error code, e.g. FILE_ALREADY_EXISTS or METADATA_UNAVAILABLE). The
// node wraps the etcd adapter itself, under the cache, so a read the cache answers is not an
// etcd request. Registration and the lease are not timed.
import type { Membership, Metadata } from '../files/ports.js';
import type { Metrics } from './metrics.js';
import { timeMethods } from './timing.js';

const NOT_METADATA = new Set<PropertyKey>([
  'register',
  'deregister',
  'isServing',
  'onServingChange',
  'close',
] satisfies Array<
  Exclude<keyof Membership, 'getNode' | 'listNodes'> | 'onServingChange' | 'close'
>);

export function instrumentMetadata<T extends Metadata>(metadata: T, metrics: Metrics): T {
  return timeMethods(metadata, {
    observe: metrics.etcdRequest.bind(metrics),
    except: NOT_METADATA,
  });
}
