// The files service instrumented for the file operations that never touch a backend, because
// directories live in etcd: `list` (a directory listing, in any form) and `create` (a
// directory made by mkdir). They run on the receiving node — never forwarded — so each is
// counted once in the cluster, under this node's default backend type.
import type { FilesApi } from '../files/ports.js';
import type { Metrics } from './metrics.js';

const LISTINGS = new Set<PropertyKey>(['list', 'listDirectory', 'listEntries']);

export function instrumentFiles<T extends FilesApi>(
  files: T,
  metrics: Metrics,
  backendType: string,
): T {
  return new Proxy(files, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      const method = value as (...args: unknown[]) => unknown;
      if (LISTINGS.has(prop)) {
        return async (...args: unknown[]) => {
          const result = await method.apply(target, args);
          metrics.fileOperation('list', backendType);
          return result;
        };
      }
      if (prop === 'mkdir') {
        return async (...args: Parameters<FilesApi['mkdir']>) => {
          const result = await target.mkdir(...args);
          if (result.created) metrics.fileOperation('create', backendType);
          return result;
        };
      }
      return method.bind(target);
    },
  });
}
