// Parses the JSON body of PATCH /v1/files/{path} (API.md §3.6) into a MoveSpec: exactly one of
// `name` (rename in place) or `destination` (absolute path), plus `overwrite`,
// `create_parents`, `instance` and `backend`. Every problem is a 400 BAD_REQUEST naming it; the
// body is read with a small size cap, never buffered without bound.
import { z } from 'zod';
import { BadRequestError, InvalidPathError } from '../files/errors.js';
import { canonicalize, parentOf } from '../files/paths.js';
import type { MoveSpec } from '../files/ports.js';
import { parseJsonBody } from './json-body.js';

const schema = z
  .object({
    name: z.string().min(1).optional(),
    destination: z.string().min(1).optional(),
    overwrite: z.boolean().optional(),
    create_parents: z.boolean().optional(),
    instance: z.string().optional(),
    backend: z.string().optional(),
  })
  .strict();

export async function parseMoveBody(
  source: string,
  body: AsyncIterable<Buffer>,
): Promise<MoveSpec> {
  const b = await parseJsonBody(body, schema);
  if ((b.name === undefined) === (b.destination === undefined)) {
    throw new BadRequestError('give exactly one of "name" or "destination"');
  }
  let destination: string;
  try {
    if (b.name !== undefined) {
      if (b.name.includes('/') || b.name === '.' || b.name === '..') {
        throw new BadRequestError('"name" must be a single path segment');
      }
      const parent = parentOf(source);
      destination = canonicalize(`${parent === '/' ? '' : parent}/${b.name}`).path;
    } else {
      if (!b.destination!.startsWith('/')) {
        throw new BadRequestError('"destination" must be an absolute path');
      }
      destination = canonicalize(b.destination!).path;
    }
  } catch (err) {
    if (err instanceof InvalidPathError)
      throw new BadRequestError(`invalid destination: ${err.message}`);
    throw err;
  }
  return {
    destination,
    overwrite: b.overwrite ?? false,
    create_parents: b.create_parents ?? false,
    instance: b.instance ?? '',
    backend: b.backend ?? '',
  };
}
