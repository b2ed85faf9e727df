// etcd as a node sees it through a cut link, over the in-memory metadata fake: while `down`,
// reads and commits fail as unavailable; the next commit's answer can be lost (it applied), the
// commit refused before it reached etcd, or held (unanswered, applied only when the test says,
// as etcd may apply a proposed request late). `commits` names the port's calls that count as
// commits for the file under test (a write's create and replace, a move's switch).
import { MetadataUnavailableError } from '../../src/files/errors.js';
import { InProcessOwnerClient } from '../../src/files/in-process-owner-client.js';
import type { Metadata, NodeRecord } from '../../src/files/ports.js';
import { FilesService, type FilesServiceOptions } from '../../src/files/service.js';
import { MemoryMetadata, MemoryStore } from '../../src/metadata/memory-metadata.js';
import { createMemoryStorage } from '../../src/storage/memory.js';
import { FAKE_CURSOR_KEY } from './fakes.js';

export class FlakyMetadata {
  down = false;
  /** The next commit applies, and its answer is lost. */
  loseNextReply = false;
  /** etcd goes away with the lost answer (else it answers the re-read). */
  downOnLoss = true;
  /** etcd goes away before the next commit reaches it. */
  failNextCommit = false;
  /** The next commit goes unanswered and is held, as etcd may hold a proposed request. */
  holdNextCommit = false;
  /** Applies the held commit now: its outcome, as etcd would decide it then. */
  held?: () => Promise<unknown>;
  /** etcd goes away right after it takes the held commit (the fence cannot be put). */
  downAfterHold = false;
  /** etcd applies the held commit just before the next write fence arrives. */
  applyHeldBeforeFence = false;

  constructor(
    private readonly inner: MemoryMetadata,
    private readonly commits: readonly string[] = ['create', 'replace'],
  ) {}

  wrap(): Metadata {
    return new Proxy(this.inner, {
      get: (target, key) => {
        const value = Reflect.get(target, key) as unknown;
        if (typeof value !== 'function') return value;
        const fn = value as (...a: unknown[]) => Promise<unknown>;
        if (key === 'get') {
          return async (...args: unknown[]) => {
            if (this.down) throw new MetadataUnavailableError('etcd is unavailable');
            return fn.apply(target, args);
          };
        }
        if (key === 'fenceWrite') {
          return async (...args: unknown[]) => {
            if (this.down) throw new MetadataUnavailableError('etcd is unavailable');
            if (this.applyHeldBeforeFence) {
              this.applyHeldBeforeFence = false;
              await this.held!();
            }
            return fn.apply(target, args);
          };
        }
        if (typeof key === 'string' && this.commits.includes(key)) {
          return async (...args: unknown[]) => this.commit(() => fn.apply(target, args));
        }
        return fn.bind(target);
      },
    }) as unknown as Metadata;
  }

  private async commit(apply: () => Promise<unknown>): Promise<unknown> {
    if (this.down) throw new MetadataUnavailableError('etcd is unavailable');
    if (this.holdNextCommit) {
      this.holdNextCommit = false;
      this.held = apply;
      if (this.downAfterHold) this.down = true;
      throw new MetadataUnavailableError('etcd did not answer the commit in time');
    }
    if (this.failNextCommit) {
      this.failNextCommit = false;
      this.down = true;
      throw new MetadataUnavailableError('etcd went away before the commit');
    }
    const result = await apply();
    if (this.loseNextReply) {
      // The transaction applied; its answer (and, with downOnLoss, etcd) is gone.
      this.loseNextReply = false;
      this.down = this.downOnLoss;
      throw new MetadataUnavailableError('etcd did not answer the commit');
    }
    return result;
  }
}

/**
 * One registered node, n1, whose etcd is a MemoryMetadata behind a FlakyMetadata link that
 * counts `commits` as the commits under test. `options` are more FilesService options (its
 * storage, a shared store); `member` more of n1's membership record (its backends, stores).
 */
export async function flakyNode(
  commits: readonly string[] = ['create', 'replace'],
  options: Partial<FilesServiceOptions> = {},
  member: Partial<NodeRecord> = {},
): Promise<{ meta: MemoryMetadata; flaky: FlakyMetadata; files: FilesService }> {
  const meta = new MemoryMetadata({ instanceId: 'n1', store: new MemoryStore() });
  const flaky = new FlakyMetadata(meta, commits);
  const files = new FilesService({
    cursorKey: FAKE_CURSOR_KEY,
    instanceId: 'n1',
    metadata: flaky.wrap(),
    membership: meta,
    storage: createMemoryStorage({ backendType: 'localfs' }),
    owners: new InProcessOwnerClient(() => undefined),
    maxBodyBytes: 1 << 20,
    ...options,
  });
  await meta.register({
    instance_id: 'n1',
    http_url: 'http://n1',
    grpc_addr: 'n1:1',
    backends: ['localfs'],
    started: Date.now(),
    ...member,
  });
  return { meta, flaky, files };
}
