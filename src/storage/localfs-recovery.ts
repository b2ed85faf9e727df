// Start-up recovery of the localfs write journal (`<root>/.callfs/tmp/`): each `<id>.commit`
// names the path, generation and write id of a staged `<id>.part`, and each
// `<id>.<gen>.<base64url path>.jpart` is a staged part that names them itself. A part whose generation
// etcd names is renamed into place (the commit reached etcd, the rename did not happen); any
// other is dropped. An entry that can be neither (unreadable, a path the disk cannot hold, a
// foreign object in the way) is set aside in `.callfs/quarantine/` with a `<id>.json` saying
// why, for `callfs fsck` and the operator: one bad entry never keeps the node from starting.
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CallfsError } from '../files/errors.js';
import type { IsCurrent, QuarantinedEntry, RecoveryReport } from '../files/ports.js';
import type { DiskRoot } from './localfs-disk.js';
import { fsyncDir } from './fs-calls.js';
import { errnoCode, PROBE_SUFFIX } from './localfs-limits.js';
import {
  JOURNAL_SUFFIX,
  type JournalEntry,
  NAMED_PART_SUFFIX,
  PART_SUFFIX,
  parseNamedPart,
} from './localfs-temp.js';
import { INTERNAL_DIR, pathSegments } from './paths.js';

/** Journal entries recovery could not finish, with a `<id>.json` saying why (for fsck). */
const QUARANTINE_DIR = 'quarantine';
const REASON_SUFFIX = '.json';

export async function recoverJournal(
  disk: DiskRoot,
  isCurrent: IsCurrent,
): Promise<RecoveryReport> {
  const tmp = disk.tmpDir;
  const names = (await readdir(tmp)).sort();
  const orphanParts = new Set(names.filter((name) => name.endsWith(PART_SUFFIX)));
  const report: RecoveryReport = { rolledForward: [], discarded: 0, quarantined: [] };
  const placed = new Set<string>();

  const staged: Staged[] = [];
  for (const name of names) {
    if (name.endsWith(JOURNAL_SUFFIX)) {
      const id = name.slice(0, -JOURNAL_SUFFIX.length);
      const part = id + PART_SUFFIX;
      staged.push({
        id,
        files: [name, part],
        part: orphanParts.delete(part) ? part : null,
        journal: join(tmp, name),
        entry: await readJournal(join(tmp, name)),
      });
    } else if (name.endsWith(NAMED_PART_SUFFIX)) {
      const entry = parseNamedPart(name);
      if (entry) {
        try {
          pathSegments(entry.path);
        } catch {
          staged.push({ id: entry.id, files: [name], part: name, journal: null, entry: null });
          continue;
        }
      }
      const id = entry?.id ?? name.slice(0, -NAMED_PART_SUFFIX.length);
      staged.push({ id, files: [name], part: name, journal: null, entry });
    }
  }
  for (const { id, files, part, journal, entry } of staged) {
    if (entry === null) {
      // Not ours to judge: whatever wrote it may still be wanted by an operator.
      report.quarantined.push(
        await quarantineJournal(
          disk,
          id,
          files,
          'local-unreadable',
          undefined,
          'unreadable journal',
        ),
      );
      continue;
    }
    let rollForward: boolean;
    try {
      // Two journals naming one path cannot both be current; only the first one is placed.
      rollForward =
        part !== null &&
        !placed.has(entry.path) &&
        (await isCurrent(entry.path, entry.gen, entry.write));
    } catch (err) {
      // The metadata store could not answer: nothing may be dropped unsure, stop here. An
      // answer it can never give (a path it refuses) is this entry's problem alone.
      if (!(err instanceof CallfsError) || err.retryable) throw err;
      report.quarantined.push(
        await quarantineJournal(disk, id, files, 'local-commit', entry.path, describe(err)),
      );
      continue;
    }
    try {
      if (rollForward) {
        await disk.place(join(tmp, part!), entry.path);
        placed.add(entry.path);
        report.rolledForward.push(entry.path);
      } else if (part !== null) {
        await rm(join(tmp, part), { force: true });
        report.discarded += 1;
      }
      if (journal !== null) await rm(journal, { force: true });
    } catch (err) {
      // The part may be the committed content of a file etcd names (a path too long or a
      // foreign object in the way): keep it for an operator and serve everything else.
      report.quarantined.push(
        await quarantineJournal(disk, id, files, 'local-commit', entry.path, describe(err)),
      );
    }
  }
  for (const part of orphanParts) {
    try {
      await rm(join(tmp, part), { force: true });
      report.discarded += 1;
    } catch (err) {
      const id = part.slice(0, -PART_SUFFIX.length);
      report.quarantined.push(
        await quarantineJournal(disk, id, [part], 'local-part', undefined, describe(err)),
      );
    }
  }
  for (const probe of names.filter((n) => n.endsWith(PROBE_SUFFIX))) {
    await rm(join(tmp, probe), { force: true }).catch(() => undefined);
  }
  return report;
}

