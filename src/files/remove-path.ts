// DELETE of one path: a directory (empty, or with its subtree when recursive: subtree-delete.ts),
// a file of this node under its path's lock (the namespace first, then the bytes), or a file of
// another node, asked of that node.
import { refOf, servedHere, storageFor } from './backends.js';
import { evaluateConditions } from './conditions.js';
import {
  BadRequestError,
  CallfsError,
  NotFoundError,
  PermissionDeniedError,
  PreconditionFailedError,
  StaleRevisionError,
  WrongOwnerError,
} from './errors.js';
import { canModify, isVisible, toFileInfo } from './info.js';
import { assertNotMoving } from './moving.js';
import type { CallContext, InodeRecord, RemoveOptions } from './ports.js';
import type { Router } from './routing.js';
import { decided } from './refusals.js';
import { assertServing } from './serving.js';
import { deleteSubtree, type SubtreeDeleteDeps } from './subtree-delete.js';

export interface RemoveDeps extends SubtreeDeleteDeps {
  router: Pick<Router, 'routed'>;
}

export async function removePath(
  d: RemoveDeps,
  ctx: CallContext,
  path: string,
  options: RemoveOptions = {},
): Promise<void> {
  if (path === '/') throw new BadRequestError('the root cannot be deleted');
  const { conditions } = options;
  if (options.recursive) {
    // A directory goes with its subtree (subtree-delete.ts); a file is deleted as usual.
    const rec = await d.metadata.get(path);
    if (isVisible(rec) && rec.inode.type === 'directory') {
      evaluateConditions(toFileInfo(rec), conditions, false);
      return deleteSubtree(d, ctx, rec);
    }
  }
  await d.router.routed(ctx, path, {
    // The routed record may come from this node's cache: a refusal on it (403 for a directory
    // re-made by another user, 412, a lost compare) is decided once more on etcd's record.
    directory: async (routed) => {
      let rec = routed;
      for (let round = 1; ; round++) {
        try {
          assertCanModify(ctx, rec);
          evaluateConditions(toFileInfo(rec), conditions, false);
          assertServing(d);
          assertNotMoving(rec);
          await d.metadata.remove(rec);
          return;
        } catch (err) {
          // Only a refusal is decided again: an unanswered remove (etcd away) stays a 503,
          // whatever a read then shows, since it may have applied.
          if (round > 1 || !(err instanceof CallfsError) || !refusal(err)) throw err;
          const now = await d.metadata.get(path, { fresh: true });
          if (!isVisible(now)) throw new NotFoundError(`${path} not found`);
          if (now.revision === rec.revision || now.inode.type !== 'directory') throw err;
          rec = now;
        }
      }
    },
    // Who may delete the file is decided under its lock, on the record the delete is fenced on.
    local: async () => {
      assertServing(d);
      await d.locks.run(path, async () => {
        for (let round = 1; ; round++) {
          const cur = (await decided(d.metadata, path, (r) =>
            assertRemovable(d, ctx, path, r, conditions),
          )) as InodeRecord;
          // Namespace first: the file vanishes atomically; the bytes follow.
          try {
            await d.metadata.remove(cur);
          } catch (err) {
            // A record from a cache that had not seen another node's commit (a replace of a
            // shared store's file): the transaction lost, and the path is read again.
            if (err instanceof StaleRevisionError && round === 1) continue;
            throw err;
          }
          await storageFor(d, cur.inode.backend_type).remove(refOf(cur));
          // A file moved here whose sender has not said commit yet: its bytes go too.
          await d.staged?.dropNamed(cur);
          return;
        }
      });
    },
    remote: (owner) => d.owners.remove(owner, ctx, path, conditions),
  });
}

/** What refuses the delete of `cur`, read under the path's lock. */
function assertRemovable(
  d: RemoveDeps,
  ctx: CallContext,
  path: string,
  cur: InodeRecord | null,
  conditions: RemoveOptions['conditions'],
): void {
  if (!isVisible(cur) || !servedHere(d, cur.inode)) {
    // Moved to another node while this waited for its path (a move holds it): routed
    // again to its new owner, not answered 404 for a file that is still there.
    if (cur?.inode.type === 'file' && isVisible(cur)) {
      throw new WrongOwnerError(cur.inode.instance_id);
    }
    throw new NotFoundError(`${path} not found`);
  }
  // The file may have been deleted and re-created by someone else since it was read.
  assertCanModify(ctx, cur);
  // Checked against the record the delete is fenced on: a version written since the
  // client read its ETag is never deleted.
  evaluateConditions(toFileInfo(cur), conditions, false);
}

/** A refusal a cached record may have caused: permission, conditions, a lost compare. */
function refusal(err: CallfsError): boolean {
  return (
    err instanceof PermissionDeniedError ||
    err instanceof PreconditionFailedError ||
    err instanceof StaleRevisionError
  );
}

function assertCanModify(ctx: CallContext, rec: InodeRecord): void {
  if (!canModify(ctx.caller, rec.inode)) {
    throw new PermissionDeniedError(`only the owner may modify ${rec.path}`);
  }
}
