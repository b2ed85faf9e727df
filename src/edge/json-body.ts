// Reads a small JSON request body (PATCH moves, link generation) with a size cap, so a client
// cannot make the edge buffer an unbounded body; every problem (invalid UTF-8 included) is a
// 400 BAD_REQUEST.
import { BadRequestError } from '../files/errors.js';

export const MAX_JSON_BODY_BYTES = 64 * 1024;

export async function readJsonBody(body: AsyncIterable<Buffer>): Promise<unknown> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > MAX_JSON_BODY_BYTES) throw new BadRequestError('the JSON body is too large');
    parts.push(chunk);
  }
  let text: string;
  try {
    // Not Buffer#toString: it turns invalid bytes into U+FFFD, which would end up in a name.
    text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(parts));
  } catch {
    throw new BadRequestError('the body is not valid UTF-8');
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new BadRequestError('the body must be JSON');
  }
}

type Schema<T> = { safeParse(v: unknown): SafeParse<T> };

/**
 * A zod schema built on first use: zod (~5 MB resident once imported) is loaded only by a node
 * that gets a body to check, not by every idle node (its configuration is checked apart,
 * src/cli/config-apart.ts).
 */
export function lazySchema<T>(
  build: (zod: typeof import('zod')) => Schema<T>,
): () => Promise<Schema<T>> {
  let schema: Promise<Schema<T>> | undefined;
  return () => (schema ??= import('zod').then(build));
}

/** Reads and validates a JSON body against a zod schema; the first issue names the field. */
export async function parseJsonBody<T>(
  body: AsyncIterable<Buffer>,
  schema: Schema<T> | (() => Promise<Schema<T>>),
): Promise<T> {
  const value = await readJsonBody(body);
  const parsed = (typeof schema === 'function' ? await schema() : schema).safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join('.') || 'body';
    throw new BadRequestError(`${where}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

type SafeParse<T> =
  | { success: true; data: T }
  | { success: false; error: { issues: Array<{ path: PropertyKey[]; message: string }> } };