/**
 * Keeps a note of bytes moved to lost+found beside the journal entries recovery set aside, so
 * `quarantinedEntries` (and fsck) name the path they belong to after a restart too. Best
 * effort: the bytes are kept either way, and the caller reports where.
 */
export async function noteSetAside(disk: DiskRoot, entry: QuarantinedEntry): Promise<void> {
  const dir = join(disk.root, INTERNAL_DIR, QUARANTINE_DIR);
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, entry.id + REASON_SUFFIX), JSON.stringify(entry));
    await fsyncDir(dir);
  } catch {
    // The bytes stay in lost+found; the caller's report says where.
  }
}

export async function quarantinedEntries(disk: DiskRoot): Promise<QuarantinedEntry[]> {
  const dir = join(disk.root, INTERNAL_DIR, QUARANTINE_DIR);
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return [];
    throw err;
  }
  const out: QuarantinedEntry[] = [];
  for (const name of names.filter((n) => n.endsWith(REASON_SUFFIX))) {
    try {
      out.push(JSON.parse(await readFile(join(dir, name), 'utf8')) as QuarantinedEntry);
    } catch {
      out.push({
        kind: 'local-unreadable',
        id: name.slice(0, -REASON_SUFFIX.length),
        reason: 'unreadable quarantine record',
        keptAt: dir,
      });
    }
  }
  return out;
}

/** One staged write found in the tmp folder: its files, its part (if any) and its journal. */
interface Staged {
  id: string;
  /** Every name in the tmp folder that belongs to it. */
  files: string[];
  part: string | null;
  /** The `<id>.commit` file, when the journal is not the part's name. */
  journal: string | null;
  /** Null when the journal is unreadable or not one of ours. */
  entry: JournalEntry | null;
}

/**
 * Moves a journal entry's files (`<id>.commit` and `<id>.part`, or the `.jpart`) to
 * `.callfs/quarantine/` with a `<id>.json` saying why. When even that fails (a read-only tmp
 * folder), they stay where they are, and the next start tries again.
 */
async function quarantineJournal(
  disk: DiskRoot,
  id: string,
  files: string[],
  kind: string,
  path: string | undefined,
  reason: string,
): Promise<QuarantinedEntry> {
  const dir = join(disk.root, INTERNAL_DIR, QUARANTINE_DIR);
  const entry: QuarantinedEntry = { kind, id, reason, keptAt: dir };
  if (path !== undefined) entry.path = path;
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, id + REASON_SUFFIX), JSON.stringify(entry));
    for (const name of files) {
      try {
        await rename(join(disk.tmpDir, name), join(dir, name));
      } catch (err) {
        if (errnoCode(err) !== 'ENOENT') throw err;
      }
    }
    await fsyncDir(dir);
    await fsyncDir(disk.tmpDir);
  } catch (err) {
    entry.keptAt = disk.tmpDir;
    entry.reason = `${reason}; could not be moved aside: ${describe(err)}`;
  }
  return entry;
}

/** An error as one line for an operator (the errno code first when there is one). */
function describe(err: unknown): string {
  const code = errnoCode(err);
  const message = err instanceof Error ? err.message : String(err);
  return code && !message.startsWith(code) ? `${code}: ${message}` : message;
}

/** A journal's entry, or null when it is unreadable or not one of ours. */
async function readJournal(file: string): Promise<JournalEntry | null> {
  try {
    const value: unknown = JSON.parse(await readFile(file, 'utf8'));
    if (typeof value !== 'object' || value === null) return null;
    const { path, gen, write } = value as Record<string, unknown>;
    if (typeof path !== 'string' || typeof gen !== 'number' || !Number.isSafeInteger(gen)) {
      return null;
    }
    if (write !== undefined && typeof write !== 'string') return null;
    pathSegments(path);
    return { path, gen, write };
  } catch {
    return null;
  }
}
