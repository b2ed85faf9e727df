// Link tokens: `<id>.<mac>` verified against the shared secret, forged or mangled ones refused.
import { expect } from 'chai';
import { newToken, verifyToken } from '../../../src/links/token.js';

const SECRET = 'links-secret-0123456789abcdef0123456789';
const OTHER = 'other-secret-0123456789abcdef0123456789';

describe('link tokens', () => {
  it('should give back the id when the token was issued with the same secret', () => {
    const { id, token } = newToken(SECRET);
    expect(verifyToken(SECRET, token)).to.equal(id);
    expect(token).to.match(/^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{32}$/);
  });

  it('should refuse the token when it was issued with another secret', () => {
    const { token } = newToken(OTHER);
    expect(verifyToken(SECRET, token)).to.equal(null);
  });

  it('should refuse the token when one character of the mac is changed', () => {
    const { token } = newToken(SECRET);
    const last = token.at(-1) === 'A' ? 'B' : 'A';
    expect(verifyToken(SECRET, token.slice(0, -1) + last)).to.equal(null);
  });

  it('should refuse the token when the id is swapped for another one', () => {
    const a = newToken(SECRET);
    const b = newToken(SECRET);
    expect(verifyToken(SECRET, `${b.id}.${a.token.split('.')[1]}`)).to.equal(null);
  });

  it('should refuse the token when it is truncated or extended', () => {
    const { token } = newToken(SECRET);
    expect(verifyToken(SECRET, token.slice(0, -1))).to.equal(null);
    expect(verifyToken(SECRET, `${token}A`)).to.equal(null);
  });

  it('should refuse the token when it is not of the token shape', () => {
    for (const bad of ['', '.', 'abc', 'a.b', `${'a'.repeat(22)}.${'?'.repeat(32)}`]) {
      expect(verifyToken(SECRET, bad), bad).to.equal(null);
    }
  });

  it('should issue a different token when called twice', () => {
    expect(newToken(SECRET).token).to.not.equal(newToken(SECRET).token);
  });
});
