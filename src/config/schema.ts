// The zod schema that validates a CallFS node's raw configuration, section by section, with
// every default and limit and the rules that tie keys of one section together. The value
// rules the sections share are in field-rules.ts; the resulting type is Config (shape.ts).
// Defaults that depend on other keys (external_url, advertise_addr) are filled in by parse.ts.
import { z } from 'zod';
import {
  credential,
  filePath,
  GiB,
  httpUrl,
  KiB,
  listenAddr,
  MiB,
  positiveInt,
  ratePerSecond,
  requireTlsPair,
  requireTogether,
} from './field-rules.js';
import { splitHostPort } from './listen.js';
import { GENERATE_HINT } from './secrets.js';

import { S3_ACLS } from './shape.js';

export type { Config } from './shape.js';

export const MIN_API_KEY_LENGTH = 16;
export const MIN_SECRET_LENGTH = 16;
/** Names the API-key list gives its users: api_keys[i] authenticates as `api-user-i`. */
export const LIST_USER_PREFIX = 'api-user-';
const RESERVED_USERS = new Set(['internal-proxy']);

const serverSchema = z
  .strictObject({
    listen_addr: listenAddr(':8443'),
    external_url: httpUrl.optional(),
    max_body_bytes: positiveInt().default(10 * GiB),
    // POSTs with a known length up to this are staged first and created with one etcd txn.
    small_body_bytes: z
      .int()
      .min(0, 'must be 0 (off) or a positive integer')
      .max(16 * MiB, 'must be at most 16777216 (16 MiB)')
      .default(64 * KiB),
    request_idle_timeout_ms: positiveInt().default(60_000),
    tls_cert_file: filePath.optional(),
    tls_key_file: filePath.optional(),
  })
  .superRefine(requireTlsPair);

const peerSchema = z
  .strictObject({
    listen_addr: listenAddr(':9443'),
    advertise_addr: z
      .string()
      .superRefine((value, ctx) => {
        const parsed = splitHostPort(value);
        if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
        else if (parsed.host === '' || parsed.host === '0.0.0.0' || parsed.host === '::') {
          ctx.addIssue({ code: 'custom', message: 'must name a host that peers can dial' });
        }
      })
      .optional(),
    chunk_size_bytes: z
      .int()
      .min(16 * KiB, 'must be at least 16384 (16 KiB)')
      .max(4 * MiB, 'must be at most 4194304 (4 MiB)')
      .default(MiB),
    flow_control_window_bytes: z
      .int()
      .min(64 * KiB, 'must be at least 65536 (64 KiB)')
      .max(64 * MiB, 'must be at most 67108864 (64 MiB)')
      .default(16 * MiB),
    ready_timeout_ms: positiveInt().default(1500),
    keepalive_time_ms: positiveInt().default(10_000),
    // A byte stream into this node (Write, StageFile) that sends nothing for this long is ended;
    // at least server.request_idle_timeout_ms, so a slow HTTP client is cut by the edge first.
    write_idle_timeout_ms: positiveInt().default(60_000),
    tls_cert_file: filePath.optional(),
    tls_key_file: filePath.optional(),
    tls_ca_file: filePath.optional(),
  })
  .superRefine(requireTlsPair);

const apiKey = credential(MIN_API_KEY_LENGTH, GENERATE_HINT);
const secret = credential(MIN_SECRET_LENGTH, GENERATE_HINT);

const userName = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/,
    'user names are 1-64 characters of A-Z a-z 0-9 . _ @ -, starting with a letter or digit',
  );

const authSchema = z
  .strictObject({
    api_keys: z.array(apiKey).default([]),
    // The key check also keeps `__proto__` out of the parsed record.
    api_key_users: z.record(userName, apiKey).default({}),
    internal_proxy_secret: secret,
    single_use_link_secret: secret,
  })
  .superRefine((auth, ctx) => {
    const keyed: { key: string; path: (string | number)[] }[] = [
      ...auth.api_keys.map((key, i) => ({ key, path: ['api_keys', i] })),
      ...Object.entries(auth.api_key_users).map(([user, key]) => ({
        key,
        path: ['api_key_users', user],
      })),
    ];
    if (keyed.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['api_keys'],
        message: 'at least one API key is required (in auth.api_keys or auth.api_key_users)',
      });
    }
    const seen = new Set<string>();
    for (const { key, path } of keyed) {
      if (seen.has(key))
        ctx.addIssue({ code: 'custom', path, message: 'duplicates another API key' });
      seen.add(key);
    }
    // A user holding the internal secret as a key could act as any user: upstream CallFS refuses
    // it too. The link secret shared with a key or the internal secret is only a warning
    // (parse.ts), since upstream CallFS starts with it.
    if (seen.has(auth.internal_proxy_secret)) {
      ctx.addIssue({
        code: 'custom',
        path: ['internal_proxy_secret'],
        message: 'must differ from every API key',
      });
    }
    for (const user of Object.keys(auth.api_key_users)) {
      const path = ['api_key_users', user];
      if (RESERVED_USERS.has(user)) {
        ctx.addIssue({ code: 'custom', path, message: `user name "${user}" is reserved` });
      } else if (
        user.startsWith(LIST_USER_PREFIX) &&
        /^\d+$/.test(user.slice(LIST_USER_PREFIX.length)) &&
        Number(user.slice(LIST_USER_PREFIX.length)) < auth.api_keys.length
      ) {
        ctx.addIssue({
          code: 'custom',
          path,
          message: `user name "${user}" is taken by auth.api_keys`,
        });
      }
    }
  });

