// The idle collection policy: when a quiet node collects, and that it collects only once per
// growth of its memory (a node whose memory is live must not collect on every idle check).
import { expect } from 'chai';
import { fullGc, IdleGcPolicy } from '../../../src/cli/idle-gc.js';

const MiB = 1024 * 1024;
const BUSY = 0.5;
const IDLE = 0.01;

/**
 * A policy with a 16 MiB growth threshold, the second collection after 3 quiet checks and the
 * first after `quiet` (1 unless a test is about that wait).
 */
const policy = (quiet = 1, atStart = quiet): IdleGcPolicy =>
  new IdleGcPolicy(16 * MiB, 0.05, 3, quiet, atStart);

/** The checks (utilization, footprint in MiB) at which `p` collects, by index. */
function collects(p: IdleGcPolicy, checks: [number, number][]): number[] {
  return checks.flatMap(([u, mb], i) => (p.check(u, mb * MiB) ? [i] : []));
}

const repeat = (n: number, check: [number, number]): [number, number][] => Array(n).fill(check);

describe('IdleGcPolicy', () => {
  it('should not collect when the node is busy, however much its memory grew', () => {
    expect(collects(policy(), repeat(20, [BUSY, 500]))).to.deep.equal([]);
  });

  it('should collect at the first idle check when memory grew by the threshold since start', () => {
    expect(
      collects(policy(), [
        [BUSY, 100],
        [IDLE, 100],
      ]),
    ).to.deep.equal([1]);
  });

  it('should collect only after the configured quiet checks in a row when memory grew', () => {
    const checks: [number, number][] = [
      [IDLE, 100],
      [IDLE, 100],
      [BUSY, 100], // a burst: the quiet checks start again
      ...repeat(3, [IDLE, 100]), // the third in a row collects
    ];
    expect(collects(policy(3), checks)).to.deep.equal([5]);
  });

  it('should collect after the start-up quiet checks when the node has served nothing yet', () => {
    const checks: [number, number][] = [
      [IDLE, 100],
      [IDLE, 100], // the second quiet check since start collects
    ];
    expect(collects(policy(10, 2), checks)).to.deep.equal([1]);
  });

  it('should wait the full quiet checks when the node served traffic since it started', () => {
    const checks: [number, number][] = [
      [BUSY, 100], // traffic from the first check on
      [IDLE, 100],
      ...repeat(8, [IDLE, 100]),
      [IDLE, 100], // the tenth quiet check in a row collects
    ];
    expect(collects(policy(10, 2), checks)).to.deep.equal([10]);
  });

  it('should not collect in pauses shorter than the configured quiet checks', () => {
    const bursts = Array.from({ length: 10 }, (): [number, number][] => [
      [BUSY, 200],
      [IDLE, 200],
      [IDLE, 200],
    ]).flat();
    expect(collects(policy(3), bursts)).to.deep.equal([]);
  });

  it('should not collect when memory grew by less than the threshold', () => {
    expect(collects(policy(), repeat(10, [IDLE, 15]))).to.deep.equal([]);
  });

  it('should collect a second time when the configured number of quiet checks followed', () => {
    // 0 collects, 1 settles, 2-4 are the three quiet checks.
    expect(collects(policy(), [[IDLE, 100], ...repeat(6, [IDLE, 60])])).to.deep.equal([0, 4]);
  });

  it('should not collect again when the memory left after both collections stays', () => {
    expect(collects(policy(), [[IDLE, 100], ...repeat(30, [IDLE, 90])])).to.deep.equal([0, 4]);
  });

  it('should collect again when memory grows by the threshold over what the last one left', () => {
    const checks: [number, number][] = [
      [IDLE, 100],
      ...repeat(4, [IDLE, 90]), // the second collection at the fourth, settles at 90 after it
      [IDLE, 90],
      [BUSY, 120],
      [IDLE, 105], // 15 MiB over: no
      [IDLE, 106], // 16 MiB over: collects
    ];
    expect(collects(policy(), checks)).to.deep.equal([0, 4, 8]);
  });

  it('should not collect in short pauses between bursts when memory stays near what it left', () => {
    const bursts = Array.from({ length: 5 }, (): [number, number][] => [
      [BUSY, 80],
      [IDLE, 80], // 10 MiB over what the first collection left
    ]).flat();
    // Both collections, then settled at 70.
    const checks: [number, number][] = [[IDLE, 100], ...repeat(5, [IDLE, 70]), ...bursts];
    expect(collects(policy(), checks)).to.deep.equal([0, 4]);
  });

  it('should run both collections again when traffic came between the two', () => {
    const checks: [number, number][] = [
      [IDLE, 100], // first
      [IDLE, 95], // settles at 95, which counts as unsettled once traffic comes
      [IDLE, 95],
      [BUSY, 95], // the second is off
      [IDLE, 95], // 3 quiet checks in a row: memory unsettled, so a first collection again
      [IDLE, 60], // settles
      [IDLE, 60],
      [IDLE, 60],
      [IDLE, 60], // the second, 3 quiet checks after the first
    ];
    expect(collects(policy(), checks)).to.deep.equal([0, 4, 8]);
  });
});

describe('fullGc', () => {
  it('should return a working full collection without exposing gc as a global when called', () => {
    const gc = fullGc();
    expect(gc).to.be.a('function');
    expect((globalThis as { gc?: unknown }).gc).to.equal(undefined);
    expect(() => gc()).to.not.throw();
  });
});
