// Times an object's asynchronous methods without touching its code: a Proxy whose methods
// call the original (bound to the original object, so private state keeps working) and report
// each call's duration and outcome. A Proxy rather than a hand-written decorator so that a
// method added to a port later is timed too, and everything else (fields, sync methods) still
// passes through unchanged.
import { toCallfsError } from '../files/errors.js';

/** Called once per settled call: the operation (snake_case method name), outcome, seconds. */
export type Observe = (operation: string, outcome: string, seconds: number) => void;

export interface TimeMethodsOptions {
  observe: Observe;
  /** Replaces a call's result, e.g. to time the object it returns too. */
  onResult?: (operation: string, value: unknown) => unknown;
  /** Methods passed through untimed. */
  except?: ReadonlySet<PropertyKey>;
}

/** `ok`, or the API code of the error (a bounded set; unknown failures are INTERNAL_ERROR). */
export function outcomeOf(err?: unknown): string {
  return err === undefined ? 'ok' : toCallfsError(err).code;
}

/** `createTemp` → `create_temp`: operation labels read like the metric names. */
export function operationName(method: string): string {
  return method.replace(/[A-Z]/g, (ch) => `_${ch.toLowerCase()}`);
}

export function secondsSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

export function timeMethods<T extends object>(target: T, o: TimeMethodsOptions): T {
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(target, {
    get(obj, prop) {
      const value: unknown = Reflect.get(obj, prop, obj);
      if (typeof value !== 'function' || prop === 'constructor') return value;
      let fn = wrapped.get(prop);
      if (fn) return fn;
      const method = value as (...args: unknown[]) => unknown;
      if (typeof prop === 'symbol' || o.except?.has(prop)) {
        fn = method.bind(obj);
      } else {
        const operation = operationName(prop);
        fn = (...args: unknown[]): unknown => {
          const start = process.hrtime.bigint();
          const result = method.apply(obj, args);
          // Synchronous methods (isServing, close, ...) are not requests: pass them through.
          if (!isThenable(result)) return result;
          return Promise.resolve(result).then(
            (v) => {
              o.observe(operation, outcomeOf(), secondsSince(start));
              return o.onResult ? o.onResult(operation, v) : v;
            },
            (err: unknown) => {
              o.observe(operation, outcomeOf(err), secondsSince(start));
              throw err;
            },
          );
        };
      }
      wrapped.set(prop, fn);
      return fn;
    },
  });
}
