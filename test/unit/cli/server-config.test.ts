// The server loads its configuration in a worker thread (src/cli/config-apart.ts) so that the
// YAML parser and zod never stay in the node's memory: its static imports must not reach them,
// and a bad configuration must still be reported once, with exit code 2.
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { callfsArgv, REPO } from '../../../devkit/node-process.js';
import { CHILD_RUNTIME } from '../../support/node.js';

/** Packages reached from `roots` through static imports and re-exports (not `import type`). */
function staticPackages(roots: string[]): Set<string> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    const statements =
      /^(?:import|export)(?!\s+type\b)[^;]*?from\s+'([^']+)'|^import\s+'([^']+)'/gms;
    for (const m of text.matchAll(statements)) {
      const spec = (m[1] ?? m[2]) as string;
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      else if (!spec.startsWith('node:'))
        packages.add(
          spec
            .split('/')
            .slice(0, spec.startsWith('@') ? 2 : 1)
            .join('/'),
        );
    }
  };
  for (const root of roots) visit(join(REPO, root));
  return packages;
}

describe('the server command and its configuration', function () {
  this.timeout(60_000);

  it('should not import zod or yaml statically when the server starts (they load in the worker)', () => {
    // main.ts and what runServer imports (src/cli/index.ts).
    const server = staticPackages([
      'src/main.ts',
      'src/cli/config-apart.ts',
      'src/logger.ts',
      'src/node.ts',
      'src/cli/idle-gc.ts',
    ]);
    const worker = staticPackages(['src/cli/config-worker.ts']);
    expect([server.has('zod'), server.has('yaml'), server.has('hono')]).to.deep.equal([
      false,
      false,
      true,
    ]);
    expect([worker.has('zod'), worker.has('yaml')]).to.deep.equal([true, true]);
  });

  it('should exit 2 and name each problem once when the server is given an invalid configuration', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'callfs-server-config-'));
    try {
      const file = join(dir, 'bad.yaml');
      await writeFile(file, 'server: { listen_addr: "nope" }\n');
      const argv = callfsArgv(CHILD_RUNTIME, ['server', '--config', file]);
      const r = await new Promise<{ code: number; err: string }>((done) => {
        execFile(argv[0]!, argv.slice(1), { cwd: REPO }, (error, _out, stderr) => {
          done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, err: stderr });
        });
      });
      expect(r.code).to.equal(2);
      expect(r.err.split('invalid configuration').length).to.equal(2);
      expect(r.err).to.contain('server.listen_addr: must be host:port or :port');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
