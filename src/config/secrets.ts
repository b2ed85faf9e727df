// Rejection of guessable credentials: keys and secrets copied from docs or left as
// placeholders are refused at start-up rather than discovered in production.
import { createHash } from 'node:crypto';

const PLACEHOLDER_MARKERS = [
  'changeme',
  'change-me',
  'change_me',
  'secret',
  'password',
  'example',
  'placeholder',
  'your-',
  'xxxx',
];

/**
 * Why a credential looks like a placeholder, or undefined when it looks real. Never echoes it.
 * A hint only: upstream CallFS accepts such values, so they earn a start-up warning, not a
 * refusal (a refusal is kept for values anyone can look up: see `publishedDefault`).
 */
export function placeholderReason(value: string): string | undefined {
  const lower = value.toLowerCase();
  const marker = PLACEHOLDER_MARKERS.find((m) => lower.includes(m));
  if (marker !== undefined) return `looks like a placeholder (contains "${marker}")`;
  if (/^(.)\1*$/s.test(value)) return 'looks like a placeholder (one repeated character)';
  return undefined;
}

/**
 * Credentials travel in `Authorization` headers and gRPC metadata: printable ASCII, and no
 * space at either end, which header parsing trims (upstream CallFS accepts inner spaces, and
 * they arrive intact).
 */
export function isHeaderSafe(value: string): boolean {
  return /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/.test(value);
}

export const GENERATE_HINT = 'generate one with: openssl rand -hex 32';

/**
 * SHA-256 of the credentials published in config/callfs.example.{yaml,json}: anyone can read
 * them, so a node refuses to start with them.
 */
const PUBLISHED_DIGESTS = new Set([
  '0ada9e5bada5d102fe89ff6dce27c789fdb49609643e2062968ad313954dda7e',
  '64bce42bac6f334ee763d113a98b5206b0955ceef9fe44731faa6c68fb836d78',
  '35e9ae6364a2b8eabb18730824278f7062257d637006fde96aedd7bb37c02d51',
  '80d2fcc6b841a7e745a6f3efbb1ab537f37dd9413d24aaa3349aa148b5a8e5fb',
  'a8f37acea6fa872fe3edb4e59abfa133f35feadbc346d03bcfe5e86c54cc8260',
]);

/** The defaults and documentation values of upstream CallFS (its defaults.go and README). */
const UPSTREAM_DEFAULTS = new Set([
  'default-api-key',
  'change-me-internal-secret',
  'change-me-link-secret',
  'your-api-key-here',
  'your-internal-secret-here',
  'your-link-secret-here',
  'your-strong-api-key-1',
  'your-strong-api-key-2',
]);

/** Where a credential was published, or undefined when it is not a known default. */
export function publishedDefault(value: string): string | undefined {
  if (UPSTREAM_DEFAULTS.has(value)) return 'is a published default of upstream CallFS';
  if (PUBLISHED_DIGESTS.has(createHash('sha256').update(value).digest('hex'))) {
    return 'is the published example value of config/callfs.example.*';
  }
  return undefined;
}
