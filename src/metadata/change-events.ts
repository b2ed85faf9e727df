// From raw store events to the change feed's changes, shared by the etcd watch and the memory
// fake so both report the same thing. A raw event is one key's value before and after one
// revision. In-flight upload claims (`writing`) are invisible: the create is reported when the
// claim becomes `ready`, and a claim that is abandoned is never reported. A directory flipping
// between `ready` and `moving` is a move's bookkeeping, not a change. A move is one transaction
// that deletes the source and puts the destination at one revision: such a pair, alike in
// everything a move keeps, becomes one `move` change.
import type { Change, ChangeBatch } from '../files/change-feed.js';
import { BadRequestError, RevisionCompactedError } from '../files/errors.js';
import type { Inode } from '../files/ports.js';

export interface RawEvent {
  path: string;
  revision: string;
  before: Inode | null;
  after: Inode | null;
}

function changeOf(type: Change['type'], path: string, inode: Inode, revision: string): Change {
  return {
    type,
    path,
    entry_type: inode.type,
    instance_id: inode.instance_id,
    backend_type: inode.backend_type,
    size: inode.size,
    owner: inode.owner,
    mtime: inode.mtime,
    revision,
  };
}

function classify(e: RawEvent): Change | null {
  const { before, after } = e;
  const visibleBefore = before !== null && before.state !== 'writing';
  if (after === null) return visibleBefore ? changeOf('delete', e.path, before, e.revision) : null;
  if (after.state === 'writing') return null;
  if (!visibleBefore) return changeOf('create', e.path, after, e.revision);
  if (after.type === 'directory' && before.type === 'directory' && sameEntry(before, after)) {
    return null;
  }
  return changeOf('update', e.path, after, e.revision);
}

/** Equal apart from `state` and `mtime` (what a directory move's marking touches). */
function sameEntry(a: Inode, b: Inode): boolean {
  return (
    a.type === b.type &&
    a.instance_id === b.instance_id &&
    a.size === b.size &&
    a.owner === b.owner &&
    a.gen === b.gen &&
    a.write === b.write
  );
}

/** What a move keeps of an entry: a deleted entry and a new one alike in this may be a move. */
function moveKey(c: Change, inode: Inode): string {
  return JSON.stringify([c.entry_type, c.size, c.owner, inode.gen, inode.write ?? '']);
}

function nameOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/**
 * Turns the raw events of one revision into changes, pairing deletes with creates (or
 * overwrites) into moves. Pairs with the same name are matched first, so a directory moved with
 * its subtree pairs each child with its own new path.
 */
export function changesOf(events: RawEvent[]): Change[] {
  const out: Array<{ change: Change; inode: Inode } | null> = [];
  for (const e of events) {
    const change = classify(e);
    if (change) out.push({ change, inode: (e.after ?? e.before) as Inode });
  }
  const deletes = out.filter((x) => x?.change.type === 'delete');
  if (deletes.length === 0) return out.map((x) => (x as { change: Change }).change);
  const arrivals = out.filter(
    (x) => x && (x.change.type === 'create' || x.change.type === 'update'),
  );
  const taken = new Set<unknown>();
  for (const sameName of [true, false]) {
    for (const d of deletes) {
      if (!d || taken.has(d)) continue;
      const key = moveKey(d.change, d.inode);
      const match = arrivals.find(
        (a) =>
          a &&
          !taken.has(a) &&
          moveKey(a.change, a.inode) === key &&
          (!sameName || nameOf(a.change.path) === nameOf(d.change.path)),
      );
      if (!match) continue;
      taken.add(d);
      taken.add(match);
      match.change.type = 'move';
      match.change.from = d.change.path;
    }
  }
  return out
    .filter((x) => x && !(taken.has(x) && x.change.type === 'delete'))
    .map((x) => x!.change);
}

/** Groups raw events (in revision order) into one batch per revision, dropping empty ones. */
export function batchesOf(events: RawEvent[]): ChangeBatch[] {
  const batches: ChangeBatch[] = [];
  let i = 0;
  while (i < events.length) {
    const revision = events[i]!.revision;
    let j = i;
    while (j < events.length && events[j]!.revision === revision) j++;
    const changes = changesOf(events.slice(i, j));
    if (changes.length > 0) batches.push({ revision, changes });
    i = j;
  }
  return batches;
}

const REVISION = /^[0-9]{1,15}$/;

export function parseRevision(since: string): number {
  if (!REVISION.test(since) || Number(since) < 1) {
    throw new BadRequestError('since must be a store revision (a positive integer)');
  }
  return Number(since);
}

export function compactedError(since: string, cause?: unknown): RevisionCompactedError {
  return new RevisionCompactedError(
    `revision ${since} has been compacted: list the path again, then watch from the revision the listing was read at`,
    { cause },
  );
}
