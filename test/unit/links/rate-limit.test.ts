// Token buckets per client: a burst, then 429s until tokens refill; bounded client map.
import { expect } from 'chai';
import { TokenBuckets } from '../../../src/edge/rate-limit.js';

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

function takes(buckets: TokenBuckets, client: string, n: number): boolean[] {
  return Array.from({ length: n }, () => buckets.take(client));
}

describe('TokenBuckets', () => {
  it('should allow the burst and then refuse when a client keeps calling', () => {
    const t = clock();
    const buckets = new TokenBuckets({ ratePerSecond: 10, burst: 5, now: t.now });
    expect(takes(buckets, 'a', 7)).to.deep.equal([true, true, true, true, true, false, false]);
  });

  it('should allow one more call when a token has refilled', () => {
    const t = clock();
    const buckets = new TokenBuckets({ ratePerSecond: 10, burst: 5, now: t.now });
    takes(buckets, 'a', 5);
    t.advance(99);
    const early = buckets.take('a');
    t.advance(1);
    expect([early, buckets.take('a'), buckets.take('a')]).to.deep.equal([false, true, false]);
  });

  it('should refill no more than the burst when a client was idle for long', () => {
    const t = clock();
    const buckets = new TokenBuckets({ ratePerSecond: 10, burst: 2, now: t.now });
    takes(buckets, 'a', 2);
    t.advance(60_000);
    expect(takes(buckets, 'a', 3)).to.deep.equal([true, true, false]);
  });

  it('should keep separate buckets when two clients call', () => {
    const t = clock();
    const buckets = new TokenBuckets({ ratePerSecond: 1, burst: 1, now: t.now });
    expect([buckets.take('a'), buckets.take('a'), buckets.take('b')]).to.deep.equal([
      true,
      false,
      true,
    ]);
  });

  it('should track at most maxClients clients when many clients call', () => {
    const buckets = new TokenBuckets({ ratePerSecond: 1, burst: 1, maxClients: 3 });
    for (let i = 0; i < 100; i++) buckets.take(`client-${i}`);
    expect(buckets.size).to.equal(3);
  });

  it('should drop the least recently seen client when the map is full', () => {
    const t = clock();
    const buckets = new TokenBuckets({ ratePerSecond: 1, burst: 1, maxClients: 2, now: t.now });
    buckets.take('a');
    buckets.take('b');
    buckets.take('a'); // refused, but now the most recent
    buckets.take('c'); // evicts b, not a
    expect([buckets.take('a'), buckets.take('b')]).to.deep.equal([false, true]);
  });

  it('should refuse to build when the rate or burst is not positive', () => {
    expect(() => new TokenBuckets({ ratePerSecond: 0, burst: 1 })).to.throw(RangeError);
    expect(() => new TokenBuckets({ ratePerSecond: 1, burst: 0 })).to.throw(RangeError);
  });
});
