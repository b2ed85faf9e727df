// The `callfs drain` command: loads a node's configuration, runs the drain with one progress
// line per file on stderr, prints the summary. Exit 0 when the node owns nothing any more, 1
// when files remain (each failure listed; run it again to continue), 2 for a bad configuration
// or arguments, or a drain refused because it would lose data.
import { loadConfigOrReport } from './config-file.js';
import { createLogger } from '../logger.js';
import { clusterAccess, drain, DrainRefused, type DrainReport } from './drain.js';

export async function runDrainCommand(o: {
  config: string;
  instance: string;
  to?: string;
  concurrency: string;
  json?: boolean;
}): Promise<number> {
  const concurrency = Number(o.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
    process.stderr.write('drain: --concurrency must be an integer from 1 to 64\n');
    return 2;
  }
  const config = loadConfigOrReport(o.config)?.config;
  if (!config) return 2;
  const to = o.to
    ?.split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const access = clusterAccess(config, createLogger({ ...config.log, level: 'warn' }));
  let report: DrainReport;
  try {
    report = await drain(access, {
      instance: o.instance,
      to,
      concurrency,
      onProgress: (line) => void process.stderr.write(`${line}\n`),
    });
  } catch (err) {
    process.stderr.write(
      `drain ${err instanceof DrainRefused ? 'refused' : 'failed'}: ${(err as Error).message}\n`,
    );
    return err instanceof DrainRefused ? 2 : 1;
  } finally {
    await access.close();
  }
  if (o.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else {
    process.stdout.write(
      `${report.instance}: ${report.moved} files moved (${report.bytes} bytes) to ` +
        `${report.targets.join(', ')}; ${report.remaining} left on ${report.instance}\n`,
    );
    for (const f of report.failed) {
      process.stdout.write(`failed: ${f.path} → ${f.target}: ${f.status} ${f.code} ${f.message}\n`);
    }
    for (const s of report.skipped) process.stdout.write(`skipped: ${s.path}: ${s.reason}\n`);
  }
  return report.remaining === 0 ? 0 : 1;
}
