// Where a rename or move goes (API.md §3.6), the same rule for HTTP PATCH and gRPC Move:
// exactly one of `name` (a single segment: the entry keeps its parent) or `destination` (an
// absolute path). Anything else is BAD_REQUEST naming the problem.
import { BadRequestError, InvalidPathError } from './errors.js';
import { canonicalize, parentOf } from './paths.js';

export function moveDestination(
  source: string,
  target: { name?: string; destination?: string },
): string {
  const { name, destination } = target;
  if ((name === undefined) === (destination === undefined)) {
    throw new BadRequestError('give exactly one of "name" or "destination"');
  }
  try {
    if (name !== undefined) {
      if (name.includes('/') || name === '.' || name === '..') {
        throw new BadRequestError('"name" must be a single path segment');
      }
      const parent = parentOf(source);
      return canonicalize(`${parent === '/' ? '' : parent}/${name}`).path;
    }
    if (!destination!.startsWith('/')) {
      throw new BadRequestError('"destination" must be an absolute path');
    }
    return canonicalize(destination!).path;
  } catch (err) {
    if (err instanceof InvalidPathError) {
      throw new BadRequestError(`invalid destination: ${err.message}`);
    }
    throw err;
  }
}
