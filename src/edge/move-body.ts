// Parses the JSON body of PATCH /v1/files/{path} (API.md §3.6) into a MoveSpec: exactly one of
// `name` (rename in place) or `destination` (absolute path), plus `overwrite`,
// `create_parents`, `instance` and `backend`. Every problem is a 400 BAD_REQUEST naming it; the
// body is read with a small size cap, never buffered without bound.
import { moveDestination } from '../files/move-target.js';
import type { MoveSpec } from '../files/ports.js';
import { lazySchema, parseJsonBody } from './json-body.js';

const schema = lazySchema(({ z }) =>
  z
    .object({
      name: z.string().min(1).optional(),
      destination: z.string().min(1).optional(),
      overwrite: z.boolean().optional(),
      create_parents: z.boolean().optional(),
      instance: z.string().optional(),
      backend: z.string().optional(),
    })
    .strict(),
);

export async function parseMoveBody(
  source: string,
  body: AsyncIterable<Buffer>,
): Promise<MoveSpec> {
  const b = await parseJsonBody(body, schema);
  const destination = moveDestination(source, b);
  return {
    destination,
    overwrite: b.overwrite ?? false,
    create_parents: b.create_parents ?? false,
    instance: b.instance ?? '',
    backend: b.backend ?? '',
  };
}
