// The console's list of kas replicas (replicas.list, GET /api/v1/replicas) with two kas in this process on one
// PostgreSQL and a real Redis, and real agentk pods on the run's cluster: one pod of agent X on A, a pod of X and a
// pod of Y on B. Whichever replica answers, both are listed with the agents and tunnels they hold; B turning not
// ready (a readiness check of its own that the test switches off, the same mechanism as a lost database) shows on A
// with B's /readyz reason; B stopping cleanly leaves the list. Waits on the answers, prints how long each took.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Agentk } from '@mooring/agentk';
import { startTestPostgres, type TestPostgres } from '@mooring/db/testing/postgres';
import { startTestRedis, type TestRedis } from '@mooring/modules/shared/testing/redis';
import { until } from '@mooring/modules/shared/testing/until';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKas, type RunningKas } from './kas';
import { createLogger } from './logger';
import type { KasModule } from './module';
import { defaultModules } from './modules';
import { RestClient } from './testing/api-client';
import { startClusterAgentk } from './testing/cluster-agentk';
import { loopbackTestConfig } from './testing/loopback-config';
import { sharedReplicaEnv, testAdminPassword } from './testing/test-kas';
import { buildHttpWorld, uniqueName, type HttpWorld } from './testing/world';

interface Replica {
  name: string;
  self: boolean;
  privateApiUrl: string | null;
  state: 'ready' | 'not_ready' | 'not_reporting';
  reason: string | null;
  readiness: string[];
  agents: number;
  tunnels: number;
  lastSeenAt: string | null;
}
interface Listing {
  shared: boolean;
  replicas: Replica[];
  total: number;
  limit: number;
  problem: string | null;
}

/** A readiness check the test turns off and on: B's /readyz fails the way any failed check does. */
function readinessSwitch(): { module: KasModule; ready: boolean } {
  const state = {
    ready: true,
    module: {
      name: 'readiness_switch',
      async start(ctx) {
        ctx.addReadinessCheck({
          name: 'test switch',
          check: async () => {
            if (!state.ready) throw new Error('switched off by the test');
          },
        });
      },
      async stop() {},
    } satisfies KasModule,
  };
  return state;
}

