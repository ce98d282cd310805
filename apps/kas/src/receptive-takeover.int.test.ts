// Two kas processes on one PostgreSQL database and one receptive agent (issue 15): the lease `receptive:<agentId>`
// lets exactly one dial, the other reports standby; when the owner is killed (SIGKILL: no release, the lease must
// run out) the other dials, agentk's clients reconnect over the new link, and kubectl through the new owner's
// proxy then succeeds every time. MOORING_RECEPTIVE_LEASE is 2 s here; the figures are printed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestPostgres, type TestPostgres } from '@mooring/db/testing/postgres';
import { kubeCluster } from '@mooring/kube-dev/testing';
import { kubectlRun } from '@mooring/modules/kubernetes_api/server/testing/kubectl-runner';
import { until } from '@mooring/modules/shared/testing/until';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RestClient } from './testing/api-client';
import { kasProcessPorts, spawnKas, type KasProcess } from './testing/kas-process';
import { receptiveAgents } from './testing/receptive-agents';
import { sharedReplicaEnv, testAdminPassword } from './testing/test-kas';
import { buildHttpWorld, type HttpWorld } from './testing/world';

interface Replica {
  name: 'A' | 'B';
  proc: KasProcess;
  /** The developer's browser session, on this replica. */
  developer: RestClient;
}

describe('receptive agents with two kas processes on one PostgreSQL database', () => {
  let pg: TestPostgres | undefined;
  let w: HttpWorld;
  const replicas: Replica[] = [];
  const agents = receptiveAgents(() => w);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mooring-receptive-takeover-'));

  const startReplica = async (name: 'A' | 'B', env: Record<string, string>) => {
    const dataDir = path.join(dir, `kas-${name}`);
    const proc = spawnKas({ ...env, ...kasProcessPorts, MOORING_DATA_DIR: dataDir });
    const urls = await proc.ready();
    return { name, proc, apiUrl: urls.api };
  };

  beforeAll(async () => {
    pg = await startTestPostgres();
    const env = {
      // One secret for both, as replicas share theirs: either may decrypt the endpoint's key and read a session.
      ...sharedReplicaEnv(pg.url),
      MOORING_RECEPTIVE_LEASE: '2',
      MOORING_LOG_LEVEL: 'info',
    };
    // One after the other: the first migrates the fresh database.
    const a = await startReplica('A', env);
    const b = await startReplica('B', env);
    w = await buildHttpWorld({ apiUrl: a.apiUrl, adminUsername: 'admin', adminPassword: testAdminPassword });
    const onB = new RestClient(b.apiUrl);
    onB.cookie = w.as.developer.cookie;
    onB.csrfToken = w.as.developer.csrfToken;
    replicas.push({ ...a, developer: w.as.developer }, { ...b, developer: onB });
  });

  afterAll(async () => {
    await agents.stop();
    await Promise.all(
      replicas.map(async ({ proc }) => {
        if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGKILL');
        await proc.exited;
      }),
    );
    await pg?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('exactly one kas dials; killed, the other takes over and serves kubectl through its proxy', async () => {
    const { agentId, agentk } = await agents.startJwtAgent('takeover');
    await agentk.registered;
    /** Each replica's `receptive.state` answer, as last read (for failure messages). */
    let seen = '';
    const stateOn = async (r: Replica) => {
      const { body } = await r.developer.get<{ state: string; error: string | null }>(
        `/api/v1/agents/${agentId}/receptive_endpoint/state`,
      );
      seen = `${seen} ${r.name}: ${JSON.stringify(body)}`;
      return body.state;
    };
    const roles = async () => {
      seen = '';
      const [a, b] = await Promise.all(replicas.map(stateOn));
      if (a === 'connected' && b === 'standby') return { owner: replicas[0]!, standby: replicas[1]! };
      if (b === 'connected' && a === 'standby') return { owner: replicas[1]!, standby: replicas[0]! };
      return null;
    };
    const { owner, standby } = await until('one kas connected to the agent and the other on standby', roles);
    // Over a lease's renewals the roles hold: the standby never dials.
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setTimeout(r, 500));
      expect((await roles())?.owner.name, `the replicas' states:${seen}`).toBe(owner.name);
    }

    const kubeconfig = await agents.kubeconfig(standby.developer, dir, agentId);
    const cluster = kubeCluster();
    const results: { startedAt: number; endedAt: number; ok: boolean; stderr: string }[] = [];
    let takeoverAt: number | null = null;
    const afterTakeover = () => results.filter((r) => takeoverAt !== null && r.startedAt >= takeoverAt);
    let stopLoop = false;

    // The pod's connection record names the kas it registered with.
    const replicaOfPod = async (r: Replica) => {
      const { body } = await r.developer.get<{ kasReplica: string }[]>(
        `/api/v1/agents/${agentId}/connections`,
      );
      return body[0]?.kasReplica ?? null;
    };
    const ownerReplica = await until('the pod recorded', () => replicaOfPod(owner));

    owner.proc.child.kill('SIGKILL');
    const killedAt = Date.now();
    // Requests through the standby's proxy from the kill on, until ten have started after the takeover.
    const loop = (async () => {
      while (!stopLoop && afterTakeover().length < 10) {
        const startedAt = Date.now();
        const r = await kubectlRun(
          cluster.kubectlPath,
          ['--context', kubeconfig.context, 'get', 'ns', 'default', '-o', 'name', '--request-timeout=10s'],
          { kubeconfig: kubeconfig.path },
        );
        results.push({
          startedAt,
          endedAt: Date.now(),
          ok: r.code === 0 && r.stdout === 'namespace/default\n',
          stderr: r.stderr,
        });
      }
    })();
    try {
      await owner.proc.exited;
      await until(
        () => `kas ${standby.name} to take over (${seen}; last request: ${JSON.stringify(results.at(-1))})`,
        async () => {
          seen = '';
          return (await stateOn(standby)) === 'connected';
        },
        60_000,
      );
      takeoverAt = Date.now();
      await until('ten requests after the takeover', () => afterTakeover().length >= 10, 60_000);
    } finally {
      stopLoop = true;
      await loop;
    }
    const firstOk = results.find((r) => r.ok);
    const before = results.filter((r) => r.startedAt < takeoverAt!);
    console.log(
      `[receptive-takeover] kas ${owner.name} killed; kas ${standby.name} connected after ${takeoverAt! - killedAt} ms ` +
        `(lease 2 s); first request through its proxy answered after ${firstOk ? firstOk.endedAt - killedAt : '-'} ms; ` +
        `before the takeover ${before.filter((r) => !r.ok).length} of ${before.length} requests failed`,
    );
    // The configuration stream reconnects at once and the new owner records the pod with it, so the record names
    // the new owner without waiting for the 5-minute Register heartbeat.
    const newReplica = await until('the pod registered with the new owner', async () => {
      const replica = await replicaOfPod(standby);
      return replica !== ownerReplica && replica;
    });
    console.log(`[receptive-takeover] the pod's record moved from ${ownerReplica} to ${newReplica}`);
    const failed = afterTakeover().filter((r) => !r.ok);
    expect(failed.map((r) => r.stderr)).toEqual([]);
    expect(afterTakeover().length).toBeGreaterThanOrEqual(10);
  });
});
