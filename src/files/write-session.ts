// A write that runs on this node (the owner): the body streams into a temp file of the
// storage backend, then the service commits it as the path's next generation. Any failure or
// abort removes the temp file and, for a create, the claim, so nothing partial remains.
import type {
  CallContext,
  InodeRecord,
  Storage,
  TempFile,
  WriteResult,
  WriteSession,
} from './ports.js';
import { toFileInfo } from './info.js';

interface Committer {
  commit(
    path: string,
    claim: InodeRecord | null,
    size: number,
    stage: { prepare(gen: number): Promise<void>; commit(): Promise<void> },
    writer: CallContext,
  ): Promise<{ record: InodeRecord; created: boolean }>;
  releaseClaim(claim: InodeRecord): Promise<void>;
}

export interface LocalWriteSessionOptions {
  service: Committer;
  storage: Storage;
  path: string;
  created: boolean;
  claim: InodeRecord | null;
  maxBytes: number;
  ctx: CallContext;
}

export class LocalWriteSession implements WriteSession {
  readonly exists: boolean;
  private temp: TempFile | null = null;
  private done = false;

  constructor(private readonly o: LocalWriteSessionOptions) {
    this.exists = !o.created;
  }

  async write(body: AsyncIterable<Buffer>): Promise<WriteResult> {
    const { storage, path, maxBytes, ctx } = this.o;
    const signal = ctx.signal;
    try {
      this.temp = await storage.createTemp(path);
      const size = await this.temp.write(body, { maxBytes, signal });
      const temp = this.temp;
      let named = false;
      const stage = {
        prepare: (gen: number) => temp.prepare(gen),
        // Called only once etcd names the new generation: from then on the prepared temp is
        // the file's content and must never be discarded. One retry covers a transient
        // failure; otherwise start-up recovery rolls the journaled temp forward.
        commit: async () => {
          named = true;
          await temp.commit().catch(() => temp.commit());
        },
      };
      try {
        const { record, created } = await this.o.service.commit(
          path,
          this.o.claim,
          size,
          stage,
          ctx,
        );
        this.done = true;
        return { created: this.o.created || created, info: toFileInfo(record) };
      } catch (err) {
        if (named) this.done = true;
        throw err;
      }
    } catch (err) {
      await this.abort();
      throw err;
    }
  }

  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await this.temp?.discard();
    if (this.o.claim) await this.o.service.releaseClaim(this.o.claim);
  }
}
