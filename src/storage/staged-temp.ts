// The lifecycle every backend's TempFile shares: write once, prepare (journal) once, then
// commit or discard, with discard safe at any moment. A discard during a write cancels it and
// waits for it, so once discard resolves nothing staged is left, and a commit that already
// happened is never undone. Backends supply only the four storage steps.
import type { TempFile } from '../files/ports.js';
import { InternalError } from '../files/errors.js';

type Phase =
  'new' | 'writing' | 'failed' | 'written' | 'preparing' | 'prepared' | 'committing' | 'committed';

export abstract class StagedTemp implements TempFile {
  private phase: Phase = 'new';
  private discarded = false;
  /** Cancels an in-flight write when the temp is discarded. */
  private readonly cancel = new AbortController();
  /** The step in progress, settled, so discard can wait for it without inheriting its error. */
  private inflight: Promise<void> = Promise.resolve();

  constructor(
    readonly path: string,
    readonly id: string,
  ) {}

  /** Streams the body into the staged part; returns its size once it is durable. */
  protected abstract writePart(
    body: AsyncIterable<Buffer>,
    maxBytes: number,
    signal: AbortSignal,
  ): Promise<number>;
  /**
   * Durably records that the part is about to become generation `gen` of `path`, replacing
   * the generation written by `replaces` (see TempFile.prepare).
   */
  protected abstract writeJournal(gen: number, replaces?: string): Promise<void>;
  /** Makes the part the visible content of `path`, then drops the journal. */
  protected abstract place(): Promise<void>;
  /** Removes the part and the journal; missing ones are fine. */
  protected abstract removeStaged(): Promise<void>;

  async write(
    body: AsyncIterable<Buffer>,
    options: { maxBytes: number; signal?: AbortSignal },
  ): Promise<number> {
    this.enter('new', 'writing', 'write');
    // The caller's signal aborts the temp's own controller: one signal for the write, where
    // AbortSignal.any made a third one, with weak references, per write.
    const outer = options.signal;
    const forward = (): void => this.cancel.abort(outer?.reason);
    if (outer?.aborted) forward();
    else outer?.addEventListener('abort', forward, { once: true });
    return this.track(async () => {
      try {
        const size = await this.writePart(body, options.maxBytes, this.cancel.signal);
        this.ensureLive();
        this.phase = 'written';
        return size;
      } catch (err) {
        this.phase = 'failed';
        await this.removeStaged();
        throw err;
      } finally {
        outer?.removeEventListener('abort', forward);
      }
    });
  }

  async prepare(gen: number, replaces?: string): Promise<void> {
    if (!Number.isSafeInteger(gen) || gen < 0) {
      throw new InternalError(`invalid generation ${gen} for ${this.path}`);
    }
    // A commit whose fenced transaction lost a race prepares again with the next generation.
    const from = this.phase === 'prepared' ? 'prepared' : 'written';
    this.enter(from, 'preparing', 'prepare');
    await this.track(async () => {
      try {
        await this.writeJournal(gen, replaces);
      } catch (err) {
        this.phase = from;
        throw err;
      }
      this.ensureLive();
      this.phase = 'prepared';
    });
  }

  async commit(): Promise<void> {
    this.enter('prepared', 'committing', 'commit');
    await this.track(async () => {
      try {
        await this.place();
      } catch (err) {
        // The journal stays: the metadata may already name this generation, and recovery
        // (or a retried commit) can still put the bytes in place.
        this.phase = 'prepared';
        throw err;
      }
      this.phase = 'committed';
    });
  }

  async discard(): Promise<void> {
    this.discarded = true;
    this.cancel.abort(new InternalError(`write of ${this.path} was discarded`));
    await this.inflight;
    if (this.phase === 'committed') return;
    await this.removeStaged();
  }

  private enter(from: Phase, to: Phase, step: string): void {
    this.ensureLive();
    if (this.phase !== from) {
      throw new InternalError(`cannot ${step} a temp file of ${this.path} that is ${this.phase}`);
    }
    this.phase = to;
  }

  private ensureLive(): void {
    if (this.discarded) throw new InternalError(`temp file of ${this.path} was discarded`);
  }

  private track<T>(step: () => Promise<T>): Promise<T> {
    const running = step();
    this.inflight = running.then(
      () => undefined,
      () => undefined,
    );
    return running;
  }
}
