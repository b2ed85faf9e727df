// A body sends itself (DirectBody) only while nobody has read it as a stream.
import { Readable } from 'node:stream';
import { expect } from 'chai';
import { isDirectBody } from '../../../src/files/direct-body.js';

function sendingBody(): Readable {
  const body = Readable.from([Buffer.from('abc')], { objectMode: false });
  return Object.assign(body, { sendTo: async () => undefined });
}

describe('isDirectBody', function () {
  it('should be true when the body can send itself and was not read', function () {
    expect(isDirectBody(sendingBody())).to.equal(true);
  });

  it('should be false when the body was read from already', async function () {
    const body = sendingBody();
    await new Promise((resolve) => body.once('readable', resolve));
    body.read();
    expect(isDirectBody(body)).to.equal(false);
  });

  it('should be false when the body is a plain stream', function () {
    expect(isDirectBody(Readable.from([Buffer.from('abc')]))).to.equal(false);
  });
});
