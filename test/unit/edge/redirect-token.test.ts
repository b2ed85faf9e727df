// Redirect tokens: sealed, bound to node, method, path and file, short-lived and used once.
import { expect } from 'chai';
import { deriveCursorKey } from '../../../src/files/cursor.js';
import {
  deriveRedirectKey,
  REDIRECT_TOKEN_TTL_MS,
  RedirectTokens,
  type RedirectGrant,
} from '../../../src/edge/redirect-token.js';

const SECRET = 'internal-0123456789abcdef0123456789abcdef';
const GRANT: RedirectGrant = {
  method: 'GET',
  path: '/a/b.bin',
  user: 'alice',
  instanceId: 'node-1',
  created: '42',
};

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
}

describe('redirect tokens', () => {
  let clock = 1_000_000;
  const tokens = (instanceId = 'node-1', secret = SECRET) =>
    new RedirectTokens({ key: deriveRedirectKey(secret), instanceId, now: () => clock });

  beforeEach(() => {
    clock = 1_000_000;
  });

  it('should give back the grant when the owner accepts a fresh token', () => {
    const t = tokens();
    expect(t.accept(t.issue(GRANT), 'GET', '/a/b.bin')).to.deep.equal(GRANT);
  });
  it('should refuse a token with 401 when it is used a second time', () => {
    const t = tokens();
    const token = t.issue(GRANT);
    t.accept(token, 'GET', '/a/b.bin');
    expect(codeOf(() => t.accept(token, 'GET', '/a/b.bin'))).to.equal('AUTHENTICATION_FAILED');
  });
  it('should refuse a token with 401 when it has expired', () => {
    const t = tokens();
    const token = t.issue(GRANT);
    clock += REDIRECT_TOKEN_TTL_MS;
    expect(codeOf(() => t.accept(token, 'GET', '/a/b.bin'))).to.equal('AUTHENTICATION_FAILED');
  });
  it('should refuse a token with 401 when one character of it is changed', () => {
    const t = tokens();
    const token = t.issue(GRANT);
    const i = token.indexOf('.') - 3;
    const tampered = token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1);
    expect(codeOf(() => t.accept(tampered, 'GET', '/a/b.bin'))).to.equal('AUTHENTICATION_FAILED');
  });
  it('should refuse a token with 401 when it was issued for another path', () => {
    const t = tokens();
    expect(codeOf(() => t.accept(t.issue(GRANT), 'GET', '/a/other.bin'))).to.equal(
      'AUTHENTICATION_FAILED',
    );
  });
  it('should refuse a GET token with 401 when it is presented for a PUT', () => {
    const t = tokens();
    expect(codeOf(() => t.accept(t.issue(GRANT), 'PUT', '/a/b.bin'))).to.equal(
      'AUTHENTICATION_FAILED',
    );
  });
  it('should refuse a token with 401 when another node presents it', () => {
    const token = tokens('node-1').issue(GRANT);
    expect(codeOf(() => tokens('node-2').accept(token, 'GET', '/a/b.bin'))).to.equal(
      'AUTHENTICATION_FAILED',
    );
  });
  it('should refuse a token with 401 when another cluster sealed it', () => {
    const token = tokens('node-1', SECRET + 'x').issue(GRANT);
    expect(codeOf(() => tokens().accept(token, 'GET', '/a/b.bin'))).to.equal(
      'AUTHENTICATION_FAILED',
    );
  });
  it('should derive a key unlike the cursor key when both come from one secret', () => {
    expect(deriveRedirectKey(SECRET).equals(deriveCursorKey(SECRET))).to.equal(false);
  });
});
