// Turns raw config input (parsed file plus environment overrides) into a `Config`: sorts
// legacy from unknown keys, validates with the schema, phrases every issue as
// `dotted.key: problem`, and fills in the defaults that depend on other keys.
import type { z } from 'zod';
import { ConfigError } from './errors.js';
import { isPlainObject, sortKeys, unknownKeyMessage } from './keys.js';
import { formatHostPort, isWildcardHost, splitHostPort } from './listen.js';
import { configSchema, type Config, type ParsedConfig } from './schema.js';
import { placeholderReason } from './secrets.js';

export interface LoadedConfig {
  config: Config;
  warnings: string[];
}

/** Validates an already-parsed config object (no file, no environment). */
export function parseConfig(raw: unknown): LoadedConfig {
  return validateConfig(raw, [], []);
}

/**
 * Validates `raw`, adding to problems and warnings found earlier (reading the file, applying
 * the environment) so that the thrown ConfigError lists everything at once.
 */
export function validateConfig(raw: unknown, problems: string[], warnings: string[]): LoadedConfig {
  if (!isPlainObject(raw)) {
    throw new ConfigError([...problems, 'config: the top level must be a mapping of sections']);
  }
  const input = structuredClone(raw);
  sortKeys(input, problems, warnings);
  const result = configSchema.safeParse(input, { error: describeIssue });
  if (!result.success) {
    for (const issue of result.error.issues) problems.push(...formatIssue(issue));
    throw new ConfigError(problems);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const config = withDerivedDefaults(result.data);
  warnings.push(...placeholderWarnings(config), ...sharedLinkSecretWarnings(config));
  return { config, warnings };
}

/** Credentials that look like placeholders: accepted (upstream CallFS accepts them), but said. */
function placeholderWarnings({ auth }: Config): string[] {
  const credentials: [string, string][] = [
    ...auth.api_keys.map((key, i): [string, string] => [`auth.api_keys[${i}]`, key]),
    ...Object.entries(auth.api_key_users).map(([user, key]): [string, string] => [
      `auth.api_key_users.${user}`,
      key,
    ]),
    ['auth.internal_proxy_secret', auth.internal_proxy_secret],
    ['auth.single_use_link_secret', auth.single_use_link_secret],
  ];
  return credentials.flatMap(([key, value]) => {
    const reason = placeholderReason(value);
    return reason === undefined ? [] : [`${key}: ${reason}; accepted, but generate a real one`];
  });
}

/** A link secret that is also another credential: accepted (upstream CallFS accepts it), but said. */
function sharedLinkSecretWarnings({ auth }: Config): string[] {
  const link = auth.single_use_link_secret;
  const key = 'auth.single_use_link_secret';
  const out: string[] = [];
  if (link === auth.internal_proxy_secret) {
    out.push(`${key}: equals auth.internal_proxy_secret; accepted, but generate a separate one`);
  }
  if (auth.api_keys.includes(link) || Object.values(auth.api_key_users).includes(link)) {
    out.push(`${key}: equals an API key; accepted, but generate a separate one`);
  }
  return out;
}

function dotted(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out;
}

function formatIssue(issue: z.core.$ZodIssue): string[] {
  if (issue.code === 'unrecognized_keys') {
    // sortKeys reports these first; kept so the schema stays the last word.
    return issue.keys.map((key) =>
      unknownKeyMessage([dotted(issue.path), key].filter(Boolean), []),
    );
  }
  const message =
    issue.code === 'invalid_key' ? (issue.issues[0]?.message ?? issue.message) : issue.message;
  return [`${dotted(issue.path) || 'config'}: ${message}`];
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return typeof value === 'string' ? 'a string' : `${typeof value} ${String(value)}`;
}

const TYPE_NAMES: Record<string, string> = {
  object: 'a mapping',
  record: 'a mapping',
  array: 'a list',
};

/** Default wording for issues whose schema check did not supply its own message. */
function describeIssue(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      if (issue.expected === 'int' && typeof issue.input === 'number') return 'must be an integer';
      return `expected ${TYPE_NAMES[issue.expected] ?? `a ${issue.expected}`}, got ${describeValue(issue.input)}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'too_small':
      return `must be at least ${String(issue.minimum)}`;
    case 'too_big':
      return `must be at most ${String(issue.maximum)}`;
    default:
      return undefined;
  }
}

/** external_url and advertise_addr default to this node's own listen addresses. */
function withDerivedDefaults(parsed: ParsedConfig): Config {
  const tls = parsed.server.tls_cert_file !== undefined;
  const server = splitHostPort(parsed.server.listen_addr);
  const peer = splitHostPort(parsed.peer.listen_addr);
  // The schema has already rejected unparseable addresses.
  if (typeof server === 'string' || typeof peer === 'string') throw new Error('unreachable');
  const reachable = (host: string) => (isWildcardHost(host) ? '127.0.0.1' : host);
  const externalUrl =
    parsed.server.external_url ??
    `${tls ? 'https' : 'http'}://${formatHostPort(reachable(server.host), server.port)}`;
  return {
    ...parsed,
    server: { ...parsed.server, external_url: externalUrl.replace(/\/+$/, '') },
    peer: {
      ...parsed.peer,
      advertise_addr: parsed.peer.advertise_addr ?? formatHostPort(reachable(peer.host), peer.port),
    },
  };
}

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Derived = 'external_url' | 'advertise_addr';
type RequireDerived<T> = {
  [K in keyof T]: T[K] extends object
    ? Omit<T[K], Derived> & Required<Pick<T[K], Extract<keyof T[K], Derived>>>
    : T[K];
};
// Compile-time proof that the schema and the hand-written Config type describe the same shape.
const _schemaMatchesConfig: Same<RequireDerived<ParsedConfig>, Config> = true;
