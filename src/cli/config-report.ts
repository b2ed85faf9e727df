// How a command says its configuration is invalid: once, on stderr; the command then exits 2.
// Apart from config-file.ts so that the server (config-apart.ts) says it the same way without
// importing the configuration's schema.

export function reportInvalidConfig(problems: string): void {
  process.stderr.write(`invalid configuration\n${problems}\n`);
}
