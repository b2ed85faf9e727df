// A node changes nothing without its membership lease: every fenced transaction would fail on
// it anyway, and answering NODE_NOT_SERVING (retryable) before a byte flows lets the client go
// to another node instead of uploading a body that cannot be committed.
import { NodeNotServingError } from './errors.js';
import type { Membership } from './ports.js';

/** Throws NodeNotServingError unless this node holds its membership lease now. */
export function assertServing(d: { instanceId: string; membership: Membership }): void {
  if (!d.membership.isServing()) {
    throw new NodeNotServingError(`node ${d.instanceId} does not hold its membership lease`);
  }
}
