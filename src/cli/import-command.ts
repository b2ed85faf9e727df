// The `callfs import` command: loads the node's configuration, runs the import with a progress
// bar on a terminal, prints the report. Exit 0 when everything was registered (or already
// was), 1 when something was skipped or conflicted (listed), 2 for a bad configuration or
// arguments, 6 when etcd cannot be reached.
import { loadConfigOrReport } from './config-file.js';
import { MetadataUnavailableError } from '../files/errors.js';
import { progressBar, type Progress } from './client/progress.js';
import { ImportError, runImport, type ImportReport } from './import.js';

/** The command's options as commander parses them (cli/index.ts). */
export interface ImportCommandOptions {
  config: string;
  path: string;
  as: string;
  owner: string;
  offline?: boolean;
  json?: boolean;
}

export async function runImportCommand(o: ImportCommandOptions): Promise<number> {
  const config = loadConfigOrReport(o.config)?.config;
  if (!config) return 2;
  let bar: Progress | undefined;
  let report: ImportReport;
  try {
    report = await runImport(config, {
      source: o.path,
      as: o.as,
      owner: o.owner,
      offline: o.offline,
      onTotal: (n) => (bar = progressBar(`import ${o.as}`, n, 0, 'files')),
      onFile: () => bar?.add(1),
    });
    bar?.done();
  } catch (err) {
    bar?.done();
    process.stderr.write(`import failed: ${(err as Error).message}\n`);
    if (err instanceof MetadataUnavailableError) return 6;
    return err instanceof ImportError || (err as NodeJS.ErrnoException).code ? 2 : 1;
  }
  if (o.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else {
    process.stdout.write(
      `${report.mode}: ${report.registered} files registered, ${report.already} already, ${report.directories} directories created\n`,
    );
    for (const c of report.conflicts) {
      process.stdout.write(`conflict: ${c.path} exists (${c.type} on ${c.instance_id || '?'})\n`);
    }
    for (const s of report.skipped) process.stdout.write(`skipped: ${s.path}: ${s.reason}\n`);
  }
  return report.conflicts.length + report.skipped.length === 0 ? 0 : 1;
}
