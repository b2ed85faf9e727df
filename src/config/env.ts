// Environment overrides: `CALLFS_SECTION__KEY=value` (double underscore = nesting, names
// lowercased) is written over the raw file config before validation, with each string coerced
// to the type the schema expects. Keys are checked exactly like file keys.
import { z } from 'zod';
import { CLIENT_ENV_NAMES } from './client-env.js';
import {
  isPlainObject,
  legacyKeyHint,
  legacyWarning,
  lookupKey,
  unknownKeyMessage,
  unwrap,
} from './keys.js';

export const ENV_PREFIX = 'CALLFS_';
/** Used by the dev scripts for their own settings; never config keys. */
const IGNORED_PREFIX = 'CALLFS_DEV_';

type Coerced = { ok: true; value: unknown } | { ok: false; message: string };

/**
 * Applies every `CALLFS_*` variable to `raw` in place. An empty variable counts as unset, so
 * `FOO=${FOO:-}` in a compose file does not clobber the file's value.
 */
export function applyEnvOverrides(
  raw: Record<string, unknown>,
  env: Record<string, string | undefined>,
  problems: string[],
  warnings: string[],
): void {
  const names = Object.keys(env)
    .filter((name) => name.startsWith(ENV_PREFIX) && !name.startsWith(IGNORED_PREFIX))
    .filter((name) => !CLIENT_ENV_NAMES.includes(name))
    .sort();
  for (const name of names) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    const source = ` (from ${name})`;
    const path = envPath(name);
    if (path.some((segment) => segment === '')) {
      problems.push(`${name}: malformed variable name; use CALLFS_SECTION__KEY`);
      continue;
    }
    const dotted = path.join('.');
    const hint = legacyKeyHint(path);
    if (hint !== undefined) {
      warnings.push(legacyWarning(dotted, hint, source));
      continue;
    }
    const found = lookupKey(path);
    if (found.kind === 'unknown') {
      const siblings = found.at === path.length - 1 ? found.siblings : [];
      problems.push(unknownKeyMessage(path, siblings, source));
      continue;
    }
    if (found.kind === 'section') {
      const what = found.record
        ? `a map; set one entry per variable, e.g. ${name}__<NAME>`
        : `a section; set its keys, e.g. ${name}__<KEY>`;
      problems.push(`${dotted}${source}: is ${what}`);
      continue;
    }
    const coerced = coerce(value, found.schema);
    if (!coerced.ok) {
      problems.push(`${dotted}${source}: ${coerced.message}`);
      continue;
    }
    const clash = setPath(raw, path, coerced.value);
    if (clash !== undefined) {
      problems.push(`${clash}: is not a mapping in the config file, so ${name} cannot be applied`);
    }
  }
}

/**
 * The config key a variable names: `CALLFS_SECTION__KEY`, or CallFS's own single-underscore
 * names of the S3 keys (`CALLFS_BACKEND_S3_BUCKET_NAME` → backend.s3_bucket_name).
 */
function envPath(name: string): string[] {
  const rest = name.slice(ENV_PREFIX.length);
  const callfs = /^BACKEND_(S3_[A-Z0-9_]+)$/.exec(rest);
  if (callfs && !rest.includes('__')) return ['backend', (callfs[1] as string).toLowerCase()];
  return rest.split('__').map((segment) => segment.toLowerCase());
}

function coerce(value: string, schema: z.ZodType): Coerced {
  if (schema instanceof z.ZodArray) {
    const element = unwrap(schema.def.element as z.ZodType);
    const items: unknown[] = [];
    for (const item of value.split(',').map((s) => s.trim())) {
      if (item === '') continue;
      const one = coerce(item, element);
      if (!one.ok) return one;
      items.push(one.value);
    }
    return { ok: true, value: items };
  }
  if (schema instanceof z.ZodNumber) {
    const trimmed = value.trim();
    if (!/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(trimmed)) {
      return { ok: false, message: `expected a number, got "${value}"` };
    }
    return { ok: true, value: Number(trimmed) };
  }
  if (schema instanceof z.ZodBoolean) {
    const lower = value.trim().toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(lower)) return { ok: true, value: true };
    if (['false', '0', 'no', 'off'].includes(lower)) return { ok: true, value: false };
    return { ok: false, message: `expected true or false, got "${value}"` };
  }
  return { ok: true, value };
}

/** Sets a nested value, creating sections; returns the dotted key that blocked it, if any. */
function setPath(
  raw: Record<string, unknown>,
  path: readonly string[],
  value: unknown,
): string | undefined {
  let node = raw;
  for (let i = 0; i < path.length - 1; i++) {
    const segment = path[i] as string;
    const child = node[segment];
    if (child === undefined || child === null) {
      node[segment] = {};
    } else if (!isPlainObject(child)) {
      return path.slice(0, i + 1).join('.');
    }
    node = node[segment] as Record<string, unknown>;
  }
  node[path[path.length - 1] as string] = value;
  return undefined;
}
