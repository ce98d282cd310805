// kas with REDIS_URL and Redis lost (issue 16): the test's own redis-server is killed and started again; kas does not
// crash, /readyz answers 503 naming Redis and the fix, and turns ready again by itself once Redis is back.
import { startTestRedis, type TestRedis } from '@mooring/modules/shared/testing/redis';
import { until } from '@mooring/modules/shared/testing/until';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestKas, type TestKas } from './testing/test-kas';

describe('kas with Redis', () => {
  let redis: TestRedis;
  let t: TestKas;

  beforeAll(async () => {
    redis = await startTestRedis({ own: true });
    t = await startTestKas('pglite', { env: { REDIS_URL: redis.url } });
  });

  afterAll(async () => {
    await t?.dispose();
    await redis?.stop();
  });

  const readyz = async () => {
    const res = await fetch(`${t.observabilityUrl}/readyz`);
    return { status: res.status, body: await res.text() };
  };

  it('reports Redis on /readyz, stays up while it is gone and recovers when it returns', async () => {
    const first = await until('/readyz to report Redis connected', async () => {
      const r = await readyz();
      return r.status === 200 ? r : undefined;
    });
    expect(first.body).toContain('[+] redis ok');

    const lostAt = performance.now();
    await redis.kill();
    const down = await until('/readyz to report Redis down', async () => {
      const r = await readyz();
      return r.status === 503 ? r : undefined;
    });
    expect(down.body).toMatch(
      /\[-\] redis failed: Redis at redis:\/\/127\.0\.0\.1:\d+ is not reachable: .*check REDIS_URL/,
    );
    expect(down.body).toContain('[+] database ok');
    // kas itself keeps answering.
    expect((await fetch(`${t.observabilityUrl}/livez`)).status).toBe(200);
    console.log(`readiness turned 503 ${Math.round(performance.now() - lostAt)} ms after Redis was killed`);

    const backAt = performance.now();
    await redis.start();
    const up = await until('/readyz to report Redis back', async () => {
      const r = await readyz();
      return r.status === 200 ? r : undefined;
    });
    expect(up.body).toContain('[+] redis ok');
    console.log(`ready again ${Math.round(performance.now() - backAt)} ms after Redis restarted`);
  });
});
