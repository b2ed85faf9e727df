// POST of a directory (API.md §3, `mkdir -p`): a directory that exists on this node (or the
// root) answers 200 as it is; anything else at the path is a 409 naming where it lives. A new
// directory is one fenced create in etcd with its missing parents (write-inodes.ts); a create
// that loses to a concurrent one reads the path again, once. The service (service.ts) only
// hands the request here.
import { AlreadyExistsError } from './errors.js';
import { assertServing } from './serving.js';
import { DIR_MODE, toFileInfo } from './info.js';
import type { CallContext, Inode, Membership, Metadata, MkdirResult } from './ports.js';
import type { Router } from './routing.js';
import { decided } from './refusals.js';
import { parentTemplate } from './write-inodes.js';
import { type BackendDeps, defaultStorage } from './backends.js';

export interface MakeDirectoryDeps extends BackendDeps {
  instanceId: string;
  metadata: Metadata;
  membership: Membership;
  router: Pick<Router, 'conflict'>;
}

export async function makeDirectory(
  d: MakeDirectoryDeps,
  ctx: CallContext,
  path: string,
): Promise<MkdirResult> {
  for (let round = 0; ; round++) {
    const rec = await decided(d.metadata, path, async (r) => {
      if (!r) return;
      const own = path === '/' || r.inode.instance_id === d.instanceId;
      if (r.inode.type !== 'directory' || !own) throw await d.router.conflict(r, 'directory');
    });
    if (rec) return { created: false, info: toFileInfo(rec) };
    assertServing(d);
    const now = Date.now();
    const dir: Inode = {
      type: 'directory',
      instance_id: d.instanceId,
      backend_type: defaultStorage(d).backendType,
      size: 0,
      mode: DIR_MODE,
      owner: ctx.caller.user,
      mtime: now,
      gen: 1,
      state: 'ready',
    };
    try {
      const created = await d.metadata.create(path, dir, {
        parents: parentTemplate(d.instanceId, defaultStorage(d).backendType, ctx, now),
      });
      return { created: true, info: toFileInfo(created) };
    } catch (err) {
      if (err instanceof AlreadyExistsError && round === 0) continue;
      throw err;
    }
  }
}
