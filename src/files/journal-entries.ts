// What start-up recovery and `callfs fsck` need to know about the metadata store's `ops/`
// journal entries: which kinds exist and which fields each needs, so that one malformed or
// unfinishable entry is set aside (left in etcd for an operator, logged, counted, reported)
// instead of stopping the node from starting.
import { CallfsError } from './errors.js';
import { canonicalize } from './paths.js';
import type { JournalEntry, QuarantinedEntry } from './ports.js';

/** Each kind of entry and the path fields its recovery reads (move.ts, move-dir.ts). */
const PATH_FIELDS: Record<string, readonly string[]> = {
  'move-file': ['from', 'to'],
  'move-file-out': ['from'],
  'move-dir': ['from', 'to'],
  'move-dir-disk': ['from', 'to'],
  // Recursive deletes are resumed by a retried request, not at start-up (subtree-delete.ts).
  delete: ['path'],
};

/** A bounded metric label for an entry's kind: `ops-<type>`, or `ops-unknown`. */
export function journalKind(type: unknown): string {
  return typeof type === 'string' && type in PATH_FIELDS ? `ops-${type}` : 'ops-unknown';
}

/** Why recovery cannot act on this entry as written, or null when it is well-formed. */
export function malformed(entry: JournalEntry): string | null {
  const fields = PATH_FIELDS[entry.value.type];
  if (!fields) return `unknown journal entry type ${JSON.stringify(entry.value.type)}`;
  for (const field of fields) {
    const value = entry.value[field];
    if (typeof value !== 'string') return `field "${field}" is missing`;
    try {
      if (canonicalize(value).path !== value || value === '/') throw new Error();
    } catch {
      return `field "${field}" is not a canonical path: ${JSON.stringify(value).slice(0, 200)}`;
    }
  }
  if (entry.value.type === 'move-dir' && typeof entry.value.user !== 'string') {
    return 'field "user" is missing';
  }
  return null;
}

/** True when the failure is the store or the node being unavailable: try again later. */
export function isTransient(err: unknown): boolean {
  return err instanceof CallfsError && err.retryable;
}

/** The record of an entry left in etcd, unfinished, for an operator. */
export function setAside(entry: JournalEntry, reason: unknown): QuarantinedEntry {
  const path = entry.value.from ?? entry.value.path;
  return {
    kind: journalKind(entry.value.type),
    id: entry.id,
    ...(typeof path === 'string' ? { path } : {}),
    reason: typeof reason === 'string' ? reason : (reason as Error)?.message || String(reason),
    keptAt: 'etcd',
  };
}
