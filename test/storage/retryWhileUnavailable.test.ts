import { retryWhileUnavailable } from '../../src/storage/errors';

/* The one retry of idempotent Redis steps (case repository, outbox): only "unavailable" errors are retried. */
describe('retryWhileUnavailable', () => {
  it('runs the step again after each pause while Redis is unavailable, then gives its result', async () => {
    let calls = 0;
    const result = await retryWhileUnavailable(async () => {
      calls += 1;
      if (calls < 3) throw new Error('Command timed out');
      return 'done';
    }, [1, 1]);
    expect(result).toBe('done');
    expect(calls).toBe(3);
  });

  it('throws the last unavailable error once the pauses are used up', async () => {
    let calls = 0;
    await expect(
      retryWhileUnavailable(async () => {
        calls += 1;
        throw new Error('Command timed out');
      }, [1]),
    ).rejects.toThrow('Command timed out');
    expect(calls).toBe(2);
  });

  it('never retries another error (a script error does not heal)', async () => {
    let calls = 0;
    await expect(
      retryWhileUnavailable(async () => {
        calls += 1;
        throw new Error('WRONGTYPE Operation against a key holding the wrong kind of value');
      }, [1, 1]),
    ).rejects.toThrow('WRONGTYPE');
    expect(calls).toBe(1);
  });
});
