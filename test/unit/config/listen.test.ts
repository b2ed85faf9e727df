// Listen address parsing, as used by the schema and by the servers that bind.
import { expect } from 'chai';
import { ConfigError, parseListenAddr } from '../../../src/config/index.js';
import { thrown } from './fixtures.js';

describe('parseListenAddr', () => {
  it('should bind all interfaces when the host is empty', () => {
    expect(parseListenAddr(':8443')).to.deep.equal({ host: '0.0.0.0', port: 8443 });
  });

  it('should strip the brackets when the host is IPv6', () => {
    expect(parseListenAddr('[::1]:80')).to.deep.equal({ host: '::1', port: 80 });
  });

  it('should keep the host when it is an IPv4 address or a name', () => {
    expect(parseListenAddr('127.0.0.1:8443')).to.deep.equal({ host: '127.0.0.1', port: 8443 });
    expect(parseListenAddr('localhost:8443')).to.deep.equal({ host: 'localhost', port: 8443 });
  });

  it('should accept port 0 when an ephemeral port is wanted', () => {
    expect(parseListenAddr('0.0.0.0:0').port).to.equal(0);
  });

  for (const bad of [
    '8443',
    ':',
    ':65536',
    ':-1',
    '::1:80',
    '[::1]80',
    '[nope]:80',
    '300.1.1.1:80',
    'a b:80',
  ]) {
    it(`should throw ConfigError when the address is "${bad}"`, () => {
      expect(thrown(() => parseListenAddr(bad))).to.be.instanceOf(ConfigError);
    });
  }
});
