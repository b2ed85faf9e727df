// The example configs shipped in config/ are valid once their published credentials are
// replaced (through the environment, as the README shows), and refused while they are not.
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { loadConfig } from '../../../src/config/index.js';

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
});
