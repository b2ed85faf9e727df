// Loading from files and from CALLFS_ environment variables.
import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../../src/config/index.js';
import { INTERNAL, KEY_A, KEY_B, LINK, makeTempDir, thrown, type TempDir } from './fixtures.js';

/** The required keys, as environment variables. */
const REQUIRED_ENV = {
  CALLFS_INSTANCE_DISCOVERY__INSTANCE_ID: 'env-node',
  CALLFS_AUTH__API_KEYS: KEY_A,
  CALLFS_AUTH__INTERNAL_PROXY_SECRET: INTERNAL,
  CALLFS_AUTH__SINGLE_USE_LINK_SECRET: LINK,
};

describe('loadConfig', () => {
  let dir: TempDir;
  beforeEach(async () => {
    dir = await makeTempDir();
  });
  afterEach(async () => {
    await dir.remove();
  });

  describe('files', () => {
    it('should load a YAML file when the extension is .yaml', async () => {
      const file = await dir.write(
        'c.yaml',
        [
          'instance_discovery: { instance_id: yaml-node }',
          'auth:',
          `  api_keys: ['${KEY_A}']`,
          `  internal_proxy_secret: ${INTERNAL}`,
          `  single_use_link_secret: ${LINK}`,
          'log: { level: debug }',
        ].join('\n'),
      );
      const { config } = loadConfig({ file, env: {} });
      expect(config.instance_discovery.instance_id).to.equal('yaml-node');
      expect(config.log.level).to.equal('debug');
    });

    it('should load a JSON file when the extension is .json', async () => {
      const raw = {
        instance_discovery: { instance_id: 'json-node' },
        auth: { api_keys: [KEY_A], internal_proxy_secret: INTERNAL, single_use_link_secret: LINK },
      };
      const file = await dir.write('c.json', JSON.stringify(raw));
      expect(loadConfig({ file, env: {} }).config.instance_discovery.instance_id).to.equal(
        'json-node',
      );
    });

    it('should name the file when it does not exist', () => {
      const err = thrown(() => loadConfig({ file: `${dir.path}/missing.yaml`, env: {} }));
      expect(err).to.be.instanceOf(ConfigError);
      expect(err.message).to.equal(`config file "${dir.path}/missing.yaml" not found`);
    });

    it('should report the position when the YAML is malformed', async () => {
      const file = await dir.write(
        'bad.yml',
        'server:\n  listen_addr: ":1"\n  listen_addr: ":2"\n',
      );
      expect(thrown(() => loadConfig({ file, env: {} })).message).to.match(
        /^config file ".*bad\.yml": .*line 3/,
      );
    });

    it('should reject the file when its top level is a list', async () => {
      const file = await dir.write('list.yaml', '- a\n- b\n');
      expect(thrown(() => loadConfig({ file, env: {} })).message).to.match(
        /top level must be a mapping/,
      );
    });
  });

  describe('environment', () => {
    it('should load from the environment alone when no file is given', () => {
      expect(loadConfig({ env: REQUIRED_ENV }).config.instance_discovery.instance_id).to.equal(
        'env-node',
      );
    });

    it('should override a file value when a nested variable is set', async () => {
      const file = await dir.write(
        'c.yaml',
        `instance_discovery: { instance_id: from-file }\nserver: { listen_addr: ':1' }\n`,
      );
      const env = {
        ...REQUIRED_ENV,
        CALLFS_INSTANCE_DISCOVERY__INSTANCE_ID: undefined,
        CALLFS_SERVER__LISTEN_ADDR: ':9999',
      };
      const { config } = loadConfig({ file, env });
      expect(config.server.listen_addr).to.equal(':9999');
      expect(config.instance_discovery.instance_id).to.equal('from-file');
    });

    it('should coerce a number when the key is numeric', () => {
      const env = { ...REQUIRED_ENV, CALLFS_METADATA_STORE__LEASE_TTL_SECONDS: '30' };
      expect(loadConfig({ env }).config.metadata_store.lease_ttl_seconds).to.equal(30);
    });

    it('should name the variable when a numeric value is not a number', () => {
      const env = { ...REQUIRED_ENV, CALLFS_PEER__CHUNK_SIZE_BYTES: '1MiB' };
      expect(thrown(() => loadConfig({ env })).message).to.equal(
        'peer.chunk_size_bytes (from CALLFS_PEER__CHUNK_SIZE_BYTES): expected a number, got "1MiB"',
      );
    });

    it('should split a comma-separated list when the key is a list', () => {
      const env = {
        ...REQUIRED_ENV,
        CALLFS_METADATA_STORE__ETCD_ENDPOINTS: 'http://a:1, http://b:2',
        CALLFS_AUTH__API_KEYS: `${KEY_A},${KEY_B}`,
      };
      const { config } = loadConfig({ env });
      expect(config.metadata_store.etcd_endpoints).to.deep.equal(['http://a:1', 'http://b:2']);
      expect(config.auth.api_keys).to.deep.equal([KEY_A, KEY_B]);
    });

    it('should set a map entry when the variable names a user', () => {
      const env = { ...REQUIRED_ENV, CALLFS_AUTH__API_KEY_USERS__ALICE: KEY_B };
      expect(loadConfig({ env }).config.auth.api_key_users).to.deep.equal({ alice: KEY_B });
    });

    it('should fail naming the dotted key when a variable maps to no key', () => {
      const env = { ...REQUIRED_ENV, CALLFS_SERVER__LISTEN_ADR: ':1' };
      expect(thrown(() => loadConfig({ env })).message).to.match(
        /^unknown key "server\.listen_adr" \(from CALLFS_SERVER__LISTEN_ADR\)/,
      );
    });

    it('should ignore a variable when it starts with CALLFS_DEV_', () => {
      const env = { ...REQUIRED_ENV, CALLFS_DEV_NODES: '3' };
      expect(loadConfig({ env }).warnings).to.deep.equal([]);
    });

    it('should warn when a variable names a legacy CallFS key', () => {
      const env = { ...REQUIRED_ENV, CALLFS_DLM__TIMEOUT: '5s' };
      expect(loadConfig({ env }).warnings[0]).to.match(
        /^dlm\.timeout \(from CALLFS_DLM__TIMEOUT\): /,
      );
    });

    it('should keep the file value when a variable is empty', async () => {
      const file = await dir.write('c.yaml', `log: { format: text }\n`);
      const env = { ...REQUIRED_ENV, CALLFS_LOG__FORMAT: '' };
      expect(loadConfig({ file, env }).config.log.format).to.equal('text');
    });
  });
});
