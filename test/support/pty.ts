// Runs a command on a pseudo-terminal through util-linux `script`, for what a program does only
// when it talks to a terminal (progress bars): resolves with its exit code and everything it
// wrote to the terminal, stdout and stderr together.
import { execFile } from 'node:child_process';

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

export function onTerminal(
  argv: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      'script',
      ['-qec', argv.map(quote).join(' '), '/dev/null'],
      { env: { ...process.env, ...env }, maxBuffer: 16 << 20 },
      (err, stdout) => {
        const code = err ? Number((err as { code?: number }).code ?? 1) : 0;
        resolve({ code, output: stdout });
      },
    );
  });
}
