// Validation of raw config objects: defaults, derived values, key checks and credentials.
import { expect } from 'chai';
import { ConfigError, parseConfig } from '../../../src/config/index.js';
import { INTERNAL, KEY_A, KEY_B, minimalRaw, thrown } from './fixtures.js';

function withAuth(auth: Record<string, unknown>): Record<string, unknown> {
  const raw = minimalRaw();
  return { ...raw, auth: { ...(raw.auth as object), ...auth } };
}

describe('parseConfig', () => {
  describe('defaults', () => {
    it('should fill every section when only the required keys are given', () => {
      const { config } = parseConfig(minimalRaw());
      expect(config.server.listen_addr).to.equal(':8443');
      expect(config.peer.chunk_size_bytes).to.equal(1024 * 1024);
      expect(config.metadata_store).to.include({
        type: 'etcd',
        etcd_prefix: '/callfs/',
        lease_ttl_seconds: 10,
      });
    });

    it('should derive external_url and advertise_addr when they are not given', () => {
      const raw = {
        ...minimalRaw(),
        server: { listen_addr: ':0' },
        peer: { listen_addr: '[::1]:7000' },
      };
      const { config } = parseConfig(raw);
      expect(config.server.external_url).to.equal('http://127.0.0.1:0');
      expect(config.peer.advertise_addr).to.equal('[::1]:7000');
    });

    it('should return no warnings when the config has only supported keys', () => {
      expect(parseConfig(minimalRaw()).warnings).to.deep.equal([]);
    });
  });

  describe('keys', () => {
    it('should name the dotted key when a key is unknown', () => {
      const raw = { ...minimalRaw(), server: { listen_adr: ':1' } };
      const err = thrown(() => parseConfig(raw));
      expect(err).to.be.instanceOf(ConfigError);
      expect(err.message).to.contain('unknown key "server.listen_adr"');
    });

    it('should warn instead of failing when a CallFS key is not implemented', () => {
      const raw = { ...minimalRaw(), server: { protocol: 'https' }, raft: { node_id: 'x' } };
      const { warnings } = parseConfig(raw);
      expect(warnings).to.have.length(2);
      expect(warnings[0]).to.match(/^server\.protocol: /);
      expect(warnings[1]).to.match(/^raft: /);
    });

    it('should warn when instance_discovery carries peer_endpoints', () => {
      const raw = minimalRaw();
      raw.instance_discovery = { instance_id: 'n1', peer_endpoints: ['http://b:8443'] };
      expect(parseConfig(raw).warnings[0]).to.match(/^instance_discovery\.peer_endpoints: /);
    });

    it('should list every problem when several keys are invalid', () => {
      const raw = { ...minimalRaw(), log: { level: 'loud', format: 'xml' }, nope: 1 };
      const err = thrown(() => parseConfig(raw)) as ConfigError;
      expect(err.problems).to.have.length(3);
    });
  });

  describe('required keys', () => {
    it('should reject the config when instance_id is missing', () => {
      const raw = { ...minimalRaw(), instance_discovery: undefined };
      expect(thrown(() => parseConfig(raw)).message).to.equal(
        'instance_discovery.instance_id: is required',
      );
    });

    it('should reject the config when instance_id has a slash', () => {
      const raw = { ...minimalRaw(), instance_discovery: { instance_id: 'a/b' } };
      expect(thrown(() => parseConfig(raw)).message).to.match(/^instance_discovery\.instance_id: /);
    });
  });

  describe('credentials', () => {
    it('should reject an API key when it is shorter than 16 characters', () => {
      const err = thrown(() => parseConfig(withAuth({ api_keys: ['0123456789abcde'] })));
      expect(err.message).to.match(/^auth\.api_keys\[0\]: must be at least 16 characters/);
    });

    it('should warn but accept a secret when it contains a placeholder word', () => {
      const { warnings } = parseConfig(withAuth({ internal_proxy_secret: `${INTERNAL}-ChangeMe` }));
      expect(warnings.join('\n')).to.match(/auth\.internal_proxy_secret: looks like a placeholder/);
    });

    it('should warn but accept a secret when it is one repeated character', () => {
      const { warnings } = parseConfig(withAuth({ single_use_link_secret: '7'.repeat(40) }));
      expect(warnings.join('\n')).to.match(
        /auth\.single_use_link_secret: looks like a placeholder/,
      );
    });

    it('should accept a secret when upstream CallFS does (16 characters with a common word)', () => {
      const { config } = parseConfig(
        withAuth({ internal_proxy_secret: 'internal-secret-at-least-16' }),
      );
      expect(config.auth.internal_proxy_secret).to.equal('internal-secret-at-least-16');
    });

    it('should reject a secret when it is shorter than 16 characters', () => {
      const err = thrown(() =>
        parseConfig(withAuth({ internal_proxy_secret: INTERNAL.slice(0, 15) })),
      );
      expect(err.message).to.match(/^auth\.internal_proxy_secret: must be at least 16 characters/);
    });

    for (const [key, value] of [
      ['internal_proxy_secret', 'change-me-internal-secret'],
      ['single_use_link_secret', 'change-me-link-secret'],
      ['internal_proxy_secret', 'your-internal-secret-here'],
    ] as const) {
      it(`should reject ${key} when it is upstream CallFS's published default ${value}`, () => {
        const err = thrown(() => parseConfig(withAuth({ [key]: value })));
        expect(err.message).to.match(
          new RegExp(`^auth\\.${key}: is a published default of upstream CallFS`),
        );
      });
    }

    it("should reject an API key when it is upstream CallFS's documented your-api-key-here", () => {
      const err = thrown(() => parseConfig(withAuth({ api_keys: ['your-api-key-here'] })));
      expect(err.message).to.match(
        /^auth\.api_keys\[0\]: is a published default of upstream CallFS/,
      );
    });

    it('should reject the config when no API key is configured', () => {
      const err = thrown(() => parseConfig(withAuth({ api_keys: [] })));
      expect(err.message).to.match(/^auth\.api_keys: at least one API key is required/);
    });

    it('should reject a key when it is used twice', () => {
      const err = thrown(() =>
        parseConfig(withAuth({ api_keys: [KEY_A], api_key_users: { bob: KEY_A } })),
      );
      expect(err.message).to.equal('auth.api_key_users.bob: duplicates another API key');
    });

    it('should accept an API key when it has a space inside, as upstream CallFS does', () => {
      const key = 'seventeen chars k3y with spaces';
      expect(parseConfig(withAuth({ api_keys: [key] })).config.auth.api_keys).to.deep.equal([key]);
    });

    it('should reject an API key when it ends with a space that headers would trim', () => {
      const err = thrown(() => parseConfig(withAuth({ api_keys: [`${KEY_A} `] })));
      expect(err.message).to.match(/^auth\.api_keys\[0\]: must contain only printable ASCII/);
    });

    it('should reject the internal secret when it is also an API key', () => {
      const err = thrown(() => parseConfig(withAuth({ internal_proxy_secret: KEY_A })));
      expect(err.message).to.equal('auth.internal_proxy_secret: must differ from every API key');
    });

    it('should warn but accept the link secret when it equals the internal secret', () => {
      const { config, warnings } = parseConfig(withAuth({ single_use_link_secret: INTERNAL }));
      expect([config.auth.single_use_link_secret, warnings]).to.deep.equal([
        INTERNAL,
        [
          'auth.single_use_link_secret: equals auth.internal_proxy_secret; accepted, but generate a separate one',
        ],
      ]);
    });

    it('should warn but accept the link secret when it equals an API key', () => {
      const { warnings } = parseConfig(withAuth({ single_use_link_secret: KEY_A }));
      expect(warnings).to.deep.equal([
        'auth.single_use_link_secret: equals an API key; accepted, but generate a separate one',
      ]);
    });

    it('should accept named users when their keys are distinct', () => {
      const { config } = parseConfig(withAuth({ api_key_users: { bob: KEY_B } }));
      expect(config.auth.api_key_users).to.deep.equal({ bob: KEY_B });
    });

    it('should reject a user when it is named __proto__', () => {
      const users = JSON.parse(`{"__proto__": "${KEY_B}"}`) as Record<string, string>;
      const err = thrown(() => parseConfig(withAuth({ api_key_users: users })));
      expect(err.message).to.match(/^auth\.api_key_users\.__proto__: /);
    });

    it('should not echo the rejected value when a credential is invalid', () => {
      const err = thrown(() =>
        parseConfig(withAuth({ single_use_link_secret: 'change-me-link-secret' })),
      );
      expect(err.message).to.not.contain('change-me');
    });
  });

  describe('values', () => {
    it('should reject etcd_prefix when it does not end with a slash', () => {
      const raw = { ...minimalRaw(), metadata_store: { etcd_prefix: '/callfs' } };
      expect(thrown(() => parseConfig(raw)).message).to.match(
        /^metadata_store\.etcd_prefix: must start and end with "\/"/,
      );
    });

    it('should default the link rate limits to 100/s burst 20 and 10/s burst 5', () => {
      expect(parseConfig(minimalRaw()).config.links).to.deep.equal({
        generate_rate_per_second: 100,
        generate_burst: 20,
        download_rate_per_second: 10,
        download_burst: 5,
      });
    });

    it('should reject links.generate_burst when it is 0', () => {
      const raw = { ...minimalRaw(), links: { generate_burst: 0 } };
      expect(thrown(() => parseConfig(raw)).message).to.match(/^links\.generate_burst: /);
    });

    it('should reject chunk_size_bytes when it exceeds 4 MiB', () => {
      const raw = { ...minimalRaw(), peer: { chunk_size_bytes: 8 * 1024 * 1024 } };
      expect(thrown(() => parseConfig(raw)).message).to.match(
        /^peer\.chunk_size_bytes: must be at most/,
      );
    });

    it('should reject external_url when it is not http(s)', () => {
      const raw = { ...minimalRaw(), server: { external_url: 'ftp://files.example.org' } };
      expect(thrown(() => parseConfig(raw)).message).to.equal(
        'server.external_url: must be an http(s) URL',
      );
    });

    it('should reject listen_addr when an IPv6 host is not bracketed', () => {
      const raw = { ...minimalRaw(), server: { listen_addr: '::1:8443' } };
      expect(thrown(() => parseConfig(raw)).message).to.match(/^server\.listen_addr: /);
    });

    it('should reject a TLS certificate when its key is missing', () => {
      const raw = { ...minimalRaw(), server: { tls_cert_file: '/etc/tls/server.crt' } };
      expect(thrown(() => parseConfig(raw)).message).to.match(/^server\.tls_key_file: is required/);
    });

    it('should name the missing certificate when a peer TLS key is given alone', () => {
      const raw = { ...minimalRaw(), peer: { tls_key_file: '/etc/tls/peer.key' } };
      expect(thrown(() => parseConfig(raw)).message).to.equal(
        'peer.tls_cert_file: is required when tls_key_file is set',
      );
    });

    it('should name the missing etcd user when an etcd password is given alone', () => {
      const raw = { ...minimalRaw(), metadata_store: { etcd_password: 'etcd-pass' } };
      expect(thrown(() => parseConfig(raw)).message).to.equal(
        'metadata_store.etcd_username: is required when etcd_password is set',
      );
    });

    it('should reject a number when it is given as a string in the file', () => {
      const raw = { ...minimalRaw(), metadata_store: { lease_ttl_seconds: '10' } };
      expect(thrown(() => parseConfig(raw)).message).to.match(
        /^metadata_store\.lease_ttl_seconds: expected a number/,
      );
    });
  });
});
