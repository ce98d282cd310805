// The console's live data end to end: a real kas (default modules), a real agentk against the run's local cluster,
// and live.onAgents / live.onActivity consumed over real HTTP server-sent events with tRPC's own client.
import fs from 'node:fs';
import { loadKubeConfig, startAgentk, type Agentk } from '@mooring/agentk';
import { kubeCluster } from '@mooring/kube-dev/testing';
import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink } from '@trpc/client';
import { EventSource } from 'eventsource';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultModules } from '../modules';
import { actorFor } from '../services/index';
import { startTestKas, type TestKas } from '../testing/test-kas';
import type { AppRouter } from '../trpc/router';
import type { ActivityEvent, AgentLiveState } from './live-router';

/** Collects what a subscription yields and waits for the first value matching a predicate. */
function collector<T>() {
  const seen: T[] = [];
  const waiters = new Set<() => void>();
  return {
    seen,
    push(value: T) {
      seen.push(value);
      for (const wake of [...waiters]) wake();
    },
    async next(what: string, match: (value: T) => boolean, from = 0, timeoutMs = 20_000): Promise<T> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = seen.slice(from).find(match);
        if (found) return found;
        if (Date.now() > deadline)
          throw new Error(`timed out waiting for ${what}; saw ${JSON.stringify(seen.slice(from))}`);
        await new Promise<void>((resolve) => {
          const wake = () => {
            waiters.delete(wake);
            resolve();
          };
          waiters.add(wake);
          setTimeout(wake, 250).unref();
        });
      }
    },
  };
}

