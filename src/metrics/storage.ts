// Storage instrumented for metrics: every backend operation's duration (the temp file's steps
// as `temp_write`, `temp_commit`, ...), and the file operations done on this node's backend,
// with upstream CallFS's label values so its dashboards keep working: `read` (a file opened),
// `create` (a temp committed as a path's first generation), `update` (committed as a later
// one), `delete`, `move` (bytes renamed), each counted once it succeeded. Listings and
// directories live in etcd, not on a backend: files.ts counts those.
import type { Storage, TempFile } from '../files/ports.js';
import type { Metrics } from './metrics.js';
import { timeMethods } from './timing.js';

/** Backend operation → the file operation it completes (a commit is decided by generation). */
const FILE_OPERATIONS: Record<string, string> = {
  open: 'read',
  remove: 'delete',
  rename: 'move',
};

/** A path's first generation is its create (writes.ts prepares a new file as gen 1). */
export function commitOperation(gen: number): 'create' | 'update' {
  return gen <= 1 ? 'create' : 'update';
}

export function instrumentStorage<T extends Storage>(storage: T, metrics: Metrics): T {
  const backend = storage.backendType;
  const record = (operation: string, outcome: string, seconds: number): void => {
    metrics.backendOp(operation, backend, seconds);
    const fileOperation = FILE_OPERATIONS[operation];
    if (fileOperation && outcome === 'ok') metrics.fileOperation(fileOperation, backend);
  };
  const instrumentTemp = (temp: TempFile): TempFile => {
    let gen = 0;
    const timed = timeMethods(temp, {
      observe: (operation, outcome, seconds) => {
        record(`temp_${operation}`, outcome, seconds);
        if (operation === 'commit' && outcome === 'ok') {
          metrics.fileOperation(commitOperation(gen), backend);
        }
      },
    });
    return new Proxy(timed, {
      get(target, prop) {
        if (prop !== 'prepare') return Reflect.get(target, prop, target);
        return (next: number, replaces?: string) => {
          gen = next;
          return target.prepare(next, replaces);
        };
      },
    });
  };
  return timeMethods(storage, {
    observe: record,
    onResult: (operation, value) =>
      operation === 'create_temp' ? instrumentTemp(value as TempFile) : value,
  });
}
