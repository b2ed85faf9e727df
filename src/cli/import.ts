// `callfs import --config node.yaml --path /data/existing --as /projects/x`: adopts a tree that
// is already on this node's disk into the namespace, owned by this node, without copying bytes.
// localfs keeps a file at `<root>/<path>`, so the tree must end up there: a tree already at
// `<root>/<as>` is registered in place; a tree elsewhere on the same filesystem is hard-linked
// into place (link() shares the bytes, copies nothing; across filesystems it fails with EXDEV
// and the import stops, telling the operator to move the tree under the root). Names are held
// to the API's path rules and files to `server.max_body_bytes`; symlinks, special files and
// names that are not UTF-8 are skipped and reported. The node must be a live member (or
// `--offline` says it is stopped), so a configuration naming a node that is not running is
// refused. The etcd side never overwrites (see etcd-import.ts), so it runs beside a live node,
// and a re-run skips what it already did.
import type { Dirent } from 'node:fs';
import { link, lstat, mkdir, readdir, unlink } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import type { Config } from '../config/index.js';
import { canonicalize } from '../files/paths.js';
import type { Inode } from '../files/ports.js';
import { etcdClientFromConfig } from '../metadata/from-config.js';
import { EtcdImporter, IMPORT_BATCH, type ImportOutcome } from '../metadata/etcd-import.js';
import { ancestorsOf, joinPath } from '../metadata/keys.js';

export interface ImportOptions {
  /** The tree on this node's disk. */
  source: string;
  /** Where it appears in the namespace. */
  as: string;
  /** The user who owns the imported entries. */
  owner: string;
  /** Import although the node holds no live membership (it is stopped). */
  offline?: boolean;
  onTotal?(files: number): void;
  onFile?(): void;
}

export interface ImportReport {
  mode: 'in-place' | 'hard-link';
  registered: number;
  already: number;
  directories: number;
  conflicts: Array<{ path: string; instance_id: string; type: string }>;
  skipped: Array<{ path: string; reason: string }>;
}

interface Walked {
  dirs: string[];
  files: Map<
    string,
    Array<{ name: string; size: number; mtime: number; dev: number; ino: number }>
  >;
}

export class ImportError extends Error {}

function validPath(path: string): string | null {
  try {
    return canonicalize(path).path === path ? null : 'not a canonical name';
  } catch (err) {
    return (err as Error).message;
  }
}

async function walk(source: string, as: string, maxBytes: number, report: ImportReport) {
  const out: Walked = { dirs: [], files: new Map() };
  const visit = async (rel: string): Promise<void> => {
    const api = rel === '' ? as : joinPath(as, rel);
    out.dirs.push(api);
    const list: NonNullable<ReturnType<Walked['files']['get']>> = [];
    out.files.set(api, list);
    const entries = (await readdir(join(source, rel), {
      encoding: 'buffer',
      withFileTypes: true,
    })) as unknown as Dirent<Buffer>[];
    entries.sort((a, b) => Buffer.compare(a.name, b.name));
    for (const e of entries) {
      const name = e.name.toString('utf8');
      const childRel = rel === '' ? name : `${rel}/${name}`;
      const childApi = joinPath(api, name);
      if (!Buffer.from(name, 'utf8').equals(e.name)) {
        report.skipped.push({ path: childApi, reason: 'name is not UTF-8' });
        continue;
      }
      const bad = validPath(childApi);
      if (bad) {
        report.skipped.push({ path: childApi, reason: `invalid name: ${bad}` });
        continue;
      }
      const st = await lstat(join(source, childRel));
      if (st.isSymbolicLink()) report.skipped.push({ path: childApi, reason: 'symbolic link' });
      else if (st.isDirectory()) await visit(childRel);
      else if (!st.isFile()) report.skipped.push({ path: childApi, reason: 'special file' });
      else if (st.size > maxBytes) {
        report.skipped.push({
          path: childApi,
          reason: `larger than server.max_body_bytes (${maxBytes})`,
        });
      } else
        list.push({ name, size: st.size, mtime: Math.floor(st.mtimeMs), dev: st.dev, ino: st.ino });
    }
  };
  await visit('');
  return out;
}

