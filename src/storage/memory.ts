// An in-memory Storage for unit tests of the files service. It passes the same contract suite
// as localfs, including staged temps, the prepare journal and start-up recovery (emulated with
// a map of staged writes that survives a dropped TempFile, as files in tmp/ survive a crash).
// It buffers whole bodies, which is fine for a test fake and nowhere else.
import { randomBytes } from 'node:crypto';
import { Readable, Writable, addAbortSignal } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { InternalError, InvalidPathError, NotFoundError } from '../files/errors.js';
import type {
  IsCurrent,
  OpenedFile,
  PathStorage,
  QuarantinedEntry,
  RecoveryReport,
  SetAsideNote,
  SpanSelector,
  FileRef,
  TempFile,
} from '../files/ports.js';
import { pathSegments } from './paths.js';
import { SizeLimit } from './size-limit.js';
import { StagedTemp } from './staged-temp.js';

const READ_CHUNK_BYTES = 64 * 1024;

interface StoredFile {
  bytes: Buffer;
  mtimeMs: number;
}

/** A staged write: present once its "part" exists, `gen` set once it is journaled. */
interface Staged {
  path: string;
  bytes: Buffer;
  gen: number | null;
  write: string;
}

export interface MemoryStorageOptions {
  backendType?: string;
  /** The longest path it holds, as a disk's PATH_MAX less its root would (default 4096). */
  maxPathBytes?: number;
}

class MemoryTemp extends StagedTemp {
  constructor(
    private readonly staged: Map<number, Staged>,
    private readonly files: Map<string, StoredFile>,
    private readonly key: number,
    path: string,
    tag: string,
  ) {
    // Write ids are unique across instances, as a disk's random ones are: several fake nodes
    // share one metadata store, whose write fences are keyed by write id.
    super(path, `m${tag}-${key}`);
  }

  protected async writePart(
    body: AsyncIterable<Buffer>,
    maxBytes: number,
    signal: AbortSignal,
  ): Promise<number> {
    const entry: Staged = { path: this.path, bytes: Buffer.alloc(0), gen: null, write: this.id };
    this.staged.set(this.key, entry);
    const chunks: Buffer[] = [];
    const limit = new SizeLimit(maxBytes);
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(Buffer.from(chunk));
        callback();
      },
    });
    await pipeline(body, limit, sink, { signal });
    entry.bytes = Buffer.concat(chunks);
    return limit.bytes;
  }

  protected async writeJournal(gen: number): Promise<void> {
    const entry = this.staged.get(this.key);
    if (!entry) throw new InternalError(`temp file of ${this.path} is gone`);
    entry.gen = gen;
  }

  protected async place(): Promise<void> {
    const entry = this.staged.get(this.key);
    if (!entry) throw new InternalError(`temp file of ${this.path} is gone`);
    this.files.set(this.path, { bytes: entry.bytes, mtimeMs: Date.now() });
    this.staged.delete(this.key);
  }

  protected async removeStaged(): Promise<void> {
    this.staged.delete(this.key);
  }
}

export class MemoryStorage implements PathStorage {
  readonly backendType: string;
  readonly maxPathBytes: number;
  /** Set to false to make checkWritable() fail, as a full or read-only disk would. */
  writable = true;
  /** Paths something foreign sits at (as a symlink would on a disk): checkPath refuses them. */
  readonly foreign = new Set<string>();
  private readonly setAside: QuarantinedEntry[] = [];
  private readonly files = new Map<string, StoredFile>();
  private readonly staged = new Map<number, Staged>();
  private nextId = 1;
  /** Tells this instance's write ids from another's. */
  private readonly tag = randomBytes(4).toString('hex');

  constructor(options: MemoryStorageOptions = {}) {
    this.backendType = options.backendType ?? 'memory';
    this.maxPathBytes = options.maxPathBytes ?? 4096;
  }

  async checkPath(path: string): Promise<void> {
    pathSegments(path);
    const bytes = Buffer.byteLength(path, 'utf8');
    if (bytes > this.maxPathBytes) {
      throw new InvalidPathError(
        `path is ${bytes} bytes; this node's storage holds paths of at most ${this.maxPathBytes} bytes`,
      );
    }
    if (this.foreign.has(path)) {
      throw new InvalidPathError(`${path} is a foreign object on this node's storage`);
    }
  }

