// The configuration prologue of the commands that act as a node (server, fsck, drain, import):
// an invalid file or environment override is reported once, the same way, and the command
// exits 2 without touching etcd or the disk.
import { ConfigError, loadConfig } from '../config/index.js';
import { reportInvalidConfig } from './config-report.js';

export type LoadedConfig = ReturnType<typeof loadConfig>;

/** The configuration, or undefined after saying on stderr what is wrong with it. */
export function loadConfigOrReport(file: string | undefined): LoadedConfig | undefined {
  try {
    return loadConfig({ file });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    reportInvalidConfig(err.message);
    return undefined;
  }
}
