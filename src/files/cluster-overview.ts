// The cluster as an operator sees it (`GET /v1/cluster`): the live nodes of the membership
// registry, and what each node owns in the namespace. A node whose lease expired is no longer
// registered but may still own paths: those owners are reported as dead, with some of their
// paths, because their files answer OWNER_UNAVAILABLE until the node comes back.
//
// Counting ownership needs a scan of the namespace, which may hold millions of paths: the scan
// reads at most `limit` inodes (in pages, at one store revision) and says whether it saw them
// all. The total number of inodes is a count-only read, so the answer always says how much of
// the namespace the per-node figures cover.
import { BadRequestError } from './errors.js';
import { isVisible } from './info.js';
import type { Membership, Metadata, NodeRecord } from './ports.js';

/** Inodes scanned when the caller does not say. */
export const DEFAULT_SCAN_LIMIT = 10_000;
/** The most a caller may ask to scan in one answer. */
export const MAX_SCAN_LIMIT = 100_000;
/** Paths named per dead owner. */
const SAMPLE_PATHS = 20;
const PAGE = 1000;

export interface OwnedUsage {
  files: number;
  directories: number;
  /** Bytes of the files. */
  bytes: number;
}

export interface LiveNode {
  node: NodeRecord;
  usage: OwnedUsage;
}

export interface DeadOwner {
  instance_id: string;
  usage: OwnedUsage;
  /** Up to SAMPLE_PATHS of its paths, files first, in key order. */
  paths: string[];
}

export interface ClusterOverview {
  /** The store revision the scan read. */
  revision: string;
  /** Unix milliseconds when the membership was read. */
  now: number;
  nodes: LiveNode[];
  dead: DeadOwner[];
  scan: {
    /** Inodes read (visible ones counted). */
    scanned: number;
    limit: number;
    /** Every inode of the namespace was read: the usage figures are exact. */
    complete: boolean;
    /** Inodes in the namespace at `revision` (in-flight creates included). */
    total: number;
  };
}

export interface ClusterOverviewOptions {
  metadata: Metadata;
  membership: Membership;
  now?: () => number;
}

function emptyUsage(): OwnedUsage {
  return { files: 0, directories: 0, bytes: 0 };
}

/** Reads the membership and a bounded scan of the namespace into one overview. */
export class ClusterOverviewReader {
  constructor(private readonly o: ClusterOverviewOptions) {}

  async read(limit = DEFAULT_SCAN_LIMIT): Promise<ClusterOverview> {
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_SCAN_LIMIT) {
      throw new BadRequestError(`scan_limit must be an integer from 1 to ${MAX_SCAN_LIMIT}`);
    }
    const members = await this.o.membership.listNodes();
    const now = (this.o.now ?? Date.now)();
    const usage = new Map<string, OwnedUsage>();
    const dirPaths = new Map<string, string[]>();
    const filePaths = new Map<string, string[]>();
    let scanned = 0;
    let revision: string | undefined;
    let from: string | undefined;
    do {
      const page = await this.o.metadata.scanSubtree('/', {
        limit: Math.min(PAGE, limit - scanned),
        from,
        revision,
      });
      revision = page.revision;
      from = page.next;
      scanned += page.records.length;
      for (const r of page.records) {
        if (!isVisible(r)) continue;
        const id = r.inode.instance_id;
        let u = usage.get(id);
        if (!u) usage.set(id, (u = emptyUsage()));
        const samples = r.inode.type === 'file' ? filePaths : dirPaths;
        if (r.inode.type === 'file') {
          u.files++;
          u.bytes += r.inode.size;
        } else {
          u.directories++;
        }
        let list = samples.get(id);
        if (!list) samples.set(id, (list = []));
        if (list.length < SAMPLE_PATHS) list.push(r.path);
      }
    } while (from !== undefined && scanned < limit);
    const pinned = revision as string;
    const total = await this.o.metadata.count('/', { revision: pinned, recursive: true });
    const live = new Set(members.map((m) => m.instance_id));
    const dead: DeadOwner[] = [...usage.keys()]
      .filter((id) => !live.has(id))
      .sort()
      .map((id) => ({
        instance_id: id,
        usage: usage.get(id) as OwnedUsage,
        paths: [...(filePaths.get(id) ?? []), ...(dirPaths.get(id) ?? [])].slice(0, SAMPLE_PATHS),
      }));
    return {
      revision: pinned,
      now,
      nodes: [...members]
        .sort((a, b) =>
          a.instance_id < b.instance_id ? -1 : a.instance_id > b.instance_id ? 1 : 0,
        )
        .map((node) => ({ node, usage: usage.get(node.instance_id) ?? emptyUsage() })),
      dead,
      scan: { scanned, limit, complete: from === undefined, total },
    };
  }
}
