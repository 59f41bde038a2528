import Redis from 'ioredis';

describe('test environment', () => {
  it('talks to the private Redis, not the machine one', async () => {
    const url = process.env.TEST_REDIS_URL!;
    expect(url).not.toMatch(/:6379$/);
    const r = new Redis(url);
    await r.set('test:sanity', '1');
    expect(await r.get('test:sanity')).toBe('1');
    await r.del('test:sanity');
    await r.quit();
  });
});
