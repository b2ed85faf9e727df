// 100 concurrent small POSTs of one path through the 3 nodes of a real cluster: the one
// commit transaction decides, so exactly one answers 201, every other 409 FILE_ALREADY_EXISTS,
// the file holds the winner's bytes, and no node keeps a staged temp of a loser.
import { expect } from 'chai';
import { startCluster, type TestCluster } from '../support/cluster.js';
import { call, sha256 } from '../support/http.js';
import { tempFiles } from '../support/checks.js';

const WRITERS = 100;

describe('cluster: concurrent small POSTs of one path', function () {
  this.timeout(120_000);
  let cluster: TestCluster;

  before(async () => {
    cluster = await startCluster(3);
  });
  after(async () => {
    await cluster?.stop();
  });

  it('should answer one 201 and 99 409s and leave no temp file when 100 small POSTs race', async () => {
    const urls = cluster.nodes.map((n) => n.url);
    expect((await call(urls[0]!, 'POST', '/v1/files/race/')).status).to.equal(201);
    const bodies = Array.from({ length: WRITERS }, (_, i) => Buffer.alloc(4096, i));
    const answers = await Promise.all(
      bodies.map(async (body, i) => {
        const res = await call(urls[i % 3]!, 'POST', '/v1/files/race/one.bin', { body });
        const json = (await res.json()) as { code?: string };
        return { status: res.status, code: json.code, i };
      }),
    );
    const won = answers.filter((a) => a.status === 201);
    const lost = answers.filter((a) => a.status === 409 && a.code === 'FILE_ALREADY_EXISTS');
    expect(won).to.have.length(1);
    expect(lost).to.have.length(WRITERS - 1);
    const read = await call(urls[1]!, 'GET', '/v1/files/race/one.bin');
    expect(sha256(Buffer.from(await read.arrayBuffer()))).to.equal(sha256(bodies[won[0]!.i]!));
    for (const node of cluster.nodes) {
      expect(await tempFiles(node.root)).to.deep.equal([]);
    }
  });
});
