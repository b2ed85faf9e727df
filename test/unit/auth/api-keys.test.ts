// A key the configuration accepts is a key a client can send: one with spaces inside (upstream
// CallFS accepts those) arrives intact after `Bearer ` and names its user. Verified tokens are
// remembered, and only those: a wrong key is refused however often a right one came before,
// and the memory never holds more than its bound.
import { expect } from 'chai';
import { createAuthenticator, VerifiedKeys } from '../../../src/auth/api-keys.js';

const SPACED = 'seventeen chars k3y with spaces';

describe('the API key authenticator', () => {
  const auth = createAuthenticator({
    apiKeys: [],
    apiKeyUsers: { alice: SPACED },
    internalSecret: 'c81e728d9d4c2f636f067f89cc14862c',
  });

  it('should name the user when a key with inner spaces is sent as Bearer', () => {
    expect(auth.authenticate(`Bearer ${SPACED}`).user).to.equal('alice');
  });

  it('should refuse the key when its inner spaces are changed', () => {
    expect(() => auth.authenticate(`Bearer ${SPACED.replace(' ', '  ')}`)).to.throw(
      'missing or invalid API key',
    );
  });
});

describe('the verified keys of the authenticator', () => {
  const SECRET = 'c81e728d9d4c2f636f067f89cc14862c';
  const keys = Array.from({ length: 8 }, (_, i) => `key-number-${i}-0123456789abcdef`);

  it('should refuse a wrong key when a right key of the same length was verified before', () => {
    const auth = createAuthenticator({ apiKeys: keys, apiKeyUsers: {}, internalSecret: SECRET });
    auth.authenticate(`Bearer ${keys[0]}`);
    auth.authenticate(`Bearer ${keys[0]}`);
    expect(() => auth.authenticate(`Bearer ${`${keys[0]!.slice(0, -1)}x`}`)).to.throw(
      'missing or invalid API key',
    );
  });

  it('should remember no token when only wrong keys were sent', () => {
    const verified = new VerifiedKeys(4);
    const auth = createAuthenticator(
      { apiKeys: keys, apiKeyUsers: {}, internalSecret: SECRET },
      verified,
    );
    for (let i = 0; i < 20; i++) {
      expect(() => auth.authenticate(`Bearer wrong-${i}`)).to.throw('missing or invalid API key');
      expect(auth.isInternal(`Bearer wrong-${i}`)).to.equal(false);
    }
    expect(verified.size).to.equal(0);
  });

  it('should hold at most its bound when more right keys than that were sent', () => {
    const verified = new VerifiedKeys(4);
    const auth = createAuthenticator(
      { apiKeys: keys, apiKeyUsers: {}, internalSecret: SECRET },
      verified,
    );
    const users = keys.map((k) => auth.authenticate(`Bearer ${k}`).user);
    expect(users[7]).to.equal('api-user-7');
    expect(verified.size).to.equal(4);
  });

  it('should name the same user when a remembered key comes again', () => {
    const auth = createAuthenticator({ apiKeys: keys, apiKeyUsers: {}, internalSecret: SECRET });
    auth.authenticate(`Bearer ${keys[3]}`);
    expect(auth.authenticate(keys[3]).user).to.equal('api-user-3');
  });

  it('should tell the internal secret from a user key when both were verified', () => {
    const auth = createAuthenticator({ apiKeys: keys, apiKeyUsers: {}, internalSecret: SECRET });
    auth.authenticate(`Bearer ${keys[1]}`);
    auth.authenticate(`Bearer ${SECRET}`);
    expect([
      auth.isInternal(`Bearer ${keys[1]}`),
      auth.isInternal(`Bearer ${SECRET}`),
    ]).to.deep.equal([false, true]);
  });
});
