// The receiving side of a file moving to this node (PATCH with `instance`): the bytes are
// written to a temp file, fsynced and journaled as the generation the namespace will record,
// and kept aside until the sending node has switched the namespace and says commit (rename
// into place) or discard. A staged file nobody finishes is settled by etcd after a while; if
// this node restarts first, start-up recovery rolls it forward exactly when etcd names its
// write id (which the sender puts in the inode it switches to).
//
// Between the sender's switch and the commit, etcd names a file of this node whose bytes are
// still staged, and this node holds no lock of its path: a directory move may re-key it in
// that window. Its disk step here then places the staged bytes itself (`placeMoved`), and a
// commit that finds the name gone from the path places them where that step carries them.
//
// In that window a read of the path finds etcd naming this node's file and no bytes at the
// path yet: it has them placed (`placeNamed`) rather than answering 404 for a file that exists.
import { BadRequestError, NotFoundError } from './errors.js';
import type { UnplacedBytes } from './move-dir-disk.js';
import type { PathLocks } from './path-lock.js';
import type {
  InodeRecord,
  IsCurrent,
  StagedFile,
  StagedWrite,
  Storage,
  TempFile,
} from './ports.js';

/** How long a staged file waits for its sender's commit before etcd decides for it. */
const ABANDONED_AFTER_MS = 60_000;

export interface StagingDeps {
  storage: Storage;
  locks: PathLocks;
  /** Does etcd name (path, gen[, write id]) as this node's file? */
  isCurrent: IsCurrent;
  /** Does etcd name anything at the path? */
  isNamed: (path: string) => Promise<boolean>;
  warn?: (message: string, err: unknown) => void;
}

interface Staged {
  temp: TempFile;
  path: string;
  gen: number;
  namesWrite: boolean;
  timer: NodeJS.Timeout;
}

/** Who settles a staged file: its sender (after its switch, or after it failed), or the timer. */
type Verdict = 'switched' | 'discard' | 'unknown';

export class Staging implements UnplacedBytes {
  private readonly staged = new Map<string, Staged>();
  /**
   * Staged files a reader had placed before their sender said commit, until it does (or the
   * timer fires): its commit then succeeds as if it had placed them itself.
   */
  private readonly placedEarly = new Map<string, NodeJS.Timeout>();

  constructor(private readonly d: StagingDeps) {}