export async function runImport(config: Config, o: ImportOptions): Promise<ImportReport> {
  const instanceId = config.instance_discovery.instance_id;
  const as = canonicalize(o.as).path;
  if (as === '/') throw new ImportError('--as must name a directory below /');
  const root = resolve(config.backend.localfs_root_path);
  const source = resolve(o.source);
  const target = join(root, ...as.slice(1).split('/'));
  const inPlace = source === target;
  if (!inPlace && (source === root || source.startsWith(root + sep))) {
    throw new ImportError(
      `${source} is inside the storage root but not at ${target}: move it there, or import it from outside the root`,
    );
  }
  const report: ImportReport = {
    mode: inPlace ? 'in-place' : 'hard-link',
    registered: 0,
    already: 0,
    directories: 0,
    conflicts: [],
    skipped: [],
  };
  if (!(await lstat(source)).isDirectory()) throw new ImportError(`${source} is not a directory`);
  const walked = await walk(source, as, config.server.max_body_bytes, report);
  o.onTotal?.([...walked.files.values()].reduce((n, l) => n + l.length, 0));

  const ms = config.metadata_store;
  const client = etcdClientFromConfig(ms);
  const importer = new EtcdImporter(client, ms.etcd_prefix, ms.request_timeout_ms);
  const now = Date.now();
  const dirInode: Inode = {
    type: 'directory',
    instance_id: instanceId,
    backend_type: 'localfs',
    size: 0,
    mode: 0o755,
    owner: o.owner,
    mtime: now,
    gen: 1,
    state: 'ready',
  };
  try {
    // The files are registered as this node's: with no live membership under its id the
    // configuration may name a node that never runs here (a copied config, a typo), whose
    // files would answer 503 to everyone and could not even be deleted through the API.
    if (!o.offline && !(await importer.isLive(instanceId))) {
      throw new ImportError(
        `${instanceId} is not a live member of the cluster (no membership in etcd): start the node, or check --config; --offline imports for a node that is stopped`,
      );
    }
    for (const a of ancestorsOf(as)) {
      const r = await importer.ensureDir(a, dirInode);
      if (r.revision === null)
        throw new ImportError(`${a} exists as a file: cannot import under it`);
    }
    const blocked: string[] = [];
    for (const dir of walked.dirs) {
      const files = walked.files.get(dir) ?? [];
      if (blocked.some((b) => dir.startsWith(`${b}/`))) {
        for (let i = 0; i < files.length; i++) o.onFile?.();
        continue;
      }
      const d = await importer.ensureDir(dir, dirInode);
      if (d.revision === null) {
        count(report, dir, d.outcome);
        blocked.push(dir);
        for (let i = 0; i < files.length; i++) o.onFile?.();
        continue;
      }
      if (d.outcome.kind === 'registered') report.directories += 1;
      const diskDir = join(target, relative(as, dir) || '.');
      const srcDir = join(source, relative(as, dir) || '.');
      if (!inPlace) await mkdir(diskDir, { recursive: true });
      for (let i = 0; i < files.length; i += IMPORT_BATCH) {
        const batch = [];
        const made = new Set<string>();
        for (const f of files.slice(i, i + IMPORT_BATCH)) {
          const path = joinPath(dir, f.name);
          if (!inPlace) {
            const linked = await linkInto(join(srcDir, f.name), join(diskDir, f.name), f);
            if (linked === 'other') {
              report.skipped.push({
                path,
                reason: 'another file is on disk at its place under the storage root',
              });
              o.onFile?.();
              continue;
            }
            if (linked === 'made') made.add(path);
          }
          batch.push({
            path,
            inode: {
              ...dirInode,
              type: 'file' as const,
              size: f.size,
              mode: 0o644,
              mtime: f.mtime,
            },
          });
        }
        // The directory may have changed since read (a file added beside us): read it again.
        const fresh = await importer.ensureDir(dir, dirInode);
        const outcomes = await importer.registerFiles(dir, fresh.revision ?? d.revision, batch);
        for (const [k, outcome] of outcomes.entries()) {
          const path = batch[k]!.path;
          count(report, path, outcome);
          if (outcome.kind === 'conflict' && made.has(path)) {
            await unlink(join(diskDir, path.slice(dir.length + 1))).catch(() => undefined);
          }
          o.onFile?.();
        }
      }
    }
  } finally {
    client.close();
  }
  return report;
}

function count(report: ImportReport, path: string, outcome: ImportOutcome): void {
  if (outcome.kind === 'registered') report.registered += 1;
  else if (outcome.kind === 'already') report.already += 1;
  else report.conflicts.push({ path, instance_id: outcome.instance_id, type: outcome.type });
}

/** Hard-links a file into place: 'made', 'same' (already linked: a re-run) or 'other'. */
async function linkInto(
  from: string,
  to: string,
  f: { dev: number; ino: number },
): Promise<'made' | 'same' | 'other'> {
  try {
    await link(from, to);
    return 'made';
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EXDEV') {
      throw new ImportError(
        `${from} is on another filesystem than the storage root: hard links cannot cross filesystems; move the tree under the root and import it in place`,
      );
    }
    if (code !== 'EEXIST') throw err;
    const st = await lstat(to);
    return st.ino === f.ino && st.dev === f.dev ? 'same' : 'other';
  }
}