const backendSchema = z
  .strictObject({
    default_backend: z.enum(['localfs', 's3'], 'must be "localfs" or "s3"').default('localfs'),
    localfs_root_path: z.string().min(1, 'must not be empty').default('./data'),
    s3_bucket_name: z
      .string()
      .regex(
        /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
        'must be an S3 bucket name: 3-63 characters of a-z 0-9 . -',
      )
      .optional(),
    s3_region: z.string().min(1, 'must not be empty').default('us-east-1'),
    s3_endpoint: httpUrl.optional(),
    s3_access_key: z.string().min(1, 'must not be empty').optional(),
    s3_secret_key: z.string().min(1, 'must not be empty').optional(),
    s3_server_side_encryption: z
      .enum(['AES256', 'aws:kms'], 'must be "AES256" or "aws:kms"')
      .optional(),
    s3_kms_key_id: z.string().min(1, 'must not be empty').optional(),
    s3_acl: z.enum(S3_ACLS, `must be one of ${S3_ACLS.join(', ')}`).optional(),
  })
  .superRefine((b, ctx) => {
    if (b.default_backend === 's3' && b.s3_bucket_name === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['s3_bucket_name'],
        message: 'is required when default_backend is "s3"',
      });
    }
    if ((b.s3_access_key === undefined) !== (b.s3_secret_key === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [b.s3_access_key === undefined ? 's3_access_key' : 's3_secret_key'],
        message: 'is required when the other S3 credential is set',
      });
    }
    if (b.s3_kms_key_id !== undefined && b.s3_server_side_encryption !== 'aws:kms') {
      ctx.addIssue({
        code: 'custom',
        path: ['s3_kms_key_id'],
        message: 'applies only with s3_server_side_encryption "aws:kms"',
      });
    }
  });

const metadataStoreSchema = z
  .strictObject({
    type: z.literal('etcd', 'must be "etcd" (the only metadata store implemented)').default('etcd'),
    etcd_endpoints: z
      .array(httpUrl)
      .min(1, 'must list at least one endpoint')
      .default(['http://127.0.0.1:2379']),
    etcd_prefix: z
      .string()
      .refine(
        (p) => p.startsWith('/') && p.endsWith('/'),
        'must start and end with "/", e.g. "/callfs/"',
      )
      .default('/callfs/'),
    etcd_username: z.string().min(1, 'must not be empty').optional(),
    etcd_password: z.string().min(1, 'must not be empty').optional(),
    lease_ttl_seconds: z
      .int()
      .min(2, 'must be at least 2')
      .max(60, 'must be at most 60')
      .default(10),
    request_timeout_ms: positiveInt().default(2000),
    // A node whose lease blips re-registers within seconds; a node gone this long is taken to
    // be gone for good, and a live node adopts its directory moves (journal-adoption.ts).
    adopt_jobs_after_ms: z
      .int()
      .min(1000, 'must be at least 1000')
      .max(86_400_000, 'must be at most 86400000 (a day)')
      .default(60_000),
    cache_enabled: z.boolean().default(true),
    cache_max_entries: positiveInt().max(10_000_000, 'must be at most 10000000').default(10_000),
  })
  .superRefine(requireTogether('etcd_username', 'etcd_password'));

const instanceDiscoverySchema = z.strictObject({
  instance_id: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1-64 characters of A-Z a-z 0-9 . _ -')
    .refine((id) => id !== '.' && id !== '..', 'must not be "." or ".."'),
});

/** Per-client token buckets of the link routes (429 RATE_LIMIT_EXCEEDED beyond them). */
const linksSchema = z.strictObject({
  generate_rate_per_second: ratePerSecond().default(100),
  generate_burst: positiveInt().default(20),
  download_rate_per_second: ratePerSecond().default(10),
  download_burst: positiveInt().default(5),
});

const logSchema = z.strictObject({
  level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  format: z.enum(['json', 'text']).default('json'),
});

/** Validates raw config input. external_url and advertise_addr stay optional here. */
export const configSchema = z.strictObject({
  server: serverSchema.prefault({}),
  peer: peerSchema.prefault({}),
  // An absent section validates as empty, so each of its required keys is reported by name.
  auth: authSchema.prefault({} as z.input<typeof authSchema>),
  backend: backendSchema.prefault({}),
  metadata_store: metadataStoreSchema.prefault({}),
  instance_discovery: instanceDiscoverySchema.prefault(
    {} as z.input<typeof instanceDiscoverySchema>,
  ),
  links: linksSchema.prefault({}),
  log: logSchema.prefault({}),
});

export type ParsedConfig = z.output<typeof configSchema>;
