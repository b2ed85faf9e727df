// Which keys exist: walks the zod schema to tell known keys from unknown ones, recognises the
// keys real CallFS configs carry that this implementation ignores (a warning, not an error),
// and tells the environment loader what type each key has so it can coerce strings.
import { z } from 'zod';
import { configSchema } from './schema.js';

const LEGACY_KEYS: Record<string, string> = {
  'server.protocol': 'the HTTP protocol follows server.tls_cert_file',
  'server.read_timeout': 'see server.request_idle_timeout_ms',
  'server.write_timeout': 'see server.request_idle_timeout_ms',
  'server.idle_timeout': 'see server.request_idle_timeout_ms',
  'server.cert_file': 'TLS is NOT enabled by it; use server.tls_cert_file',
  'server.key_file': 'TLS is NOT enabled by it; use server.tls_key_file',
  'metadata_store.dsn': 'only etcd is supported; see metadata_store.etcd_endpoints',
  'metadata_store.sqlite_path': 'only etcd is supported; see metadata_store.etcd_endpoints',
  'log.file': 'logs go to stdout',
};
const LEGACY_SECTIONS = new Set(['raft', 'dlm', 'metrics', 'rate_limit']);

/**
 * Whether a key is one real CallFS configs carry but this implementation does not use:
 * undefined if not, otherwise a hint for the warning ('' when there is nothing to add).
 */
export function legacyKeyHint(path: readonly string[]): string | undefined {
  const [section, key] = path;
  if (section === undefined) return undefined;
  if (LEGACY_SECTIONS.has(section)) return '';
  if (key === undefined) return undefined;
  const exact = LEGACY_KEYS[`${section}.${key}`];
  if (exact !== undefined) return exact;
  if (section === 'instance_discovery' && key !== 'instance_id') {
    return 'peers are discovered through etcd';
  }
  if (section === 'backend' && key.startsWith('internal_proxy_')) {
    return 'nodes reach each other over gRPC';
  }
  return undefined;
}

export function legacyWarning(dotted: string, hint: string, source = ''): string {
  return `${dotted}${source}: CallFS key not supported by this implementation, ignored${hint === '' ? '' : ` (${hint})`}`;
}

/** Strips wrappers that do not change what a key holds. */
export function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (;;) {
    if (
      current instanceof z.ZodDefault ||
      current instanceof z.ZodPrefault ||
      current instanceof z.ZodOptional ||
      current instanceof z.ZodNullable
    ) {
      current = current.def.innerType as z.ZodType;
    } else if (current instanceof z.ZodPipe) {
      current = current.def.in as z.ZodType;
    } else {
      return current;
    }
  }
}

export type KeyLookup =
  | { kind: 'value'; schema: z.ZodType }
  | { kind: 'section'; record: boolean }
  /** `at` indexes the first unknown segment; `siblings` are the keys known at that level. */
  | { kind: 'unknown'; at: number; siblings: string[] };

/** What `path` names in the schema. Record entries (e.g. a user in api_key_users) are values. */
export function lookupKey(path: readonly string[]): KeyLookup {
  let node = unwrap(configSchema);
  for (let i = 0; i < path.length; i++) {
    const segment = path[i] as string;
    if (node instanceof z.ZodObject) {
      const shape = node.shape as Record<string, z.ZodType>;
      if (!Object.hasOwn(shape, segment)) {
        return { kind: 'unknown', at: i, siblings: Object.keys(shape) };
      }
      node = unwrap(shape[segment] as z.ZodType);
    } else if (node instanceof z.ZodRecord) {
      node = unwrap(node.def.valueType as z.ZodType);
    } else {
      return { kind: 'unknown', at: i, siblings: [] };
    }
  }
  if (node instanceof z.ZodObject) return { kind: 'section', record: false };
  if (node instanceof z.ZodRecord) return { kind: 'section', record: true };
  return { kind: 'value', schema: node };
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Removes legacy keys from `raw` (in place) with a warning each, and removes and reports
 * every key the schema does not know, in dotted form. Values are left for the schema to judge.
 */
export function sortKeys(
  raw: Record<string, unknown>,
  problems: string[],
  warnings: string[],
  schema: z.ZodType = configSchema,
  path: readonly string[] = [],
): void {
  const node = unwrap(schema);
  if (!(node instanceof z.ZodObject)) return;
  const shape = node.shape as Record<string, z.ZodType>;
  for (const key of Object.keys(raw)) {
    const keyPath = [...path, key];
    const dotted = keyPath.join('.');
    const hint = legacyKeyHint(keyPath);
    if (hint !== undefined) {
      warnings.push(legacyWarning(dotted, hint));
      delete raw[key];
    } else if (!Object.hasOwn(shape, key)) {
      problems.push(unknownKeyMessage(keyPath, Object.keys(shape)));
      delete raw[key]; // so the strict schema does not report it a second time
    } else {
      const value = raw[key];
      const child = unwrap(shape[key] as z.ZodType);
      if (
        isPlainObject(value) &&
        child instanceof z.ZodRecord &&
        Object.hasOwn(value, '__proto__')
      ) {
        // zod drops this key without a word; a user silently losing their key is worse.
        problems.push(`${dotted}.__proto__: is not an allowed name`);
      } else if (isPlainObject(value)) {
        sortKeys(value, problems, warnings, child, keyPath);
      }
    }
  }
}

export function unknownKeyMessage(
  path: readonly string[],
  siblings: readonly string[],
  source = '',
): string {
  const key = path[path.length - 1] ?? '';
  const near = siblings.find((s) => editDistance(s, key) <= 2);
  const suggestion =
    near === undefined ? '' : ` (did you mean "${[...path.slice(0, -1), near].join('.')}"?)`;
  return `unknown key "${path.join('.')}"${source}${suggestion}`;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j] as number;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min(above + 1, (row[j - 1] as number) + 1, diagonal + cost);
      diagonal = above;
    }
  }
  return row[b.length] as number;
}