  async open(ref: FileRef, signal?: AbortSignal, select?: SpanSelector): Promise<OpenedFile> {
    const path = ref.path;
    signal?.throwIfAborted();
    pathSegments(path);
    const file = this.files.get(path);
    if (!file) throw new NotFoundError(`${path} not found`);
    // A snapshot, as an open fd keeps the old inode when a replace renames over it.
    const { bytes } = file;
    const span = select?.(bytes.length);
    const served = span ? bytes.subarray(span.start, span.end + 1) : bytes;
    const body = Readable.from(chunked(served), { objectMode: false });
    if (signal) addAbortSignal(signal, body);
    body.on('error', () => undefined);
    return { size: bytes.length, mtimeMs: file.mtimeMs, body };
  }

  async createTemp(path: string): Promise<TempFile> {
    await this.checkPath(path);
    return new MemoryTemp(this.staged, this.files, this.nextId++, path, this.tag);
  }

  async remove(ref: FileRef): Promise<void> {
    const path = ref.path;
    pathSegments(path);
    this.files.delete(path);
  }

  async rename(from: string, to: string): Promise<void> {
    pathSegments(from);
    await this.checkPath(to);
    const file = this.files.get(from);
    if (!file) throw new NotFoundError(`${from} not found`);
    this.files.delete(from);
    this.files.set(to, file);
  }

  async *inventory(): AsyncIterable<{ path: string; size: number }> {
    for (const path of [...this.files.keys()].sort()) {
      yield { path, size: this.files.get(path)!.bytes.length };
    }
  }

  async renameDir(from: string, to: string): Promise<number> {
    pathSegments(from);
    pathSegments(to);
    let moved = 0;
    for (const [path, file] of [...this.files]) {
      if (!path.startsWith(`${from}/`)) continue;
      this.files.delete(path);
      const dest = `${to}${path.slice(from.length)}`;
      const there = this.files.get(dest);
      // A newer file already at the destination was written after the namespace moved.
      if (!there || there.mtimeMs < file.mtimeMs) this.files.set(dest, file);
      moved += 1;
    }
    return moved;
  }

  /** Quarantined files, by the name they were moved to. */
  readonly lostAndFound = new Map<string, StoredFile>();

  async quarantine(path: string, note?: SetAsideNote): Promise<string> {
    const file = this.files.get(path);
    if (!file) throw new NotFoundError(`${path} not found`);
    const name = `lost+found${path}`;
    this.files.delete(path);
    this.lostAndFound.set(name, file);
    if (note) {
      const { kind, reason } = note;
      this.setAside.push({ kind, id: name, path: note.path ?? path, reason, keptAt: name });
    }
    return name;
  }

  async has(path: string): Promise<boolean> {
    pathSegments(path);
    return this.files.has(path);
  }

  async recover(isCurrent: IsCurrent): Promise<RecoveryReport> {
    const report: RecoveryReport = { rolledForward: [], discarded: 0, quarantined: [] };
    const placed = new Set<string>();
    for (const [id, entry] of [...this.staged]) {
      const rollForward =
        entry.gen !== null &&
        !placed.has(entry.path) &&
        (await isCurrent(entry.path, entry.gen, entry.write));
      this.staged.delete(id);
      if (rollForward) {
        try {
          await this.checkPath(entry.path);
        } catch (err) {
          const kept: QuarantinedEntry = {
            kind: 'memory-commit',
            id: String(id),
            path: entry.path,
            reason: (err as Error).message,
            keptAt: 'memory',
          };
          this.setAside.push(kept);
          report.quarantined.push(kept);
          continue;
        }
        this.files.set(entry.path, { bytes: entry.bytes, mtimeMs: Date.now() });
        placed.add(entry.path);
        report.rolledForward.push(entry.path);
      } else {
        report.discarded += 1;
      }
    }
    return report;
  }

  async quarantinedEntries(): Promise<QuarantinedEntry[]> {
    return [...this.setAside];
  }

  async checkWritable(): Promise<void> {
    if (!this.writable) throw new InternalError('memory storage is marked not writable');
  }

  /** Test helper: the committed bytes of a path, if any. */
  read(path: string): Buffer | undefined {
    return this.files.get(path)?.bytes;
  }

  /** Test helper: every committed path, sorted. */
  paths(): string[] {
    return [...this.files.keys()].sort();
  }

  /** Test helper: staged writes not yet committed or discarded. */
  stagedCount(): number {
    return this.staged.size;
  }
}

function* chunked(bytes: Buffer): Generator<Buffer> {
  for (let offset = 0; offset < bytes.length; offset += READ_CHUNK_BYTES) {
    yield bytes.subarray(offset, offset + READ_CHUNK_BYTES);
  }
}

export function createMemoryStorage(options?: MemoryStorageOptions): MemoryStorage {
  return new MemoryStorage(options);
}
