// The public face of the config module: load and validate a node's configuration.
export { loadConfig, type LoadConfigOptions } from './load.js';
export { parseConfig, type LoadedConfig } from './parse.js';
export { ConfigError } from './errors.js';
export { parseListenAddr, formatHostPort, type HostPort } from './listen.js';
export { configSchema, type Config } from './schema.js';
