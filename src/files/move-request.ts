// A MOVE request (API.md §3.6): the checks of the request itself (the root, a directory into
// itself, `backend` and `instance` and what they apply to), then which move runs it: a
// directory's journaled job (move-dir.ts), a file's move between backends (move-backend.ts),
// to another node or within this one (move.ts), or the same call on the file's owner when
// another node serves it. The service (service.ts) only hands the request here.
import { BadRequestError, NotFoundError, OwnerUnavailableError } from './errors.js';
import { assertServing } from './serving.js';
import { isVisible, toFileInfo } from './info.js';
import type { CallContext, FileInfo, InodeRecord, MoveSpec } from './ports.js';
import { moveFileToNode, moveLocalFile, type MoveDeps } from './move.js';
import { moveDirectory, type MoveDirDeps } from './move-dir.js';
import { moveToBackend, requestedBackend, type MoveBackendDeps } from './move-backend.js';
import type { Router } from './routing.js';
import { decided } from './refusals.js';
import { evaluateConditions, type Conditions } from './conditions.js';
import { defaultStorage, servedHere } from './backends.js';

export interface MoveRequestDeps extends MoveDeps, MoveBackendDeps, MoveDirDeps {
  router: Pick<Router, 'forward'>;
  /** The service's stat: a file moved onto itself answers its info from where it lives. */
  stat(ctx: CallContext, path: string): Promise<FileInfo>;
}

export async function moveRequest(
  d: MoveRequestDeps,
  ctx: CallContext,
  source: string,
  spec: MoveSpec,
  conditions?: Conditions,
): Promise<FileInfo> {
  const to = spec.destination;
  if (source === '/' || to === '/') throw new BadRequestError('the root cannot be moved');
  if (to.startsWith(`${source}/`)) {
    throw new BadRequestError('a directory cannot be moved into itself');
  }
  const rec = (await decided(d.metadata, source, (r) => {
    if (!isVisible(r)) throw new NotFoundError(`${source} not found`);
  })) as InodeRecord;
  // A file moving between backends moves where it is served: only the target backend is
  // checked there. A directory has no bytes: `backend` must be this node's default.
  const toBackend =
    rec.inode.type === 'file' && spec.backend && spec.backend !== rec.inode.backend_type
      ? spec.backend
      : null;
  if (rec.inode.type === 'directory' && spec.backend) {
    if (spec.backend !== defaultStorage(d).backendType) {
      throw new BadRequestError(`backend ${spec.backend} is not available`);
    }
  }
  if (toBackend && spec.instance && spec.instance !== rec.inode.instance_id) {
    throw new BadRequestError('"backend" and "instance" cannot be combined; move in two steps');
  }
  if (rec.inode.type === 'directory') {
    if (spec.instance) throw new BadRequestError('"instance" applies to files only');
    evaluateConditions(toFileInfo(rec), conditions, false);
    if (to === source) return toFileInfo(rec);
    assertServing(d);
    return moveDirectory(d, ctx, rec, spec);
  }
  const toNode = spec.instance && spec.instance !== rec.inode.instance_id;
  if (to === source && !toNode && !toBackend) {
    evaluateConditions(toFileInfo(rec), conditions, false);
    return d.stat(ctx, source);
  }
  if (!servedHere(d, rec.inode)) {
    return d.router.forward(ctx, rec, (owner) =>
      d.owners.move(owner, ctx, source, spec, conditions),
    );
  }
  assertServing(d);
  if (toBackend) {
    requestedBackend(d, spec);
    return moveToBackend(d, ctx, source, spec, conditions);
  }
  if (toNode) {
    const target = await d.membership.getNode(spec.instance);
    if (!target) throw new OwnerUnavailableError(spec.instance);
    return moveFileToNode(d, ctx, source, spec, target, conditions);
  }
  return moveLocalFile(d, ctx, source, spec, conditions);
}
