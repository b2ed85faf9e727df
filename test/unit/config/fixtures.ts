// Shared inputs for the config tests: a minimal valid raw config and throwaway directories.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const KEY_A = '3f9a0c2e7b5d41a8c6e0f2b4d8a1c3e5';
export const KEY_B = '9b2d4f6a8c0e1f3a5b7c9d0e2f4a6b8c';
export const INTERNAL = 'c81e728d9d4c2f636f067f89cc14862c65990a3b1c2d4e5f';
export const LINK = 'eccbc87e4b5ce2fe28308fd9f2a7baf3a87ff679a2f3e71d';

/** The smallest config that validates: everything else has a default. */
export function minimalRaw(): Record<string, unknown> {
  return {
    instance_discovery: { instance_id: 'node-1' },
    auth: { api_keys: [KEY_A], internal_proxy_secret: INTERNAL, single_use_link_secret: LINK },
  };
}

export interface TempDir {
  path: string;
  write(name: string, content: string): Promise<string>;
  remove(): Promise<void>;
}

export async function makeTempDir(): Promise<TempDir> {
  const path = await mkdtemp(join(tmpdir(), 'callfs-config-'));
  return {
    path,
    async write(name, content) {
      const file = join(path, name);
      await writeFile(file, content);
      return file;
    },
    remove: () => rm(path, { recursive: true, force: true }),
  };
}

/** Runs `fn` and returns what it threw, failing the test if it returned normally. */
export function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the call to throw');
}
