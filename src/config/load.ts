// The entry point for start-up and `callfs config validate`: reads a YAML or JSON file, lays
// the CALLFS_ environment over it and validates the result. The only reader of process.env.
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parseDocument } from 'yaml';
import { applyEnvOverrides } from './env.js';
import { ConfigError } from './errors.js';
import { isPlainObject } from './keys.js';
import { validateConfig, type LoadedConfig } from './parse.js';

export interface LoadConfigOptions {
  /** A .yaml/.yml or .json file; other extensions are read as YAML. Omit for env only. */
  file?: string;
  /** Defaults to process.env. */
  env?: Record<string, string | undefined>;
}

export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const raw = options.file === undefined ? {} : readConfigFile(options.file);
  const problems: string[] = [];
  const warnings: string[] = [];
  applyEnvOverrides(raw, env, problems, warnings);
  return validateConfig(raw, problems, warnings);
}

function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'not found' : `cannot be read (${code ?? String(err)})`;
    throw new ConfigError([`config file "${file}" ${why}`], { cause: err });
  }
  const json = extname(file).toLowerCase() === '.json';
  // YAML 1.2 core schema: `on`/`no` stay strings. Duplicate keys are errors in both formats.
  const doc = parseDocument(text, { schema: json ? 'json' : 'core', uniqueKeys: true });
  if (doc.errors.length > 0) {
    // The first line carries the position; the rest is a source excerpt.
    const lines = doc.errors.map((e) => `config file "${file}": ${firstLine(e.message)}`);
    throw new ConfigError(lines);
  }
  const value: unknown = doc.toJS();
  if (value === null || value === undefined) return {};
  if (!isPlainObject(value)) {
    throw new ConfigError([`config file "${file}": the top level must be a mapping of sections`]);
  }
  return value;
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? '').replace(/:$/, '');
}
