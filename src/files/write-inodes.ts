// The inodes a write makes besides its claim: a file's first committed generation, and the
// template of the parent directories a create makes on its way (writes and mkdir alike).
import { FILE_MODE } from './info.js';
import type { CallContext, Inode } from './ports.js';
import type { CommitStage } from './write-session.js';

/** The inode of a file's first committed generation, naming the staged write's bytes. */
export function firstGeneration(
  instanceId: string,
  size: number,
  writer: CallContext,
  stage: Pick<CommitStage, 'id' | 'placement'>,
  now: number,
): Inode {
  return {
    type: 'file',
    instance_id: instanceId,
    ...stage.placement,
    size,
    mode: FILE_MODE,
    owner: writer.caller.user,
    mtime: now,
    gen: 1,
    state: 'ready',
    write: stage.id,
  };
}

/** What the missing parent directories of a new path are made of. */
export function parentTemplate(
  instanceId: string,
  backendType: string,
  ctx: CallContext,
  now: number,
): { owner: string; instance_id: string; backend_type: string; mtime: number } {
  return { owner: ctx.caller.user, instance_id: instanceId, backend_type: backendType, mtime: now };
}
