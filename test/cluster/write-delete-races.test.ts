// PUT and POST racing DELETE of the same path through different nodes of a real cluster: a
// PUT creates or replaces and never answers 404; a POST answers 201, 409 or a retryable 503.
import { expect } from 'chai';
import { startCluster, type TestCluster } from '../support/cluster.js';
import { call } from '../support/http.js';

const ROUNDS = 200;
/** Paths raced on; each is its own lane of rounds, and the lanes run side by side. */
const PATHS = 5;

async function status(res: Promise<Response>): Promise<number> {
  const r = await res;
  await r.arrayBuffer();
  return r.status;
}

describe('cluster: writes racing deletes of the same path', function () {
  this.timeout(240_000);
  let cluster: TestCluster;
  let urls: string[];

  before(async () => {
    cluster = await startCluster(3);
    urls = cluster.nodes.map((n) => n.url);
  });
  after(async () => {
    await cluster?.stop();
  });

  async function race(method: 'PUT' | 'POST'): Promise<Map<number, number>> {
    const seen = new Map<number, number>();
    // A round races the writes and the delete of one path; rounds of one path run one after
    // another (as before, round i on path i % PATHS), rounds of different paths at once, so the
    // wall time is that of ROUNDS / PATHS rounds, not of ROUNDS.
    const lane = async (p: number): Promise<void> => {
      for (let i = p; i < ROUNDS; i += PATHS) {
        const path = `/v1/files/race/${method.toLowerCase()}-${p}.txt`;
        const [w, , w2] = await Promise.all([
          status(call(urls[i % 3]!, method, path, { body: `w${i}` })),
          status(call(urls[(i + 1) % 3]!, 'DELETE', path)),
          status(call(urls[(i + 2) % 3]!, method, path, { body: `x${i}` })),
        ]);
        for (const s of [w, w2]) seen.set(s, (seen.get(s) ?? 0) + 1);
      }
    };
    await Promise.all(Array.from({ length: PATHS }, (_, p) => lane(p)));
    return seen;
  }

  it('should never answer 404 to a PUT racing a DELETE of the same path', async () => {
    const seen = await race('PUT');
    expect([...seen.keys()].filter((s) => ![200, 201, 503].includes(s))).to.deep.equal([]);
  });

  it('should answer a POST racing a DELETE only 201, 409 or 503', async () => {
    const seen = await race('POST');
    expect([...seen.keys()].filter((s) => ![201, 409, 503].includes(s))).to.deep.equal([]);
  });
});
