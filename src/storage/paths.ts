// Re-validates canonical API paths at the storage boundary. The files service canonicalizes
// paths already, but a backend is the last step before the disk, so it refuses anything that
// could name a place above its root or inside its reserved internal folder.
import { InvalidPathError } from '../files/errors.js';

/** The first-level folder a backend keeps for itself; the API refuses it as a path segment. */
export const INTERNAL_DIR = '.callfs';

/** The segments of a canonical file path (`/a/b` → `['a', 'b']`), or InvalidPathError. */
export function pathSegments(path: string): string[] {
  if (typeof path !== 'string' || !path.startsWith('/') || path === '/') {
    throw new InvalidPathError(`not a canonical file path: ${JSON.stringify(path)}`);
  }
  const segments = path.slice(1).split('/');
  for (const segment of segments) {
    if (
      segment === '' ||
      segment === '.' ||
      segment === '..' ||
      segment.includes('\0') ||
      segment.includes('\\')
    ) {
      throw new InvalidPathError(`not a canonical file path: ${JSON.stringify(path)}`);
    }
  }
  if (segments[0] === INTERNAL_DIR) {
    throw new InvalidPathError(`${INTERNAL_DIR} is reserved for the node's internal files`);
  }
  return segments;
}
