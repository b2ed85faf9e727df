// A directory marked `moving` belongs to a directory move until its job ends (move-dir.ts), which
// may wait hours for an owner's disk step. Deleted meanwhile, its path could be created again
// and a new file would land on bytes that step has not moved yet; so it is refused, retryably.
import { StaleRevisionError } from './errors.js';
import type { InodeRecord } from './ports.js';

export function assertNotMoving(rec: InodeRecord): void {
  if (rec.inode.state === 'moving') {
    throw new StaleRevisionError(`${rec.path} is being moved; try again once the move is done`);
  }
}
