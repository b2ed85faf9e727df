// The background sweeps' one-pass-at-a-time rule (serial-passes.ts).
import { expect } from 'chai';
import { SerialPasses } from '../../../src/files/serial-passes.js';

describe('serial passes', () => {
  it('should join the running pass when another is asked for meanwhile', async () => {
    let started = 0;
    let end!: () => void;
    const passes = new SerialPasses(async () => {
      started += 1;
      await new Promise<void>((resolve) => (end = resolve));
      return 7;
    });
    const first = passes.run();
    const second = passes.run();
    end();
    expect([await first, await second, started]).to.deep.equal([7, 7, 1]);
  });

  it('should start a new pass when asked after the last one ended', async () => {
    let started = 0;
    const passes = new SerialPasses(async () => ++started);
    await passes.run();
    expect(await passes.run()).to.equal(2);
  });

  it('should wait for the running pass and start none when stopped', async () => {
    const events: string[] = [];
    let end!: () => void;
    const passes = new SerialPasses(async () => {
      await new Promise<void>((resolve) => (end = resolve));
      events.push('pass ended');
      return 1;
    });
    void passes.run();
    const stopping = passes.stop().then(() => events.push('stopped'));
    end();
    await stopping;
    expect([await passes.run(), passes.stopped, events]).to.deep.equal([
      0,
      true,
      ['pass ended', 'stopped'],
    ]);
  });

  it('should let a later pass run when one failed', async () => {
    let calls = 0;
    const passes = new SerialPasses(async () => {
      if (++calls === 1) throw new Error('etcd away');
      return calls;
    });
    await passes.run().catch(() => undefined);
    expect(await passes.run()).to.equal(2);
  });
});
