// The upload temp and journal files a storage root holds. A node's readiness check writes and
// removes a `<id>.probe` file in the same folder at any moment, so it never counts.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

export async function uploadTemps(root: string): Promise<string[]> {
  const names = await readdir(join(root, '.callfs/tmp'));
  return names.filter((name) => !name.endsWith('.probe'));
}
