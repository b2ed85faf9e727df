// Metadata instrumented for metrics: the latency of every metadata store (etcd) request made
// through the Metadata port, by operation and outcome (`ok` or the error code, e.g.
// FILE_ALREADY_EXISTS or METADATA_UNAVAILABLE). Only Metadata methods are timed; the node
// hands the original object to whatever needs its Membership side (lease, registration).
import type { Membership, Metadata } from '../files/ports.js';
import type { Metrics } from './metrics.js';
import { timeMethods } from './timing.js';

const NOT_METADATA = new Set<PropertyKey>([
  'register',
  'deregister',
  'isServing',
  'getNode',
  'listNodes',
  'onServingChange',
  'close',
] satisfies Array<keyof Membership | 'onServingChange' | 'close'>);

export function instrumentMetadata<T extends Metadata>(metadata: T, metrics: Metrics): T {
  return timeMethods(metadata, {
    observe: metrics.etcdRequest.bind(metrics),
    except: NOT_METADATA,
  });
}
