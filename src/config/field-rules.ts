// The rules of single configuration values that several sections share: listen addresses,
// http(s) URLs, file paths, credentials (long enough, header-safe, not a published default),
// positive integers and rates, and the TLS cert/key pair. schema.ts builds the sections from
// them; each rule's message is what `callfs config validate` prints after the key's name.
import { z } from 'zod';
import { splitHostPort } from './listen.js';
import { isHeaderSafe, publishedDefault } from './secrets.js';

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;

export const positiveInt = () => z.int().min(1, 'must be a positive integer');

export const listenAddr = (fallback: string) =>
  z
    .string()
    .superRefine((value, ctx) => {
      const parsed = splitHostPort(value);
      if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
    })
    .default(fallback);

export const httpUrl = z.string().superRefine((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be an http(s) URL' });
    return;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
    ctx.addIssue({ code: 'custom', message: 'must be an http(s) URL' });
  } else if (url.username || url.password || url.search || url.hash) {
    ctx.addIssue({
      code: 'custom',
      message: 'must not contain credentials, a query or a fragment',
    });
  }
});

export const filePath = z.string().min(1, 'must not be empty');

/** One API key or secret: long enough, header-safe and not a published default. */
export const credential = (minLength: number, hint: string) =>
  z
    .string()
    .min(minLength, `must be at least ${minLength} characters; ${hint}`)
    .refine(
      isHeaderSafe,
      'must contain only printable ASCII characters, without a space at either end',
    )
    .superRefine((value, ctx) => {
      const published = publishedDefault(value);
      if (published !== undefined) {
        ctx.addIssue({ code: 'custom', message: `${published}; ${hint}` });
      }
    });

/**
 * Two keys meaningful only together (a cert and its key, a user and its password): naming the
 * missing one is the useful message.
 */
export function requireTogether<K extends string>(a: K, b: K) {
  return (section: Partial<Record<K, unknown>>, ctx: z.RefinementCtx): void => {
    for (const [set, missing] of [
      [a, b],
      [b, a],
    ]) {
      if (section[set] !== undefined && section[missing] === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [missing],
          message: `is required when ${set} is set`,
        });
      }
    }
  };
}

export const requireTlsPair = requireTogether('tls_cert_file', 'tls_key_file');

export const ratePerSecond = () =>
  z.number().positive('must be a positive number (fractions allowed, e.g. 0.5)');
