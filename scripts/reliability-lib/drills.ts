// The reliability drills (scripts/drills): each drill runs against a fresh 3-node cluster
// started with scripts/cluster.sh in a state folder under $RELIABILITY_TMP, on non-default
// ports, and stopped (by pid) when the drill ends. Prints one Markdown section per drill with
// the figures measured and PASS/FAIL; exits 1 when a check failed, 2 when a drill broke.
//
//   node --import tsx scripts/reliability-lib/drills.ts [a] [b] [c] [d]   (default: all)
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DevCluster, REPO } from './cluster.js';
import { drillCrash } from './drill-crash.js';
import { drillEtcd } from './drill-etcd.js';
import { drillOwner } from './drill-owner.js';
import { drillRaces } from './drill-races.js';
import { run } from '../../devkit/proc.js';
import { Section, log } from './report.js';

const DRILLS: Record<string, (c: DevCluster) => Promise<Section>> = {
  a: drillCrash,
  b: drillOwner,
  c: drillEtcd,
  d: drillRaces,
};

const tmp = process.env.RELIABILITY_TMP ?? mkdtempSync(join(tmpdir(), 'callfs-drills-'));
const ports = {
  http: Number(process.env.DRILLS_HTTP_BASE_PORT ?? 28441),
  grpc: Number(process.env.DRILLS_GRPC_BASE_PORT ?? 28451),
  etcd: Number(process.env.DRILLS_ETCD_PORT ?? 28461),
};

let current: DevCluster | null = null;
const stopCurrent = async (): Promise<void> => {
  const c = current;
  current = null;
  if (c) await c.down();
};
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(sig, () => {
    log(`${sig}: stopping the cluster`);
    void stopCurrent().finally(() => process.exit(130));
  });
}

async function main(): Promise<number> {
  const wanted = process.argv.slice(2).filter((a) => a in DRILLS);
  const names = wanted.length > 0 ? wanted : Object.keys(DRILLS);
  const rev = await run(['git', '-C', REPO, 'rev-parse', '--short', 'HEAD'], 5000);
  const dirty = await run(['git', '-C', REPO, 'status', '--porcelain', '--', 'src', 'bin'], 5000);
  const started = new Date();
  const out: string[] = [
    `# CallFS reliability drills`,
    '',
    `Run ${started.toISOString().slice(0, 19)}Z on ${rev.stdout.trim() || 'unknown'}` +
      `${dirty.stdout.trim() ? ' (with uncommitted changes in src/)' : ''}; ` +
      `command: \`scripts/drills${wanted.length ? ` ${wanted.join(' ')}` : ''}\`; ` +
      `each drill on a fresh cluster (scripts/cluster.sh: etcd + 3 nodes, HTTP ${ports.http}–${ports.http + 2}, gRPC ${ports.grpc}–${ports.grpc + 2}, etcd ${ports.etcd}).`,
    '',
  ];
  let failed = 0;
  let broken = 0;
  for (const name of names) {
    const c = new DevCluster(join(tmp, `drill-${name}`), ports);
    current = c;
    const t0 = Date.now();
    log(`drill ${name}: starting a fresh cluster in ${c.state}`);
    try {
      await c.up();
      const section = await (DRILLS[name] as (c: DevCluster) => Promise<Section>)(c);
      section.line('', `Drill time: ${Math.round((Date.now() - t0) / 1000)} s.`);
      out.push(section.markdown());
      if (!section.pass) failed += 1;
    } catch (err) {
      broken += 1;
      out.push(
        `## drill ${name} — BROKE`,
        '',
        '```',
        String((err as Error)?.stack ?? err),
        '```',
        '',
      );
      log(`drill ${name} broke: ${String(err)}`);
    } finally {
      await stopCurrent();
    }
  }
  const summary = `Summary: ${names.length - failed - broken} passed, ${failed} failed, ${broken} broke.`;
  out.push(summary, '');
  const text = out.join('\n');
  process.stdout.write(text);
  if (process.env.DRILLS_OUT) writeFileSync(process.env.DRILLS_OUT, text);
  return broken > 0 ? 2 : failed > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  async (err: unknown) => {
    log(`drills: ${String(err)}`);
    await stopCurrent();
    process.exit(2);
  },
);
