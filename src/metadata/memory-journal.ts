// The journal of multi-step jobs in the in-memory fake, as etcd-journal.ts keeps it under
// `ops/`: entries by id, listed per node. Values are kept as objects, so none is unreadable.
// Adoption as etcd-adoption.ts does it: an entry changes hands only while it is unchanged and
// its node holds no membership record (the caller checks the adopter's own fence first).
import type { JournalEntry, JournalRead } from '../files/ports.js';
import type { MemoryStore } from './memory-store.js';

export class MemoryJournal {
  constructor(private readonly store: MemoryStore) {}

  read(node: string): JournalRead {
    const entries = [...this.store.journal]
      .filter(([, value]) => value.node === node)
      .map(([id, value]) => ({ id, value: copy(value) }));
    return { entries, unreadable: [] };
  }

  put(entry: JournalEntry): void {
    this.store.journal.set(entry.id, copy(entry.value));
  }

  get(id: string): JournalEntry | null {
    const value = this.store.journal.get(id);
    return value ? { id, value: copy(value) } : null;
  }

  clear(id: string): void {
    this.store.journal.delete(id);
  }

  /** Deletes (`next` null) or overwrites the entry only while it is stored as `expected`. */
  swap(expected: JournalEntry, next: JournalEntry['value'] | null): boolean {
    const stored = this.store.journal.get(expected.id);
    if (!stored || JSON.stringify(stored) !== JSON.stringify(expected.value)) return false;
    if (next === null) this.store.journal.delete(expected.id);
    else this.store.journal.set(expected.id, copy(next));
    this.store.nextRevision();
    return true;
  }

  orphaned(): JournalEntry[] {
    return [...this.store.journal]
      .filter(([, value]) => !this.store.nodes.has(value.node))
      .map(([id, value]) => ({ id, value: copy(value) }));
  }

  adopt(entry: JournalEntry, adopter: string): JournalEntry | null {
    const stored = this.store.journal.get(entry.id);
    if (!stored || JSON.stringify(stored) !== JSON.stringify(entry.value)) return null;
    if (this.store.nodes.has(stored.node)) return null;
    const adopted = {
      id: entry.id,
      value: { ...stored, node: adopter, adopted_from: stored.node },
    };
    this.store.journal.set(entry.id, copy(adopted.value));
    this.store.nextRevision();
    return adopted;
  }
}

/** Values are copied in and out, as etcd hands out bytes: a caller cannot change the store. */
function copy(value: JournalEntry['value']): JournalEntry['value'] {
  return JSON.parse(JSON.stringify(value)) as JournalEntry['value'];
}
