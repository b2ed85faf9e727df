// The example configs shipped in config/ must run as-is, and must say they are examples.
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { loadConfig } from '../../../src/config/index.js';

const example = (name: string) =>
  fileURLToPath(new URL(`../../../config/${name}`, import.meta.url));

describe('example configs', () => {
  it('should validate when the YAML example is loaded', () => {
    const { config } = loadConfig({ file: example('callfs.example.yaml'), env: {} });
    expect(config.instance_discovery.instance_id).to.equal('node-1');
  });

  it('should describe the same config when the JSON example is loaded', () => {
    const yaml = loadConfig({ file: example('callfs.example.yaml'), env: {} }).config;
    const json = loadConfig({ file: example('callfs.example.json'), env: {} }).config;
    expect(json).to.deep.equal(yaml);
  });

  it('should warn about every published credential when the example is used unchanged', () => {
    const { warnings } = loadConfig({ file: example('callfs.example.yaml'), env: {} });
    expect(warnings).to.have.length(5);
    expect(warnings).to.include(
      'auth.internal_proxy_secret: is the published example value; replace it before exposing this node',
    );
  });
});
