// Two kas processes on one PostgreSQL and the test's own Redis (issue 16, item 2), a real agentk connected to A:
// B answers that the agent is connected via A (tunnel tracker and connection rows); a config saved through B
// reaches the agent on A (events relayed through Redis); Redis killed and restarted: neither kas crashes, /readyz
// names Redis, and everything recovers; A killed (SIGKILL, no goodbye): after the tracker TTL (2 s here) B reports the
// agent connected nowhere. Waits on state, prints the delays.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Agentk } from '@mooring/agentk';
import { startTestPostgres, type TestPostgres } from '@mooring/db/testing/postgres';
import { redisTunnelTracker, type TunnelTracker } from '@mooring/modules/reverse_tunnel/server/index';
import { openRedisConnection, type RedisConnection } from '@mooring/modules/shared/redis-connection';
import { startTestRedis, type TestRedis } from '@mooring/modules/shared/testing/redis';
import { until } from '@mooring/modules/shared/testing/until';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningKas } from './kas';
import { RestClient } from './testing/api-client';
import { startClusterAgentk } from './testing/cluster-agentk';
import { kasProcessPorts, spawnKas, type KasProcess } from './testing/kas-process';
import { sharedReplicaEnv, testAdminPassword } from './testing/test-kas';
import { buildHttpWorld, type HttpWorld } from './testing/world';

interface Connection {
  podName: string;
  kasReplica: string;
  disconnectedAt: string | null;
}

