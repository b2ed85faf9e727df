// The receiving side of a file moving to this node (PATCH with `instance`): the bytes are
// written to a temp file, fsynced and journaled as the generation the namespace will record,
// and kept aside until the sending node has switched the namespace and says commit (rename
// into place) or discard. A staged file nobody finishes is discarded after a while; if this
// node restarts first, start-up recovery rolls it forward exactly when etcd names it.
import { BadRequestError, NotFoundError } from './errors.js';
import type { PathLocks } from './path-lock.js';
import type { StagedFile, Storage, TempFile } from './ports.js';

/** How long a staged file waits for its sender's commit before etcd decides for it. */
const ABANDONED_AFTER_MS = 60_000;

export class Staging {
  private readonly staged = new Map<
    string,
    { temp: TempFile; path: string; gen: number; timer: NodeJS.Timeout }
  >();

  constructor(
    private readonly storage: Storage,
    private readonly locks: PathLocks,
    /** Does etcd name (path, gen) as this node's file? Decides every finish. */
    private readonly isCurrent: (path: string, gen: number) => Promise<boolean>,
    private readonly warn: (message: string, err: unknown) => void = () => undefined,
  ) {}

  async stage(s: StagedFile, body: AsyncIterable<Buffer>): Promise<number> {
    if (this.staged.has(s.stageId)) throw new BadRequestError(`stage ${s.stageId} exists`);
    const temp = await this.storage.createTemp(s.path);
    try {
      const size = await temp.write(body, { maxBytes: s.size });
      if (size !== s.size) throw new BadRequestError(`expected ${s.size} bytes, got ${size}`);
      await temp.prepare(s.gen);
    } catch (err) {
      await temp.discard();
      throw err;
    }
    // A sender that never says commit or discard (it died, or its call failed after the
    // namespace switched): etcd decides, as start-up recovery would.
    const timer = setTimeout(() => {
      this.finish(s.stageId, true).catch((err: unknown) =>
        this.warn(`staged file for ${s.path} not finished`, err),
      );
    }, ABANDONED_AFTER_MS);
    timer.unref();
    this.staged.set(s.stageId, { temp, path: s.path, gen: s.gen, timer });
    return s.size;
  }

  async finish(stageId: string, commit: boolean): Promise<void> {
    const entry = this.staged.get(stageId);
    if (!entry) throw new NotFoundError(`no staged file ${stageId}`);
    this.staged.delete(stageId);
    clearTimeout(entry.timer);
    // Commit only what etcd names: a newer write of the path may have committed since the
    // switch, and its bytes must not be replaced by these older ones.
    await this.locks.run(entry.path, async () => {
      if (commit && (await this.isCurrent(entry.path, entry.gen))) await entry.temp.commit();
      else await entry.temp.discard();
    });
  }
}
