// A key the configuration accepts is a key a client can send: one with spaces inside (upstream
// CallFS accepts those) arrives intact after `Bearer ` and names its user.
import { expect } from 'chai';
import { createAuthenticator } from '../../../src/auth/api-keys.js';

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
