import { expect } from 'chai';
import { MetadataUnavailableError, NotFoundError } from '../../../src/files/errors.js';
import { retryWhileMetadataUnavailable } from '../../../src/files/startup-retry.js';

describe('start-up recovery retry', () => {
  const pauses: number[] = [];
  const sleep = async (ms: number): Promise<void> => void pauses.push(ms);
  beforeEach(() => (pauses.length = 0));

  it('should run the step again with doubling pauses when etcd misses deadlines, then succeed', async () => {
    let calls = 0;
    const result = await retryWhileMetadataUnavailable(
      async () => {
        calls++;
        if (calls < 3) throw new MetadataUnavailableError('deadline exceeded');
        return 'recovered';
      },
      { sleep, firstDelayMs: 100 },
    );
    expect([result, calls, pauses]).to.deep.equal(['recovered', 3, [100, 200]]);
  });

  it('should give up with the last METADATA_UNAVAILABLE when every attempt fails', async () => {
    let calls = 0;
    const failing = retryWhileMetadataUnavailable(
      async () => {
        calls++;
        throw new MetadataUnavailableError(`attempt ${calls}`);
      },
      { sleep, attempts: 4, firstDelayMs: 10 },
    );
    const err = await failing.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(MetadataUnavailableError);
    expect([(err as Error).message, calls, pauses]).to.deep.equal(['attempt 4', 4, [10, 20, 40]]);
  });

  it('should not retry when the step fails for another reason', async () => {
    let calls = 0;
    const err = await retryWhileMetadataUnavailable(
      async () => {
        calls++;
        throw new NotFoundError('gone');
      },
      { sleep },
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(NotFoundError);
    expect([calls, pauses]).to.deep.equal([1, []]);
  });
});
