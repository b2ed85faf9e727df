// The documentation's tour runs as written: docs/tour.sh is exactly what the ```sh tour blocks
// of the docs generate, the README and the API reference have no shell example outside the
// tour, and the tour runs green, in order, against a fresh dev cluster (scripts/cluster.sh, the
// cluster the docs tell a newcomer to start), every status it shows checked, leaving the
// namespace empty.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { codeBlocks, isTourBlock, tourCheckCount, tourScript } from '../../devkit/docs-tour.js';
import { REPO } from '../../devkit/node-process.js';
import { cluster, devClusterEnv, runBash, type ScriptResult } from '../support/dev-cluster.js';
import { call } from '../support/http.js';

const read = (file: string): string => readFileSync(join(REPO, file), 'utf8');

describe('the docs tour', function () {
  this.timeout(600_000);

  it('should match docs/tour.sh when the tour blocks of the docs generate the script', () => {
    // Regenerate with `npm run gen:docs`.
    expect(read('docs/tour.sh')).to.equal(tourScript());
  });

  it('should hold every shell example of the README and the API reference in the tour', () => {
    const outside = ['README.md', 'docs/api.md'].flatMap((file) =>
      codeBlocks(file, read(file))
        .filter((b) => /^(sh|bash|console|shell)\b/.test(b.info) && !isTourBlock(b))
        // `make cluster` / `make test`, the README's two commands, start and test; not tour steps.
        .filter((b) => !b.lines.every((l) => l.startsWith('make ')))
        .map((b) => `${b.file}:${b.line}`),
    );
    expect(outside).to.deep.equal([]);
  });

  describe('run against a dev cluster', () => {
    let tmp: string;
    let env: NodeJS.ProcessEnv;
    let nodeUrls: string[];
    let tour: ScriptResult;
    const apiKey = `dev-key-tour-${randomBytes(12).toString('hex')}`;

    before(async () => {
      tmp = await mkdtemp(join(tmpdir(), 'callfs-tour-'));
      const stateDir = join(tmp, 'state');
      ({ env, nodeUrls } = await devClusterEnv(stateDir, apiKey));
      // `callfs` as the README installs it (npm link): bin/ on the PATH.
      env.PATH = `${join(REPO, 'bin')}:${env.PATH ?? ''}`;
      const up = await cluster('up', env);
      if (up.code !== 0) throw new Error(`cluster.sh up failed (${up.code}):\n${up.stderr}`);
      tour = await runBash(join(REPO, 'docs/tour.sh'), [], { env, cwd: REPO, timeoutMs: 480_000 });
    });
    after(async () => {
      if (env && existsSync(env.CALLFS_DEV_STATE_DIR!)) await cluster('down', env);
      if (tmp) await rm(tmp, { recursive: true, force: true });
    });

    it('should exit 0 when every example runs in order', () => {
      expect(tour.code, `${tour.stderr}\n---- stdout tail\n${tour.stdout.slice(-3000)}`).to.equal(
        0,
      );
    });

    it('should check every status the docs show when it has run', () => {
      expect(tour.stdout).to.include(`tour: done, ${tourCheckCount()} statuses checked`);
    });

    it('should leave the namespace empty when it has run', async () => {
      const res = await call(nodeUrls[0]!, 'GET', '/v1/directories/', { key: apiKey });
      expect([res.status, ((await res.json()) as { count: number }).count]).to.deep.equal([200, 0]);
    });
  });
});
