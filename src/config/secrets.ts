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

/** Why a credential is a placeholder, or undefined when it looks real. Never echoes it. */
export function placeholderReason(value: string): string | undefined {
  const lower = value.toLowerCase();
  const marker = PLACEHOLDER_MARKERS.find((m) => lower.includes(m));
  if (marker !== undefined) return `looks like a placeholder (contains "${marker}")`;
  if (/^(.)\1*$/s.test(value)) return 'looks like a placeholder (one repeated character)';
  return undefined;
}

/** Credentials travel in `Authorization` headers and gRPC metadata, so no spaces or controls. */
export function isHeaderSafe(value: string): boolean {
  return /^[\x21-\x7e]+$/.test(value);
}

export const GENERATE_HINT = 'generate one with: openssl rand -hex 32';

/**
 * SHA-256 of the credentials published in config/callfs.example.{yaml,json}. They validate so
 * the example runs as-is, but anyone can read them, so using them earns a start-up warning.
 */
const PUBLISHED_DIGESTS = new Set([
  '0ada9e5bada5d102fe89ff6dce27c789fdb49609643e2062968ad313954dda7e',
  '64bce42bac6f334ee763d113a98b5206b0955ceef9fe44731faa6c68fb836d78',
  '35e9ae6364a2b8eabb18730824278f7062257d637006fde96aedd7bb37c02d51',
  '80d2fcc6b841a7e745a6f3efbb1ab537f37dd9413d24aaa3349aa148b5a8e5fb',
  'a8f37acea6fa872fe3edb4e59abfa133f35feadbc346d03bcfe5e86c54cc8260',
]);

export function isPublishedExample(value: string): boolean {
  return PUBLISHED_DIGESTS.has(createHash('sha256').update(value).digest('hex'));
}
