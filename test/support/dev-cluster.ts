// scripts/cluster.sh driven from tests: free non-default ports and a temp state dir, so a
// developer's own dev cluster is never touched, and the environment that points the script
// (and the docs' tour) at it.
import { execFile } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { createServer } from 'node:net';
import { promisify } from 'node:util';

export const CLUSTER_SCRIPT = new URL('../../scripts/cluster.sh', import.meta.url).pathname;
const run = promisify(execFile);

export interface ScriptResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `bash <file> args…` and returns its exit code and output, never throwing. */
export async function runBash(
  file: string,
  args: string[],
  options: { env: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number },
): Promise<ScriptResult> {
  try {
    const { stdout, stderr } = await run('bash', [file, ...args], {
      env: options.env,
      cwd: options.cwd,
      timeout: options.timeoutMs ?? 90_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number | string; stdout?: string; stderr?: string };
    return {
      code: typeof e.code === 'number' ? e.code : -1,
      stdout: e.stdout ?? '',
      stderr: e.stderr ?? String(err),
    };
  }
}

export function cluster(command: string, env: NodeJS.ProcessEnv): Promise<ScriptResult> {
  return runBash(CLUSTER_SCRIPT, command.split(' '), { env });
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** A base port whose `span` ports are all free and unclaimed, below the ephemeral range. */
export async function freeBase(span: number, claimed: Set<number>): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = randomInt(20_000, 32_000);
    const ports = Array.from({ length: span }, (_, i) => base + i);
    if (ports.some((p) => claimed.has(p))) continue;
    if ((await Promise.all(ports.map(isFree))).every(Boolean)) {
      ports.forEach((p) => claimed.add(p));
      return base;
    }
  }
  throw new Error(`no ${span} consecutive free ports found`);
}

export interface DevClusterEnv {
  env: NodeJS.ProcessEnv;
  nodeUrls: string[];
}

/** The CALLFS_DEV_* environment of a dev cluster on free ports with its state in `stateDir`. */
export async function devClusterEnv(stateDir: string, apiKey: string): Promise<DevClusterEnv> {
  const claimed = new Set<number>();
  const httpBase = await freeBase(3, claimed);
  const grpcBase = await freeBase(3, claimed);
  const etcdPort = await freeBase(2, claimed);
  const s3Port = await freeBase(1, claimed);
  return {
    nodeUrls: [0, 1, 2].map((i) => `http://127.0.0.1:${httpBase + i}`),
    env: {
      ...process.env,
      CALLFS_DEV_STATE_DIR: stateDir,
      CALLFS_DEV_HTTP_BASE_PORT: String(httpBase),
      CALLFS_DEV_GRPC_BASE_PORT: String(grpcBase),
      CALLFS_DEV_ETCD_PORT: String(etcdPort),
      CALLFS_DEV_S3_PORT: String(s3Port),
      CALLFS_DEV_API_KEY: apiKey,
      CALLFS_DEV_READY_TIMEOUT: '60',
      // The suite runs with node_modules in use: never let setup.sh run `npm ci` under it.
      CALLFS_DEV_SKIP_SETUP: '1',
    },
  };
}
