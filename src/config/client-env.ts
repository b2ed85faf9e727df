// The environment of the `callfs` client commands (ls, get, put, watch, ...): which node to talk
// to and with which key. Read here because config is the only module that reads process.env;
// these names are not node configuration keys, so the node's loader skips them.

export const CLIENT_ENV = { url: 'CALLFS_URL', key: 'CALLFS_API_KEY' } as const;

export const CLIENT_ENV_NAMES: readonly string[] = Object.values(CLIENT_ENV);

export interface ClientEnv {
  url?: string;
  key?: string;
}

export function readClientEnv(env: Record<string, string | undefined> = process.env): ClientEnv {
  const pick = (name: string): string | undefined => (env[name] ? env[name] : undefined);
  return { url: pick(CLIENT_ENV.url), key: pick(CLIENT_ENV.key) };
}
