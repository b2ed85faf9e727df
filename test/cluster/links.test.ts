// Single-use links across 3 real node processes on one etcd: a link made on one node for a
// file owned by another is redeemed on the third with the exact bytes, and two nodes redeeming
// one token at the same moment give exactly one 200 and one 410.
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { startCluster, type TestCluster } from '../support/cluster.js';
import { call, jsonOf, sha256 } from '../support/http.js';

describe('cluster: single-use links across 3 nodes', function () {
  this.timeout(120_000);
  let cluster: TestCluster;
  let n1: string, n2: string, n3: string;
  const data = randomBytes(3 * 1024 * 1024 + 17);

  before(async () => {
    cluster = await startCluster(3);
    [n1, n2, n3] = cluster.nodes.map((n) => n.url) as [string, string, string];
    const res = await call(n2, 'POST', '/v1/files/links/on-node-2.bin', { body: data });
    expect(res.status, 'create on node-2').to.equal(201);
  });
  after(async () => {
    await cluster?.stop();
  });

  async function generateOn(node: string, path: string): Promise<{ url: string; token: string }> {
    const res = await call(node, 'POST', '/v1/links/generate', {
      body: JSON.stringify({ path, expiry_seconds: 600 }),
    });
    expect(res.status, 'generate').to.equal(201);
    const body = await jsonOf(res);
    return { url: body.url as string, token: body.token as string };
  }

  it('should name the generating node in the url when a link is made there', async () => {
    const { url, token } = await generateOn(n1, '/links/on-node-2.bin');
    expect(url).to.equal(`${n1}/download/${token}`);
  });

  it('should serve the owner bytes on a third node when the link was made on another', async () => {
    const { token } = await generateOn(n1, '/links/on-node-2.bin');
    const res = await fetch(`${n3}/download/${token}`);
    expect(res.status).to.equal(200);
    expect(sha256(Buffer.from(await res.arrayBuffer()))).to.equal(sha256(data));
  });

  it('should answer 410 LINK_USED on every other node when the link was redeemed once', async () => {
    const { token } = await generateOn(n3, '/links/on-node-2.bin');
    await (await fetch(`${n2}/download/${token}`)).arrayBuffer();
    const statuses = await Promise.all(
      [n1, n3].map(async (n) => (await fetch(`${n}/download/${token}`)).status),
    );
    expect(statuses).to.deep.equal([410, 410]);
  });

  it('should give exactly one 200 and one 410 when two nodes redeem one token at once', async () => {
    const pairs = [
      [n1, n3],
      [n1, n2],
      [n2, n3],
      [n3, n1],
      [n2, n1],
    ];
    const outcomes: string[] = [];
    for (const pair of pairs) {
      const { token } = await generateOn(n1, '/links/on-node-2.bin');
      const answers = await Promise.all(
        pair.map(async (n) => {
          const res = await fetch(`${n}/download/${token}`);
          const body = Buffer.from(await res.arrayBuffer());
          if (res.status !== 200) return String(res.status);
          return sha256(body) === sha256(data) ? 'ok' : 'bad bytes';
        }),
      );
      outcomes.push(answers.sort().join(' '));
    }
    expect(outcomes).to.deep.equal(Array(pairs.length).fill('410 ok'));
  });
});