describe('two kas replicas sharing Redis', () => {
  let pg: TestPostgres | undefined;
  let redis: TestRedis | undefined;
  let w: HttpWorld;
  let a: KasProcess;
  let b: KasProcess;
  let aUrls: Record<string, string> & { api: string };
  let bUrls: Record<string, string> & { api: string };
  let adminOnB: RestClient;
  let agentk: Agentk | undefined;
  let observerConnection: RedisConnection | undefined;
  /** Reads the shared tracker as a third party would (kas-to-kas routing). */
  let observer: TunnelTracker;
  /** A's name in connection rows and the tracker. */
  let replicaA = '';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mooring-replicas-redis-'));

  beforeAll(async () => {
    pg = await startTestPostgres();
    redis = await startTestRedis({ own: true });
    const env = {
      ...kasProcessPorts,
      ...sharedReplicaEnv(pg.url, redis.url),
      MOORING_TUNNEL_TRACKER_TTL: '2',
      MOORING_LOG_LEVEL: 'info',
    };
    // One after the other: the first migrates the fresh database.
    a = spawnKas({ ...env, MOORING_DATA_DIR: path.join(dir, 'kas-a') });
    aUrls = await a.ready();
    b = spawnKas({ ...env, MOORING_DATA_DIR: path.join(dir, 'kas-b') });
    bUrls = await b.ready();
    w = await buildHttpWorld({ apiUrl: aUrls.api, adminUsername: 'admin', adminPassword: testAdminPassword });
    adminOnB = new RestClient(bUrls.api);
    expect((await adminOnB.login('admin', testAdminPassword)).status).toBe(200);
    observerConnection = openRedisConnection({ url: redis.url, backoff: { initialMs: 50, maxMs: 200 } });
    observer = redisTunnelTracker({ redis: observerConnection, self: 'observer', manualTicks: true });
  });

  afterAll(async () => {
    await agentk?.stop(1_000);
    await observer?.stop();
    await observerConnection?.close();
    for (const proc of [a, b]) {
      if (!proc) continue;
      if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGKILL');
      await proc.exited;
    }
    await redis?.stop();
    await pg?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const connectionsOn = async (client: RestClient) => {
    const res = await client.get<Connection[]>(`/api/v1/agents/${w.agentId}/connections`);
    expect(res.status, res.text).toBe(200);
    return res.body.filter((c) => c.disconnectedAt === null);
  };
  const readyz = async (urls: Record<string, string>) => {
    const res = await fetch(`${urls.observability}/readyz`);
    return { status: res.status, body: await res.text() };
  };

  it('B sees the agent connected via A, a config saved through B reaches it, and Redis lost and back is survived', async () => {
    const token = await w.admin.post<{ secret: string }>(`/api/v1/agents/${w.agentId}/tokens`, {
      name: 'replicas',
    });
    expect(token.status, token.text).toBe(201);
    agentk = await startClusterAgentk(
      { urls: aUrls } as unknown as RunningKas,
      token.body.secret,
      'agentk-replicas-0',
    );

    // B answers the console from the shared rows, naming A; the shared tracker says A holds the tunnels.
    const [onB] = await until('B to list the pod connected via A', async () => {
      const list = await connectionsOn(adminOnB);
      return list.length === 1 && list;
    });
    expect(onB!.podName).toBe('agentk-replicas-0');
    replicaA = onB!.kasReplica;
    const trackedAt = performance.now();
    const holders = await until('the tracker to name A', async () => {
      const urls = await observer.kasUrlsFor(w.agentId);
      return urls.length > 0 && urls;
    });
    expect(holders).toEqual([replicaA]);
    console.log(
      `tracker named ${replicaA} within ${Math.round(performance.now() - trackedAt)} ms of B's answer`,
    );
    expect((await observer.liveReplicas()).length).toBe(3);

    // A config saved through B reaches the agent, whose stream is on A.
    const savedAt = performance.now();
    const saved = await adminOnB.post<{ version: number }>(`/api/v1/agents/${w.agentId}/configs`, {
      // Keeps the test's agentk quiet (its logger follows the configuration).
      yaml: 'observability:\n  logging:\n    level: error\n',
    });
    expect(saved.status, saved.text).toBe(201);
    await until(
      'the agent on A to receive the config saved through B',
      () => agentk!.config()?.version === String(saved.body.version),
    );
    console.log(
      `config v${saved.body.version} saved through B reached the agent on A in ${Math.round(performance.now() - savedAt)} ms`,
    );

    // Redis lost: both stay up, not ready, naming Redis; A keeps its agent.
    await redis!.kill();
    for (const urls of [aUrls, bUrls]) {
      const down = await until('/readyz to report Redis down', async () => {
        const r = await readyz(urls);
        return r.status === 503 && r;
      });
      expect(down.body).toMatch(/\[-\] redis failed: Redis at redis:\/\/127\.0\.0\.1:\d+ is not reachable/);
    }
    expect(agentk.poolStats().idle + agentk.poolStats().active).toBeGreaterThan(0);
    expect(await connectionsOn(w.admin)).toHaveLength(1);

    // Redis back (empty: no persistence): ready again, and A writes its tracker entries again.
    const backAt = performance.now();
    await redis!.start();
    for (const urls of [aUrls, bUrls])
      await until('/readyz to be ready again', async () => (await readyz(urls)).status === 200);
    await until('the tracker to name A again', async () =>
      (await observer.kasUrlsFor(w.agentId).catch((): string[] => [])).includes(replicaA),
    );
    console.log(`ready and tracked again ${Math.round(performance.now() - backAt)} ms after Redis restarted`);
    expect(a.child.exitCode).toBeNull();
    expect(b.child.exitCode).toBeNull();
    // Events cross again: a second config saved through B reaches the agent.
    const again = await adminOnB.post<{ version: number }>(`/api/v1/agents/${w.agentId}/configs`, {
      yaml: '# saved again after Redis returned\nobservability:\n  logging:\n    level: error\n',
    });
    expect(again.status, again.text).toBe(201);
    await until(
      'the second config to reach the agent',
      () => agentk!.config()?.version === String(again.body.version),
    );
  });

  it('A killed without a goodbye: after the TTL B reports the agent connected nowhere', async () => {
    const killedAt = performance.now();
    a.child.kill('SIGKILL');
    await a.exited;
    await until('the tracker to forget A', async () => (await observer.kasUrlsFor(w.agentId)).length === 0);
    const forgotten = performance.now();
    await until(
      'B to mark the pod of A disconnected',
      async () => (await connectionsOn(adminOnB)).length === 0,
    );
    console.log(
      `after SIGKILL: tracker empty in ${Math.round(forgotten - killedAt)} ms, B's connections empty in ${Math.round(performance.now() - killedAt)} ms (TTL 2 s)`,
    );
    const activity = await adminOnB.get<Array<{ kind: string; details: { reason?: string } }>>(
      `/api/v1/agents/${w.agentId}/activity`,
    );
    expect(activity.status, activity.text).toBe(200);
    expect(activity.body.find((e) => e.kind === 'agent_disconnected')?.details.reason).toMatch(
      /stopped heartbeating/,
    );
    expect(await observer.liveReplicas()).not.toContain(replicaA);
  });
});
