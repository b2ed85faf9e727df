// Storage instrumented for metrics: every backend operation's duration (the temp file's steps
// as `temp_write`, `temp_commit`, ...), and the file operations done on this node's backend:
// `read` (a file opened), `write` (a temp committed into place), `delete`, `rename`, each
// counted once it succeeded.
import type { Storage, TempFile } from '../files/ports.js';
import type { Metrics } from './metrics.js';
import { timeMethods } from './timing.js';

/** Backend operation → the file operation it completes. */
const FILE_OPERATIONS: Record<string, string> = {
  open: 'read',
  temp_commit: 'write',
  remove: 'delete',
  rename: 'rename',
};

export function instrumentStorage<T extends Storage>(storage: T, metrics: Metrics): T {
  const backend = storage.backendType;
  const record = (operation: string, outcome: string, seconds: number): void => {
    metrics.backendOp(operation, backend, seconds);
    const fileOperation = FILE_OPERATIONS[operation];
    if (fileOperation && outcome === 'ok') metrics.fileOperation(fileOperation, backend);
  };
  const instrumentTemp = (temp: TempFile): TempFile =>
    timeMethods(temp, {
      observe: (operation, outcome, seconds) => record(`temp_${operation}`, outcome, seconds),
    });
  return timeMethods(storage, {
    observe: record,
    onResult: (operation, value) =>
      operation === 'create_temp' ? instrumentTemp(value as TempFile) : value,
  });
}
