// bin/callfs runs the compiled build and refuses a missing or stale one; `--version` prints
// package.json's version. The launcher is copied into a scratch package so the real dist/ is
// never touched.
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { callfsArgv, REPO } from '../../../devkit/node-process.js';

function exec(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(argv[0]!, argv.slice(1), (error, stdout, stderr) => {
      const code = error ? Number((error as { code?: number }).code ?? 1) : 0;
      resolve({ code, out: stdout, err: stderr });
    });
  });
}

describe('bin/callfs', function () {
  this.timeout(60_000);
  let root: string;
  const launcher = (): string[] => [process.execPath, join(root, 'bin', 'callfs')];

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'callfs-launcher-'));
    await mkdir(join(root, 'bin'));
    await mkdir(join(root, 'dist'));
    await mkdir(join(root, 'src'));
    await writeFile(join(root, 'package.json'), '{"type":"module"}');
    await copyFile(join(REPO, 'bin', 'callfs'), join(root, 'bin', 'callfs'));
    await writeFile(join(root, 'src', 'main.ts'), '');
    await writeFile(join(root, 'dist', 'main.js'), "process.stdout.write('compiled ran');");
    // Explicit times: files written in the same clock tick could share an mtime.
    const built = new Date(Date.now() - 60_000);
    const edited = new Date(Date.now() - 120_000);
    await utimes(join(root, 'dist', 'main.js'), built, built);
    await utimes(join(root, 'src', 'main.ts'), edited, edited);
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('should run dist/main.js when it is newer than every source file', async () => {
    const r = await exec(launcher());
    expect([r.code, r.out]).to.deep.equal([0, 'compiled ran']);
  });

  it('should exit 3 naming `npm run build` when a source file is newer than dist/', async () => {
    await writeFile(join(root, 'src', 'changed.ts'), '');
    const r = await exec(launcher());
    expect(r.code).to.equal(3);
    expect(r.err).to.contain('older than src/changed.ts').and.contain('npm run build');
  });

  it('should exit 3 naming `npm run build` when dist/ is missing', async () => {
    await rm(join(root, 'dist'), { recursive: true });
    const r = await exec(launcher());
    expect([r.code, r.err.includes('dist/ is missing')]).to.deep.equal([3, true]);
  });

  it("should print package.json's version when called with --version", async () => {
    const pkg = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as {
      version: string;
    };
    const r = await exec(callfsArgv('tsx', ['--version']));
    expect([r.code, r.out.trim()]).to.deep.equal([0, pkg.version]);
  });
});
