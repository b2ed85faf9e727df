// A write that runs on this node (the owner): the body streams into a temp file of the
// storage backend, then the service commits it as the path's next generation. Any failure or
// abort removes the temp file and, for a create, the claim, so nothing partial remains —
// except a temp whose commit etcd may have accepted: that one stays journaled and goes to the
// reconciler, which keeps or drops it once etcd can tell.
import { placement } from './backends.js';
import type {
  CallContext,
  Inode,
  InodeRecord,
  Storage,
  TempFile,
  WriteResult,
  WriteSession,
} from './ports.js';
import { BadRequestError, PayloadTooLargeError } from './errors.js';
import { toFileInfo } from './info.js';
import type { Conditions } from './conditions.js';
import type { Reconciler } from './reconciler.js';

/** What the commit step does with the staged bytes, in the journaled order. */
export interface CommitStage {
  /** The write id the committed inode names (the temp's id). */
  readonly id: string;
  /** The backend the bytes are staged on (the committed inode's `backend_type` and `store`). */
  readonly placement: Pick<Inode, 'backend_type' | 'store'>;
  /** Journals the temp as generation `gen` of the path, replacing the write `replaces`. */
  prepare(gen: number, replaces?: string): Promise<void>;
  /**
   * etcd named generation `gen`: from now on the temp is the file's content. A rename that
   * fails leaves it to the reconciler rather than failing a write that is already committed.
   */
  commit(gen: number): Promise<void>;
  /**
   * The commit's outcome is unknown: keep the journaled temp for the reconciler; `fence`
   * (a create's) makes sure a commit etcd still holds never applies, before the temp is dropped.
   */
  keepPending(gen: number, fence?: () => Promise<void>): void;
}

interface Committer {
  commit(
    path: string,
    claim: InodeRecord | null,
    size: number,
    stage: CommitStage,
    writer: CallContext,
    createOnly: boolean,
    conditions: Conditions | undefined,
  ): Promise<{ record: InodeRecord; created: boolean }>;
  commitCreate(
    path: string,
    size: number,
    stage: CommitStage,
    writer: CallContext,
  ): Promise<{ record: InodeRecord; created: boolean }>;
  releaseClaim(claim: InodeRecord): Promise<void>;
  /** What a small create whose path the disk refused answers (see Writes.createRefused). */
  createRefused(path: string, err: unknown): Promise<unknown>;
}

export interface LocalWriteSessionOptions {
  service: Committer;
  storage: Storage;
  reconciler: Pick<Reconciler, 'adopt'>;
  path: string;
  created: boolean;
  claim: InodeRecord | null;
  createOnly: boolean;
  conditions?: Conditions;
  maxBytes: number;
  ctx: CallContext;
  /**
   * A small create (no claim): the body's announced length. The body must have exactly this
   * many bytes, and the commit transaction alone decides the create.
   */
  smallSize?: number;
}

export class LocalWriteSession implements WriteSession {
  readonly exists: boolean;
  private temp: TempFile | null = null;
  private done = false;

  constructor(private readonly o: LocalWriteSessionOptions) {
    this.exists = !o.created;
  }

  async write(body: AsyncIterable<Buffer>): Promise<WriteResult> {
    const { storage, path, ctx } = this.o;
    const signal = ctx.signal;
    try {
      this.temp = await this.createTemp();
      const size = await this.receive(this.temp, body, signal);
      const temp = this.temp;
      const stage: CommitStage = {
        id: temp.id,
        placement: placement(storage),
        prepare: (gen, replaces) => temp.prepare(gen, replaces),
        commit: async (gen) => {
          this.done = true;
          try {
            await temp.commit();
          } catch {
            this.o.reconciler.adopt({ path, gen, temp });
          }
        },
        keepPending: (gen, fence) => {
          this.done = true;
          const claim = this.o.claim;
          const release = claim ? () => this.o.service.releaseClaim(claim) : undefined;
          this.o.reconciler.adopt({ path, gen, temp, release, fence });
        },
      };
      const { record, created } =
        this.o.smallSize === undefined
          ? await this.o.service.commit(
              path,
              this.o.claim,
              size,
              stage,
              ctx,
              this.o.createOnly,
              this.o.conditions,
            )
          : await this.o.service.commitCreate(path, size, stage, ctx);
      this.done = true;
      // The commit alone says whether this write made the file: a PUT whose claim another PUT
      // completed meanwhile replaced that file (one 201 per path, never two).
      return { created, info: toFileInfo(record) };
    } catch (err) {
      await this.abort();
      throw err;
    }
  }

  /** A small create has read no inode yet: a path its disk refuses may be the namespace's 409. */
  private async createTemp(): Promise<TempFile> {
    try {
      return await this.o.storage.createTemp(this.o.path);
    } catch (err) {
      throw this.o.smallSize === undefined
        ? err
        : await this.o.service.createRefused(this.o.path, err);
    }
  }

  /** Streams the body into the temp; a small create's body must match its announced length. */
  private async receive(
    temp: TempFile,
    body: AsyncIterable<Buffer>,
    signal: AbortSignal | undefined,
  ): Promise<number> {
    const expected = this.o.smallSize;
    if (expected === undefined) return temp.write(body, { maxBytes: this.o.maxBytes, signal });
    let size: number;
    try {
      size = await temp.write(body, { maxBytes: expected, signal });
    } catch (err) {
      if (err instanceof PayloadTooLargeError) throw this.lengthMismatch('more than');
      throw err;
    }
    if (size !== expected) throw this.lengthMismatch(`${size}, not`);
    return size;
  }

  private lengthMismatch(what: string): BadRequestError {
    return new BadRequestError(
      `the body of ${this.o.path} has ${what} the ${this.o.smallSize} bytes its length announced`,
    );
  }

  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await this.temp?.discard();
    if (this.o.claim) await this.o.service.releaseClaim(this.o.claim);
  }
}
