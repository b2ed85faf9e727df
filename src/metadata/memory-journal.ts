// The journal of multi-step jobs in the in-memory fake, as etcd-journal.ts keeps it under
// `ops/`: entries by id, listed per node. Values are kept as objects, so none is unreadable.
import type { JournalEntry, JournalRead } from '../files/ports.js';
import type { MemoryStore } from './memory-store.js';

export class MemoryJournal {
  constructor(private readonly store: MemoryStore) {}

  read(node: string): JournalRead {
    const entries = [...this.store.journal]
      .filter(([, value]) => value.node === node)
      .map(([id, value]) => ({ id, value }));
    return { entries, unreadable: [] };
  }

  put(entry: JournalEntry): void {
    this.store.journal.set(entry.id, entry.value);
  }

  clear(id: string): void {
    this.store.journal.delete(id);
  }
}
