// `callfs config validate` says what a node would do with a configuration's credentials: a
// value that only looks like a placeholder (upstream CallFS accepts it) is valid with a warning;
// a published default (upstream CallFS's change-me-…) or a value under 16 characters is refused
// with exit 2, naming the key and never echoing the value.
import { execFile } from 'node:child_process';
import { expect } from 'chai';
import { callfsArgv } from '../../../devkit/node-process.js';
import { CHILD_RUNTIME } from '../../support/node.js';
import { INTERNAL, KEY_A, LINK, makeTempDir, type TempDir } from '../config/fixtures.js';

function validate(file: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('CALLFS_')),
  );
  const [node, ...argv] = callfsArgv(CHILD_RUNTIME, ['config', 'validate', '--config', file]);
  return new Promise((resolve) => {
    execFile(node!, argv, { env }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const config = (auth: Record<string, unknown>) =>
  JSON.stringify({
    instance_discovery: { instance_id: 'node-1' },
    auth: {
      api_keys: [KEY_A],
      internal_proxy_secret: INTERNAL,
      single_use_link_secret: LINK,
      ...auth,
    },
  });

describe('callfs config validate', function () {
  this.timeout(60_000);
  let dir: TempDir;
  before(async () => (dir = await makeTempDir()));
  after(() => dir?.remove());

  it('should call the config valid and warn when a secret only looks like a placeholder', async () => {
    const file = await dir.write(
      'placeholder.json',
      config({ internal_proxy_secret: 'internal-secret-at-least-16' }),
    );
    const r = await validate(file);
    expect([r.code, r.stdout.includes(`${file}: valid`)]).to.deep.equal([0, true]);
    expect(r.stderr).to.match(
      /^warning: auth\.internal_proxy_secret: looks like a placeholder \(contains "secret"\); accepted, but generate a real one/m,
    );
  });

  it("should refuse the config with exit 2 when a secret is upstream CallFS's change-me default", async () => {
    const file = await dir.write(
      'default.json',
      config({ single_use_link_secret: 'change-me-link-secret' }),
    );
    const r = await validate(file);
    expect([r.code, r.stderr.includes('change-me-link-secret')]).to.deep.equal([2, false]);
    expect(r.stderr).to.match(
      /auth\.single_use_link_secret: is a published default of upstream CallFS/,
    );
  });

  it('should refuse the config with exit 2 when an API key is shorter than 16 characters', async () => {
    const file = await dir.write('short.json', config({ api_keys: ['a1b2c3d4e5f6a7b'] }));
    const r = await validate(file);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/auth\.api_keys\[0\]: must be at least 16 characters/);
  });

  it('should say nothing of placeholders when the credentials look real', async () => {
    const file = await dir.write('real.json', config({}));
    const r = await validate(file);
    expect([r.code, r.stderr]).to.deep.equal([0, '']);
  });
});