  async stage(s: StagedFile, body: AsyncIterable<Buffer>): Promise<StagedWrite> {
    if (this.staged.has(s.stageId)) throw new BadRequestError(`stage ${s.stageId} exists`);
    const temp = await this.d.storage.createTemp(s.path);
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
      this.settle(s.stageId, 'unknown').catch((err: unknown) =>
        this.d.warn?.(`staged file for ${s.path} not finished`, err),
      );
    }, ABANDONED_AFTER_MS);
    timer.unref();
    this.staged.set(s.stageId, {
      temp,
      path: s.path,
      gen: s.gen,
      namesWrite: s.namesWrite === true,
      timer,
    });
    return { size: s.size, write: temp.id };
  }

  /** The sender's word: commit once its namespace switch succeeded, discard otherwise. */
  async finish(stageId: string, commit: boolean): Promise<void> {
    return this.settle(stageId, commit ? 'switched' : 'discard');
  }

  /**
   * The disk step of a directory move that re-keyed `rec` (this node's file) away from `path`
   * while its bytes were still staged here: places them at `path`, for the step to carry them
   * to the new one. Runs under the caller's lock of `path`; false when nothing is staged for it.
   */
  async placeMoved(path: string, rec: InodeRecord): Promise<boolean> {
    for (const [stageId, entry] of this.staged) {
      if (entry.path !== path || entry.gen !== rec.inode.gen) continue;
      // An older sender names the generation only (the inode keeps the source's write id).
      if (entry.namesWrite && entry.temp.id !== rec.inode.write) continue;
      await entry.temp.commit();
      this.forget(stageId, entry);
      return true;
    }
    return false;
  }

  /**
   * A read found no bytes at `rec.path` although etcd names them there as this node's file:
   * the sender switched the namespace and its commit has not arrived yet. What etcd names is
   * what the commit (or the timer) would place, so it is placed now, under the path's lock,
   * for the reader to open. False when no staged file is those bytes.
   */
  async placeNamed(rec: InodeRecord): Promise<boolean> {
    const found = [...this.staged].filter(([, e]) => this.holds(e, rec));
    // Older senders name the generation only: two of them staging one (the loser's discard on
    // its way) cannot be told apart here, and the loser's bytes must not be served. Their
    // senders' words decide.
    if (found.length !== 1) return false;
    const [stageId, entry] = found[0]!;
    return this.d.locks.run(entry.path, async () => {
      // Settled while this waited: the reader opens again and finds what that left.
      if (this.staged.get(stageId) !== entry) return true;
      if (!(await this.named(entry, 'unknown'))) return false;
      await entry.temp.commit();
      this.staged.delete(stageId);
      this.placedEarly.set(stageId, entry.timer);
      return true;
    });
  }

  /**
   * `rec` (this node's file) was deleted under the lock of its path while its bytes may still
   * be staged here: they are dropped now. Committed later by the sender's word, they would be
   * bytes etcd names nowhere at the path, which a directory moved there next takes for a newer
   * commit of its file (move-dir-disk.ts), setting the file's own bytes aside for them.
   * Only bytes named by their write id: an older sender's, named by generation only, may be
   * another file still to switch to the path the delete just freed.
   */
  async dropNamed(rec: InodeRecord): Promise<void> {
    for (const [stageId, entry] of [...this.staged]) {
      if (!entry.namesWrite || !this.holds(entry, rec)) continue;
      this.forget(stageId, entry);
      await entry.temp.discard();
    }
  }

  private holds(e: Staged, rec: InodeRecord): boolean {
    return (
      e.path === rec.path &&
      e.gen === rec.inode.gen &&
      (!e.namesWrite || e.temp.id === rec.inode.write)
    );
  }

  private async settle(stageId: string, verdict: Verdict): Promise<void> {
    const entry = this.staged.get(stageId);
    if (!entry) {
      const timer = this.placedEarly.get(stageId);
      // A reader placed them (what etcd names): a commit, or the timer, finds its work done.
      if (timer !== undefined && verdict !== 'discard') {
        this.placedEarly.delete(stageId);
        clearTimeout(timer);
        return;
      }
      throw new NotFoundError(`no staged file ${stageId}`);
    }
    await this.d.locks.run(entry.path, async () => {
      // Settled while this waited: by the other of sender and timer, or by a directory move.
      if (this.staged.get(stageId) !== entry) return;
      this.forget(stageId, entry);
      if (verdict !== 'discard' && (await this.named(entry, verdict))) await entry.temp.commit();
      else await entry.temp.discard();
    });
  }

  /**
   * Whether the namespace names these bytes, decided under the lock of their path. Only what
   * etcd names is committed: a newer write of the path may have committed since the switch,
   * and its bytes must not be replaced by these older ones.
   */
  private async named(entry: Staged, verdict: Verdict): Promise<boolean> {
    const { path, gen, temp } = entry;
    if (await this.d.isCurrent(path, gen, temp.id)) return true;
    // A sender of an older version names the generation only, not these bytes' write id. A
    // newer one names the id: the same generation under another id is another file's write
    // (the path deleted and written again here), whose bytes these must not replace.
    if (!entry.namesWrite && (await this.d.isCurrent(path, gen))) return true;
    if (verdict !== 'switched') return false;
    // The sender says commit only once etcd named these bytes here. A name that has left the
    // path since was re-keyed by a directory move, whose disk step here runs after the re-key
    // and carries the bytes from this path (a delete, which runs on this node under the lock,
    // dropped them already: `dropNamed`).
    return !(await this.d.isNamed(path));
  }

  private forget(stageId: string, entry: Staged): void {
    this.staged.delete(stageId);
    clearTimeout(entry.timer);
  }
}
