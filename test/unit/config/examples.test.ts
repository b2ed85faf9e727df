// The example configs shipped in config/ are valid once their published credentials are
// replaced (through the environment, as docs/configuration.md shows), and refused while they
// are not; the 3-host cluster template takes its credentials from the environment.
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { loadConfig } from '../../../src/config/index.js';
import { callfsArgv } from '../../../devkit/node-process.js';
import { CHILD_RUNTIME } from '../../support/node.js';

/** `callfs config validate` in a child process with only `env`'s CALLFS_ variables. */
function validate(
  file: string,
  env: Record<string, string>,
): Promise<{ code: number; out: string }> {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('CALLFS_')),
  );
  const [node, ...argv] = callfsArgv(CHILD_RUNTIME, ['config', 'validate', '--config', file]);
  return new Promise((resolve) => {
    execFile(node!, argv, { env: { ...clean, ...env } }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, out: stdout + stderr });
    });
  });
}

/** Fresh credentials, as `openssl rand -hex` would make them. */
const FRESH = {
  CALLFS_AUTH__API_KEYS: '3e1c0d9a7b5f42e8a61d0c9b8e7f6a51',
  CALLFS_AUTH__API_KEY_USERS__ALICE: '9b2e4f6a8c0d1e3f5a7b9c1d3e5f7a9b',
  CALLFS_AUTH__API_KEY_USERS__ROOT: '0f1e2d3c4b5a69788796a5b4c3d2e1f0',
  CALLFS_AUTH__INTERNAL_PROXY_SECRET:
    'c0ffee12deadbeef34a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7',
  CALLFS_AUTH__SINGLE_USE_LINK_SECRET:
    '7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b',
};

const example = (name: string) =>
  fileURLToPath(new URL(`../../../config/${name}`, import.meta.url));

describe('example configs', () => {
  it('should validate when the YAML example is loaded', () => {
    const { config } = loadConfig({ file: example('callfs.example.yaml'), env: FRESH });
    expect(config.instance_discovery.instance_id).to.equal('node-1');
  });

  it('should describe the same config when the JSON example is loaded', () => {
    const yaml = loadConfig({ file: example('callfs.example.yaml'), env: FRESH }).config;
    const json = loadConfig({ file: example('callfs.example.json'), env: FRESH }).config;
    expect(json).to.deep.equal(yaml);
  });

  it('should refuse every published credential when the example is used unchanged', () => {
    let message = '';
    try {
      loadConfig({ file: example('callfs.example.yaml'), env: {} });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message.match(/is the published example value/g)).to.have.length(5);
  });

  describe('the 3-host cluster template', () => {
    const secrets = { ...FRESH, CALLFS_METADATA_STORE__ETCD_PASSWORD: 'etcd-password-for-callfs' };
    const load = () =>
      loadConfig({ file: example('callfs.cluster.example.yaml'), env: secrets }).config;

    it('should validate when its credentials come from the environment', () => {
      expect(load().instance_discovery.instance_id).to.equal('callfs-1');
    });

    it('should name several etcd endpoints and an advertised address peers can dial', () => {
      const config = load();
      expect(config.metadata_store.etcd_endpoints).to.have.length(3);
      expect(config.peer.advertise_addr).to.not.match(/^(127\.|localhost|0\.0\.0\.0)/);
      expect(config.server.external_url).to.match(/^https:\/\//);
    });

    it('should turn on HTTPS and mutual TLS between nodes', () => {
      const { server, peer } = load();
      expect([server.tls_cert_file, peer.tls_cert_file, peer.tls_ca_file].every(Boolean)).to.equal(
        true,
      );
    });

    it('should be accepted by callfs config validate when the credentials are set', async () => {
      const { code, out } = await validate(example('callfs.cluster.example.yaml'), secrets);
      expect(code, out).to.equal(0);
      expect(out).to.include('valid');
    });

    it('should be refused naming the missing secret when no credential is set', async () => {
      const { code, out } = await validate(example('callfs.cluster.example.yaml'), {});
      expect(code).to.equal(2);
      expect(out).to.include('auth.internal_proxy_secret');
    });
  });
});
