// p50/p99 of verifyAgentToken (the hot path of every agent call) on PGlite and on PostgreSQL,
// cached (answered from memory) and uncached (TTL 0: one indexed query per call).
// Run: pnpm exec tsx bench/api/token-check.ts   (PostgreSQL: MOORING_TEST_DATABASE_URL or a throwaway server)
import { randomBytes } from 'node:crypto';
import { actorFor, createServices } from '../../apps/kas/src/services/index';
import { openTestDatabase, type TestDatabase } from '../../packages/db/src/testing/backends';

const CACHED_CALLS = Number(process.env.BENCH_CACHED_CALLS ?? 50_000);
const UNCACHED_CALLS = Number(process.env.BENCH_UNCACHED_CALLS ?? 3_000);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function measure(
  calls: number,
  fn: () => Promise<unknown>,
): Promise<{ p50: number; p99: number; max: number; perSecond: number }> {
  for (let i = 0; i < Math.min(200, calls); i++) await fn(); // warm-up (JIT, cache fill)
  const samples = new Array<number>(calls);
  const start = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    samples[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  const totalMs = Number(process.hrtime.bigint() - start) / 1e6;
  samples.sort((a, b) => a - b);
  return {
    p50: percentile(samples, 50),
    p99: percentile(samples, 99),
    max: samples[samples.length - 1]!,
    perSecond: Math.round(calls / (totalMs / 1000)),
  };
}

async function setUp(db: TestDatabase, ttlSeconds: number) {
  const services = createServices({
    db: db.db,
    secret: randomBytes(32).toString('base64'),
    cacheTtls: { positiveSeconds: ttlSeconds, negativeSeconds: ttlSeconds, lastUsedFlushSeconds: 30 },
  });
  await services.users.ensureInitialAdmin({ password: 'bench-admin-pw' });
  const admin = actorFor((await services.users.getByUsername('admin'))!);
  const path = `bench-${randomBytes(3).toString('hex')}`;
  const group = await services.groups.create(admin, { name: 'Bench', path });
  const project = await services.projects.create(admin, { groupId: group.id, name: 'Bench', path: 'p' });
  // Some unrelated tokens so the index is not trivially small.
  for (let i = 0; i < 200; i++) {
    const a = await services.agents.register(admin, { projectId: project.id, name: `filler-${i}` });
    await services.agentTokens.create(admin, a.id, { name: 't' });
  }
  const agent = await services.agents.register(admin, { projectId: project.id, name: 'bench' });
  const { token } = await services.agentTokens.create(admin, agent.id, { name: 'bench' });
  return { services, token };
}

const fmt = (n: number) => n.toFixed(1).padStart(9);
const rows: string[] = [];

for (const backend of ['pglite', 'postgres'] as const) {
  const db = await openTestDatabase(backend);
  try {
    const cached = await setUp(db, 300);
    const c = await measure(CACHED_CALLS, () => cached.services.agentTokens.verify(cached.token));
    const unknown = `mgt-${'Q'.repeat(50)}`;
    const cn = await measure(CACHED_CALLS, () => cached.services.agentTokens.verify(unknown));
    await cached.services.close();

    const uncached = await setUp(db, 0);
    const u = await measure(UNCACHED_CALLS, () => uncached.services.agentTokens.verify(uncached.token));
    const un = await measure(UNCACHED_CALLS, () => uncached.services.agentTokens.verify(unknown));
    await uncached.services.close();

    for (const [mode, r, n] of [
      ['cached, valid', c, CACHED_CALLS],
      ['cached, unknown', cn, CACHED_CALLS],
      ['uncached, valid', u, UNCACHED_CALLS],
      ['uncached, unknown', un, UNCACHED_CALLS],
    ] as const) {
      rows.push(
        `${backend.padEnd(9)} ${mode.padEnd(18)} ${String(n).padStart(7)} ${fmt(r.p50)} ${fmt(r.p99)} ${fmt(r.max)} ${String(r.perSecond).padStart(9)}`,
      );
    }
  } finally {
    await db.dispose();
  }
}

console.log(`verifyAgentToken latency (microseconds), node ${process.version}`);
console.log(
  `${'backend'.padEnd(9)} ${'mode'.padEnd(18)} ${'calls'.padStart(7)} ${'p50 µs'.padStart(9)} ${'p99 µs'.padStart(9)} ${'max µs'.padStart(9)} ${'calls/s'.padStart(9)}`,
);
for (const r of rows) console.log(r);
