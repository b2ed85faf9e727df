// The `callfs` command line (commander): `server` runs a node until SIGINT/SIGTERM, and
// `config validate` checks a configuration file (exit 0 when valid, 2 with the reasons).
// `--version` prints package.json's version.
//
// Only commander and the client commands are loaded up front: the node, its etcd and gRPC
// clients, the AWS SDK and the configuration schema are imported by the command that needs
// them, so `callfs stat` or `callfs --version` start in a fraction of the time `server` does.
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { addClientCommands } from './client/commands.js';
import type { ImportCommandOptions } from './import-command.js';

/** package.json sits two levels up from both src/cli/ and dist/cli/. */
function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

export async function runCli(argv: string[]): Promise<number> {
  let exitCode = 0;
  const program = new Command()
    .name('callfs')
    .description('CallFS: a clustered file server with its namespace in etcd')
    .version(packageVersion(), '-V, --version')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  program
    .command('server')
    .description('run a CallFS node')
    .option('-c, --config <file>', 'YAML or JSON configuration file')
    .action(async (opts: { config?: string }) => {
      exitCode = await runServer(opts.config);
    });

  program
    .command('fsck')
    .description("compare etcd with this node's storage: orphan, missing and stale entries")
    .requiredOption('-c, --config <file>', 'the node configuration')
    .option('--repair', 'fix what is found (the node must be stopped)')
    .option('--json', 'print the report as JSON')
    .action(async (opts: { config: string; repair?: boolean; json?: boolean }) => {
      exitCode = await runFsckCommand(opts.config, opts.repair ?? false, opts.json ?? false);
    });

  program
    .command('import')
    .description("register a tree already on this node's disk into the namespace, without copying")
    .requiredOption('-c, --config <file>', 'the node configuration')
    .requiredOption(
      '--path <dir>',
      'the tree on this node (in place at <root>/<as>, or hard-linked there)',
    )
    .requiredOption('--as <path>', 'where it appears in the namespace')
    .option('--owner <user>', 'the user owning the imported entries', 'root')
    .option('--offline', 'import while the node is stopped (its files answer 503 until it starts)')
    .option('--json', 'print the report as JSON')
    .action(async (opts: ImportCommandOptions) => {
      const { runImportCommand } = await import('./import-command.js');
      exitCode = await runImportCommand(opts);
    });

  program
    .command('drain')
    .description('move every file a node owns to the other live nodes, so it can leave')
    .requiredOption('-c, --config <file>', "any node's configuration (etcd and internal secret)")
    .requiredOption('--instance <id>', 'the node to drain (it must be live)')
    .option('--to <ids>', 'comma-separated nodes to move the files to (default: every other)')
    .option('--concurrency <n>', 'moves in flight at once', '2')
    .option('--json', 'print the summary as JSON')
    .action(
      async (opts: {
        config: string;
        instance: string;
        to?: string;
        concurrency: string;
        json?: boolean;
      }) => {
        const { runDrainCommand } = await import('./drain-command.js');
        exitCode = await runDrainCommand(opts);
      },
    );

  addClientCommands(program, (code) => {
    exitCode = code;
  });

  const config = program.command('config').description('configuration tools');
  config
    .command('validate')
    .description('validate a configuration file (and CALLFS_ environment overrides)')
    .requiredOption('-c, --config <file>', 'YAML or JSON configuration file')
    .action(async (opts: { config: string }) => {
      const { ConfigError, loadConfig } = await import('../config/index.js');
      const { storableLimits } = await import('../storage/localfs-limits.js');
      try {
        const { config: loaded, warnings } = loadConfig({ file: opts.config });
        for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
        process.stdout.write(`${opts.config}: valid\n`);
        // Paths are checked against this before anything is committed (PUT, PATCH: 400).
        const limits = await storableLimits(loaded.backend.localfs_root_path).catch(() => null);
        if (limits) {
          process.stdout.write(
            `storage root ${limits.root}: paths up to ${limits.maxPathBytes} bytes ` +
              `(PATH_MAX ${limits.pathMax} less the root), names up to ${limits.nameMax} bytes\n`,
          );
        }
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        process.stderr.write(`${opts.config}: invalid\n${err.message}\n`);
        exitCode = 2;
      }
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    throw err;
  }
  return exitCode;
}

async function runFsckCommand(file: string, repair: boolean, json: boolean): Promise<number> {
  const { loadConfigOrReport } = await import('./config-file.js');
  const { createLogger } = await import('../logger.js');
  const { formatFsckReport, runFsck } = await import('./fsck.js');
  const config = loadConfigOrReport(file)?.config;
  if (!config) return 2;
  const logger = createLogger({ ...config.log, level: 'warn' });
  try {
    const report = await runFsck(config, logger, repair);
    process.stdout.write(json ? JSON.stringify(report, null, 2) + '\n' : formatFsckReport(report));
    const open = report.issues.filter((i) => !i.repaired || i.repaired.startsWith('not'));
    return open.length === 0 ? 0 : 1;
  } catch (err) {
    process.stderr.write(`fsck failed: ${(err as Error).message}\n`);
    return 2;
  }
}

async function runServer(file: string | undefined): Promise<number> {
  const { loadConfigApart } = await import('./config-apart.js');
  const { createLogger } = await import('../logger.js');
  const { startNode } = await import('../node.js');
  const { startIdleGc } = await import('./idle-gc.js');
  const loaded = await loadConfigApart(file);
  if (!loaded) return 2;
  const { config, warnings } = loaded;
  const logger = createLogger(config.log);
  for (const w of warnings) logger.warn(w);
  // A bug that escapes every handler still ends the process (a restart runs recovery, which is
  // safer than serving on after an unknown failure), but it says why in the node's own log first.
  const die = (kind: string) => (err: unknown) => {
    logger.fatal({ err }, `${kind}: the node stops`);
    process.exit(70);
  };
  process.once('uncaughtException', die('uncaught exception'));
  process.once('unhandledRejection', die('unhandled rejection'));
  let node;
  try {
    node = await startNode(config, logger);
  } catch (err) {
    logger.fatal({ err }, 'start-up failed');
    return 1;
  }
  const stopIdleGc = startIdleGc();
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  logger.info('shutting down');
  stopIdleGc();
  await node.close();
  logger.info('stopped');
  // Nothing should keep the process alive now; if a library does, do not hang on it.
  setTimeout(() => process.exit(0), 2000).unref();
  return 0;
}