describe('live.onAgents over SSE with a real agentk', () => {
  let tk: TestKas;
  let agentId: number;
  let agentToken: string;
  let client: ReturnType<typeof createTRPCClient<AppRouter>>;
  const stops: (() => unknown)[] = [];

  beforeAll(async () => {
    tk = await startTestKas('pglite', { modules: defaultModules() });
    const services = tk.kas.services;
    const admin = await services.users.getByUsername(tk.adminUsername);
    const actor = actorFor(admin!);
    const group = await services.groups.create(actor, { name: 'Platform', path: 'platform' });
    const project = await services.projects.create(actor, { groupId: group.id, name: 'Prod', path: 'prod' });
    agentId = (await services.agents.register(actor, { projectId: project.id, name: 'live-cluster' })).id;
    agentToken = (await services.agentTokens.create(actor, agentId, { name: 'live' })).token;
    const pat = (await services.personalAccessTokens.create(actor, { name: 'live', scopes: ['read_api'] }))
      .token;
    const authorization = `Bearer ${pat}`;
    const url = `${tk.apiUrl}/trpc`;
    client = createTRPCClient<AppRouter>({
      links: [
        splitLink({
          condition: (op) => op.type === 'subscription',
          true: httpSubscriptionLink({
            url,
            // Node 20 has no global EventSource; the `eventsource` package is the WHATWG one, and lets us add auth.
            EventSource,
            eventSourceOptions: () => ({
              fetch: (input, init) => fetch(input, { ...init, headers: { ...init?.headers, authorization } }),
            }),
          }),
          false: httpBatchLink({ url, headers: { authorization } }),
        }),
      ],
    });
  });

  afterAll(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
    await tk?.dispose();
  });

  it('shows the pod and its streams when agentk connects, and the reason when it stops', async () => {
    const states = collector<AgentLiveState>();
    const activity = collector<ActivityEvent>();
    const errors: unknown[] = [];
    const arrivals: number[] = [];
    const agentsSub = client.live.onAgents.subscribe(
      { agentId },
      {
        onData: (e) => {
          arrivals.push(Date.now());
          states.push(e.data);
        },
        onError: (err) => errors.push(err),
      },
    );
    const activitySub = client.live.onActivity.subscribe(
      { agentId },
      { onData: (e) => activity.push(e.data), onError: (err) => errors.push(err) },
    );
    stops.push(
      () => agentsSub.unsubscribe(),
      () => activitySub.unsubscribe(),
    );

    // The snapshot: never connected.
    const first = await states.next('the snapshot', (s) => s.agentId === agentId);
    expect(first).toMatchObject({ connections: [], lastSeenAt: null, disconnectReason: null });

    const cluster = kubeCluster();
    const agentk: Agentk = await startAgentk({
      kasAddress: tk.kas.urls.agent!,
      token: agentToken,
      caCertPem: fs.readFileSync(tk.kas.urls.agentCaFile!),
      kubeConfig: loadKubeConfig(cluster.agentKubeconfigPath),
      podName: 'agentk-live-0',
      podNamespace: cluster.agentNamespace,
      logger: pino({ level: 'silent' }),
    });
    let stopped = false;
    stops.push(() => (stopped ? undefined : agentk.stop(2_000)));
    await agentk.registered;

    const connected = await states.next(
      'one connected pod with idle tunnels and its Kubernetes version',
      (s) =>
        s.connections.length === 1 &&
        s.connections[0]!.streams.idle > 0 &&
        s.connections[0]!.kubernetesVersion !== null,
    );
    const pod = connected.connections[0]!;
    expect(pod).toMatchObject({
      podName: 'agentk-live-0',
      podNamespace: cluster.agentNamespace,
      kubernetesVersion: cluster.version,
    });
    expect(pod.streams.limit).toBeGreaterThan(0);
    expect(pod.streams.idle + pod.streams.active).toBeLessThanOrEqual(pod.streams.limit);
    expect(connected.disconnectReason).toBeNull();

    // The query agrees with the subscription.
    const [now] = await client.live.agents.query({});
    expect(now).toMatchObject({ agentId, connections: [{ podName: 'agentk-live-0' }] });

    const connectedRow = await activity.next(
      'the agent_connected activity row',
      (a) => a.kind === 'agent_connected',
    );
    expect(connectedRow).toMatchObject({
      agentId,
      details: { pod: `${cluster.agentNamespace}/agentk-live-0` },
    });

    const before = states.seen.length;
    await agentk.stop(2_000);
    stopped = true;
    const gone = await states.next(
      'no connections and a reason',
      (s) => s.connections.length === 0 && s.disconnectReason !== null,
      before,
    );
    expect(gone.disconnectReason).toMatch(/\S/);
    expect(gone.lastSeenAt).not.toBeNull();
    await activity.next('the agent_disconnected activity row', (a) => a.kind === 'agent_disconnected');
    expect(errors).toEqual([]);
    // After the snapshot, at most one update per agent per second (a little slack for delivery jitter).
    const gaps = arrivals.slice(2).map((at, i) => at - arrivals[i + 1]!);
    expect(gaps.length).toBeGreaterThan(0);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(900);
  });

  it('answers kubeconfig.forAgent with the proxy URL and its CA embedded', async () => {
    const { filename, yaml } = await client.kubeconfig.forAgent.query({ agentId });
    expect(filename).toBe(`mooring-agent-${agentId}.kubeconfig`);
    const ca = fs.readFileSync(`${tk.dataDir}/tls/agent-api/ca.crt`, 'utf8');
    expect(yaml).toContain(`server: ${tk.kas.urls.proxy}`);
    expect(yaml).toContain(`certificate-authority-data: ${Buffer.from(ca).toString('base64')}`);
    // The PAT this request came with is the credential kubectl will send.
    expect(yaml).toMatch(new RegExp(`token: pat:${agentId}:mpat-`));
  });
});

describe('live procedures on a kas without the agent listener', () => {
  it('answer 503 naming the missing modules, not an internal error', async () => {
    const tk = await startTestKas('pglite');
    try {
      const admin = await tk.kas.services.users.getByUsername(tk.adminUsername);
      const pat = (
        await tk.kas.services.personalAccessTokens.create(actorFor(admin!), {
          name: 'x',
          scopes: ['read_api'],
        })
      ).token;
      const res = await fetch(`${tk.apiUrl}/trpc/live.agents?input=${encodeURIComponent('{}')}`, {
        headers: { authorization: `Bearer ${pat}` },
      });
      expect(res.status).toBe(503);
      const body = (await res.json()) as { error: { message: string } };
      expect(body.error.message).toMatch(/agent listener.*start kas with its default modules/);
    } finally {
      await tk.dispose();
    }
  });
});
