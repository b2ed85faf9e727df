// Registers files that already sit on a node's disk into the namespace (`callfs import`),
// beside a node that may be running: every write is a create-if-absent transaction (nothing is
// ever overwritten), files of one directory go in transactions of at most IMPORT_BATCH puts
// that also compare the directory unchanged since read, and what is already there is read back
// to tell "already imported" (the same file, same owner node and size: a re-run skips it) from
// a conflict (another node's, or another kind), which is reported.
import type { Etcd3, IRangeRequest, IRangeResponse } from 'etcd3';
import type { Inode } from '../files/ports.js';
import { callOptions, mapEtcdError, once, rangeWithin } from './etcd-call.js';
import { absent, unchanged } from './etcd-compares.js';
import { DEFAULT_PREFIX, inodeKey, nodeKey, normalizePrefix } from './keys.js';
import { decodeInode, encodeInode } from './records.js';

/** The directory being imported into changed under the import (a re-run continues). */
export class ImportChangedError extends Error {}

/** Puts per transaction (etcd allows 128 operations; compares count too). */
export const IMPORT_BATCH = 100;

export type ImportOutcome =
  | { kind: 'registered' }
  | { kind: 'already' }
  | { kind: 'conflict'; instance_id: string; type: string };

export interface ImportedDir {
  /** The directory's revision as read (the batch compare), or null when it is not a directory. */
  revision: string | null;
  outcome: ImportOutcome;
}

export class EtcdImporter {
  private readonly prefix: string;

  constructor(
    private readonly client: Etcd3,
    prefix = DEFAULT_PREFIX,
    private readonly timeoutMs = 5_000,
  ) {
    this.prefix = normalizePrefix(prefix);
  }

  /** True while `instanceId` holds its membership (a leased key: gone when the node is down). */
  async isLive(instanceId: string): Promise<boolean> {
    const res = await this.range({ key: Buffer.from(nodeKey(this.prefix, instanceId)) });
    return res.kvs.length > 0;
  }

  /** Makes sure `path` is a directory: creates it when absent (parents first, by the caller). */
  async ensureDir(path: string, inode: Inode): Promise<ImportedDir> {
    if (path === '/') return { revision: '0', outcome: { kind: 'already' } };
    const key = Buffer.from(inodeKey(this.prefix, path));
    for (let attempt = 0; attempt < 5; attempt++) {
      const existing = await this.read(key, path);
      if (existing) {
        if (existing.inode.type === 'directory' && existing.inode.state !== 'writing') {
          return { revision: existing.revision, outcome: { kind: 'already' } };
        }
        return { revision: null, outcome: conflict(existing.inode) };
      }
      const res = await this.txn({
        compare: [absent(key)],
        success: [{ request_put: { key, value: Buffer.from(encodeInode(inode)) } }],
      });
      if (res.succeeded) return { revision: res.header.revision, outcome: { kind: 'registered' } };
    }
    const again = await this.read(key, path);
    return {
      revision: again?.revision ?? null,
      outcome: again ? conflict(again.inode) : { kind: 'already' },
    };
  }

  /**
   * Registers files of one directory (at most IMPORT_BATCH) in one transaction when all are
   * absent and the directory is unchanged; otherwise one by one, each create-if-absent.
   */
  async registerFiles(
    dir: string,
    dirRevision: string,
    files: Array<{ path: string; inode: Inode }>,
  ): Promise<ImportOutcome[]> {
    const dirKey = Buffer.from(inodeKey(this.prefix, dir));
    const keys = files.map((f) => Buffer.from(inodeKey(this.prefix, f.path)));
    const puts = files.map((f, i) => ({
      request_put: { key: keys[i]!, value: Buffer.from(encodeInode(f.inode)) },
    }));
    const compares = keys.map(absent);
    if (dir !== '/') compares.push(unchanged(dirKey, dirRevision));
    const all = await this.txn({ compare: compares, success: puts });
    if (all.succeeded) return files.map(() => ({ kind: 'registered' }));
    const out: ImportOutcome[] = [];
    for (const [i, f] of files.entries()) {
      const key = keys[i]!;
      // The directory is compared here too: a file registered after its directory was deleted
      // or moved away would be an entry without a parent.
      const res = await this.txn({
        compare: dir === '/' ? [absent(key)] : [absent(key), unchanged(dirKey, dirRevision)],
        success: [puts[i]!],
        failure: [{ request_range: { key } }],
      });
      if (res.succeeded) {
        out.push({ kind: 'registered' });
        continue;
      }
      const kv = res.responses[0]?.response_range?.kvs[0];
      if (!kv) {
        throw new ImportChangedError(
          `${dir} changed while its files were being registered: run the import again`,
        );
      }
      const existing = kv ? decodeInode(f.path, kv.value.toString('utf8')) : null;
      if (
        existing &&
        existing.type === 'file' &&
        existing.state === 'ready' &&
        existing.instance_id === f.inode.instance_id &&
        existing.size === f.inode.size
      ) {
        out.push({ kind: 'already' });
      } else {
        out.push(
          existing ? conflict(existing) : { kind: 'conflict', instance_id: '', type: 'unknown' },
        );
      }
    }
    return out;
  }

  private async read(key: Buffer, path: string) {
    const res = await this.range({ key });
    const kv = res.kvs[0];
    return kv
      ? { inode: decodeInode(path, kv.value.toString('utf8')), revision: kv.mod_revision }
      : null;
  }

  private range(req: IRangeRequest): Promise<IRangeResponse> {
    return rangeWithin(this.client, this.timeoutMs, req, 'import');
  }

  private async txn(req: Parameters<Etcd3['kv']['txn']>[0]) {
    try {
      return await once(() => this.client.kv.txn(req, callOptions(this.timeoutMs)));
    } catch (err) {
      throw mapEtcdError(err, 'import');
    }
  }
}

function conflict(inode: Inode): ImportOutcome {
  return { kind: 'conflict', instance_id: inode.instance_id, type: inode.type };
}