describe('the list of kas replicas', () => {
  let pg: TestPostgres | undefined;
  let redis: TestRedis | undefined;
  let a: RunningKas | undefined;
  let b: RunningKas | undefined;
  let w: HttpWorld;
  let adminOnB: RestClient;
  const pods: Agentk[] = [];
  const bSwitch = readinessSwitch();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mooring-replicas-list-'));

  beforeAll(async () => {
    pg = await startTestPostgres();
    redis = await startTestRedis();
    const env = {
      ...sharedReplicaEnv(pg.url, redis.url),
    };
    const start = (name: string, extra: KasModule[] = []) =>
      startKas(loopbackTestConfig(path.join(dir, name), env), {
        modules: [...defaultModules(), ...extra],
        replica: `kas-${name}`,
        redisKeyPrefix: redis!.keyPrefix,
        logger: createLogger({ level: 'error' }),
      });
    // One after the other: the first migrates the fresh database.
    a = await start('a');
    b = await start('b', [bSwitch.module]);
    w = await buildHttpWorld({
      apiUrl: a.urls.api,
      adminUsername: 'admin',
      adminPassword: testAdminPassword,
    });
    adminOnB = new RestClient(b.urls.api);
    expect((await adminOnB.login('admin', testAdminPassword)).status).toBe(200);
    const other = await w.admin.post<{ id: number }>(`/api/v1/projects/${w.projectId}/agents`, {
      name: uniqueName('second'),
    });
    expect(other.status, other.text).toBe(201);
    const tokenOf = async (agentId: number) => {
      const token = await w.admin.post<{ secret: string }>(`/api/v1/agents/${agentId}/tokens`, {
        name: 'list',
      });
      expect(token.status, token.text).toBe(201);
      return token.body.secret;
    };
    const [x, y] = [await tokenOf(w.agentId), await tokenOf(other.body.id)];
    pods.push(await startClusterAgentk(a, x, 'agentk-list-x0'));
    pods.push(await startClusterAgentk(b, x, 'agentk-list-x1'));
    pods.push(await startClusterAgentk(b, y, 'agentk-list-y0'));
  }, 180_000);

  afterAll(async () => {
    for (const pod of pods) await pod.stop(1_000);
    await a?.stop();
    await b?.stop();
    await redis?.stop();
    await pg?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const listOn = async (client: RestClient) => {
    const res = await client.get<Listing>('/api/v1/replicas');
    expect(res.status, res.text).toBe(200);
    return res.body;
  };
  const tunnelsOf = (...held: Agentk[]) =>
    held.reduce((sum, pod) => sum + pod.poolStats().idle + pod.poolStats().active, 0);
  const byName = (listing: Listing) => new Map(listing.replicas.map((r) => [r.name, r]));

  it('lists both replicas, whichever answers, with the agents and tunnels each holds', async () => {
    const since = performance.now();
    const [x0, x1, y0] = pods as [Agentk, Agentk, Agentk];
    for (const [client, selfName] of [
      [w.admin, 'kas-a'],
      [adminOnB, 'kas-b'],
    ] as const) {
      const listing = await until(`${selfName} to list both replicas with their counts`, async () => {
        const l = await listOn(client);
        const r = byName(l);
        const ra = r.get('kas-a');
        const rb = r.get('kas-b');
        return (
          l.total === 2 &&
          ra?.state === 'ready' &&
          rb?.state === 'ready' &&
          ra.agents === 1 &&
          ra.tunnels === tunnelsOf(x0) &&
          rb.agents === 2 &&
          rb.tunnels === tunnelsOf(x1, y0) &&
          l
        );
      });
      expect(listing.shared).toBe(true);
      expect(listing.problem).toBeNull();
      expect(listing.limit).toBe(100);
      // The answering replica first, marked.
      expect(listing.replicas.map((r) => [r.name, r.self])).toEqual([
        [selfName, true],
        [selfName === 'kas-a' ? 'kas-b' : 'kas-a', false],
      ]);
      const r = byName(listing);
      expect(r.get('kas-a')!.privateApiUrl).toBe(a!.urls.privateApi);
      expect(r.get('kas-b')!.privateApiUrl).toBe(b!.urls.privateApi);
      for (const replica of listing.replicas) {
        expect(replica.readiness).toContain('[+] redis ok');
        expect(replica.reason).toBeNull();
        expect(Number.isNaN(Date.parse(replica.lastSeenAt!))).toBe(false);
      }
      console.log(
        `${selfName} listed kas-a (1 agent, ${r.get('kas-a')!.tunnels} tunnels) and kas-b (2 agents, ${r.get('kas-b')!.tunnels} tunnels) ${Math.round(performance.now() - since)} ms after the pods connected`,
      );
    }
  });

  it('shows B not ready on A with the reason its own /readyz gives, and ready again', async () => {
    bSwitch.ready = false;
    const since = performance.now();
    const onB = (await listOn(adminOnB)).replicas[0]!;
    expect(onB).toMatchObject({ name: 'kas-b', self: true, state: 'not_ready' });
    expect(onB.reason).toBe('[-] test switch failed: switched off by the test');
    const readyz = await fetch(`${b!.urls.observability}/readyz`);
    expect(readyz.status).toBe(503);
    expect(await readyz.text()).toContain(onB.reason!);

    const seenOnA = await until('A to list B as not ready', async () => {
      const rb = byName(await listOn(w.admin)).get('kas-b');
      return rb?.state === 'not_ready' && rb;
    });
    expect(seenOnA.reason).toBe(onB.reason);
    expect(seenOnA.readiness).toContain('[+] database ok');
    console.log(`A listed B not ready ${Math.round(performance.now() - since)} ms after B's check failed`);

    bSwitch.ready = true;
    const back = performance.now();
    await until(
      'A to list B ready again',
      async () => byName(await listOn(w.admin)).get('kas-b')?.state === 'ready',
    );
    console.log(`A listed B ready again after ${Math.round(performance.now() - back)} ms`);
  });

  it('answers only administrators', async () => {
    const res = await w.as.developer.get<{ message: string }>('/api/v1/replicas');
    expect(res.status, res.text).toBe(403);
    expect(res.text).toContain('needs an administrator account');
  });

  it('drops B from the list once it stopped cleanly', async () => {
    for (const pod of pods.splice(1)) await pod.stop(1_000);
    await b!.stop();
    const listing = await until('A to list itself alone', async () => {
      const l = await listOn(w.admin);
      return l.total === 1 && l;
    });
    expect(listing.replicas.map((r) => r.name)).toEqual(['kas-a']);
  });
});
