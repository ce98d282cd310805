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
import type { ActivityEvent, ActivityFeedEvent, AgentLiveState, AgentRegistryEvent } from './live-router';

type Client = ReturnType<typeof createTRPCClient<AppRouter>>;

/** tRPC's own client over real SSE, authenticated with a personal access token. */
function clientFor(url: string, pat: string): Client {
  const authorization = `Bearer ${pat}`;
  return createTRPCClient<AppRouter>({
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
}

/** live.onActivity for one agent: rows (a reset's rows included) in `rows`, the stream's error in `errors`. */
function watchActivity(client: Client, agentId: number) {
  const rows = collector<ActivityEvent>();
  const errors = collector<{ message: string; status?: number }>();
  const resets = collector<ActivityEvent[]>();
  const sub = client.live.onActivity.subscribe(
    { agentId },
    {
      onData: (e) => {
        const event = e.data as ActivityFeedEvent;
        if ('reset' in event) {
          resets.push(event.rows);
          for (const row of [...event.rows].reverse()) rows.push(row);
        } else rows.push(event);
      },
      onError: (err) => errors.push({ message: err.message, status: err.data?.httpStatus }),
    },
  );
  return { rows, errors, resets, stop: () => sub.unsubscribe() };
}

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
    /** The first value from `from` on that matches, as soon as it is pushed; fails after `timeoutMs` without one. */
    async next(what: string, match: (value: T) => boolean, from = 0, timeoutMs = 20_000): Promise<T> {
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        for (const wake of [...waiters]) wake();
      }, timeoutMs);
      try {
        for (;;) {
          const found = seen.slice(from).find(match);
          if (found) return found;
          if (timedOut)
            throw new Error(`timed out waiting for ${what}; saw ${JSON.stringify(seen.slice(from))}`);
          await new Promise<void>((resolve) => {
            const wake = () => {
              waiters.delete(wake);
              resolve();
            };
            waiters.add(wake);
          });
        }
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

describe('live.onAgents over SSE with a real agentk', () => {
  let tk: TestKas;
  let agentId: number;
  let agentToken: string;
  let projectId: number;
  let groupId: number;
  let client: Client;
  const stops: (() => unknown)[] = [];
  const url = () => `${tk.apiUrl}/trpc`;

  beforeAll(async () => {
    tk = await startTestKas('pglite', { modules: defaultModules() });
    const services = tk.kas.services;
    const admin = await services.users.getByUsername(tk.adminUsername);
    const actor = actorFor(admin!);
    const group = await services.groups.create(actor, { name: 'Platform', path: 'platform' });
    const project = await services.projects.create(actor, { groupId: group.id, name: 'Prod', path: 'prod' });
    projectId = project.id;
    groupId = group.id;
    agentId = (await services.agents.register(actor, { projectId: project.id, name: 'live-cluster' })).id;
    agentToken = (await services.agentTokens.create(actor, agentId, { name: 'live' })).token;
    const pat = (await services.personalAccessTokens.create(actor, { name: 'live', scopes: ['read_api'] }))
      .token;
    client = clientFor(url(), pat);
  });

  afterAll(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
    await tk?.dispose();
  });

  it('shows the pod and its streams when agentk connects, and the reason when it stops', async () => {
    const states = collector<AgentLiveState>();
    const watched = watchActivity(client, agentId);
    const activity = watched.rows;
    const errors: unknown[] = [];
    const agentsSub = client.live.onAgents.subscribe(
      { agentId },
      {
        onData: (e) => ('registry' in e.data ? undefined : states.push(e.data)),
        onError: (err) => errors.push(err),
      },
    );
    stops.push(
      () => agentsSub.unsubscribe(),
      () => watched.stop(),
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

    // The query agrees with the subscription, and serves the samples of active streams since kas started.
    const [now] = await client.live.agents.query({});
    expect(now).toMatchObject({ agentId, connections: [{ podName: 'agentk-live-0' }] });
    expect(now!.samples.intervalMs).toBe(60_000);
    expect(now!.samples.values.length).toBeGreaterThanOrEqual(1);
    expect(now!.samples.values.length).toBeLessThanOrEqual(60);
    expect(Date.parse(now!.samples.from)).toBeGreaterThanOrEqual(
      Date.parse(now!.samples.kasStartedAt) - 60_000,
    );

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
    expect(watched.errors.seen).toEqual([]);
    // At most one update per agent per second is LiveFeed's rule, asserted with a fake clock in live-feed.test.ts.
  });

  it('shows token_created and receptive endpoint changes in live activity as they are committed', async () => {
    const admin = actorFor((await tk.kas.services.users.getByUsername(tk.adminUsername))!);
    const watched = watchActivity(client, agentId);
    stops.push(() => watched.stop());
    await watched.resets.next('the opening reset', () => true);
    const from = watched.rows.seen.length;
    const { info } = await tk.kas.services.agentTokens.create(admin, agentId, { name: 'second' });
    await watched.rows.next(
      'token_created',
      (a) => a.kind === 'token_created' && a.details.tokenId === info.id,
      from,
    );
    await tk.kas.services.receptiveEndpoints.save(admin, agentId, {
      url: 'grpc://127.0.0.1:8082',
      auth: { type: 'jwt' },
    });
    await watched.rows.next(
      'receptive_endpoint_changed (saved)',
      (a) => a.kind === 'receptive_endpoint_changed',
      from,
    );
    await tk.kas.services.receptiveEndpoints.delete(admin, agentId);
    await watched.rows.next(
      'receptive_endpoint_changed (removed)',
      (a) => a.kind === 'receptive_endpoint_changed' && a.details.removed === true,
      from,
    );
    await tk.kas.services.agentTokens.revoke(admin, info.id);
    expect(watched.errors.seen).toEqual([]);
  });

  it('ends the open activity stream of a member removed from the project, and of a revoked token', async () => {
    const services = tk.kas.services;
    const admin = actorFor((await services.users.getByUsername(tk.adminUsername))!);
    const member = async (username: string) => {
      const user = await services.users.create(admin, { username, password: 'password-of-a-developer' });
      await services.memberships.set(
        admin,
        { type: 'project', id: projectId },
        { userId: user.id, role: 'developer' },
      );
      const { token, info } = await services.personalAccessTokens.create(actorFor(user), {
        name: 'live',
        scopes: ['read_api'],
      });
      return { user, pat: token, patId: info.id, watched: watchActivity(clientFor(url(), token), agentId) };
    };

    const removed = await member('dev-removed');
    const revoked = await member('dev-revoked');
    for (const m of [removed, revoked]) {
      stops.push(() => m.watched.stop());
      await m.watched.resets.next('the opening reset', () => true);
    }
    const { info } = await services.agentTokens.create(admin, agentId, { name: 'third' });
    for (const m of [removed, revoked])
      await m.watched.rows.next('token_created while a member', (a) => a.details.tokenId === info.id);

    await services.memberships.remove(admin, { type: 'project', id: projectId }, removed.user.id);
    const gone = await removed.watched.errors.next('the stream to end', () => true);
    expect(gone.status).toBe(404);
    expect(gone.message).toMatch(/no longer see it/);

    await services.personalAccessTokens.revoke(actorFor(revoked.user), revoked.patId);
    const ended = await revoked.watched.errors.next('the stream to end', () => true);
    expect(ended.status).toBe(401);
    expect(ended.message).toMatch(/revoked/);
    await services.agentTokens.revoke(admin, info.id);
  });

  it('announces registered and deleted agents on live.onAgents, to the viewers who may see them', async () => {
    const services = tk.kas.services;
    const admin = actorFor((await services.users.getByUsername(tk.adminUsername))!);
    /** A user with a read_api token, Developer on `onProject` when given. */
    const viewer = async (username: string, onProject?: number) => {
      const user = await services.users.create(admin, { username, password: 'password-of-a-developer' });
      if (onProject)
        await services.memberships.set(
          admin,
          { type: 'project', id: onProject },
          { userId: user.id, role: 'developer' },
        );
      const { token } = await services.personalAccessTokens.create(actorFor(user), {
        name: 'live',
        scopes: ['read_api'],
      });
      const events = collector<AgentRegistryEvent>();
      const sub = clientFor(url(), token).live.onAgents.subscribe(
        {},
        { onData: (e) => ('registry' in e.data ? events.push(e.data) : undefined) },
      );
      stops.push(() => sub.unsubscribe());
      // Open once the snapshot's resync marker arrived.
      await events.next(`${username}'s snapshot`, (e) => e.registry === 'resync');
      return events;
    };
    const other = await services.projects.create(admin, {
      groupId,
      name: 'Elsewhere',
      path: 'elsewhere',
    });
    const member = await viewer('dev-registry', projectId);
    const outsider = await viewer('dev-outsider', other.id);

    const added = await services.agents.register(admin, { projectId, name: 'added-live' });
    const created = await member.next(
      'the created event',
      (e) => e.registry === 'created' && e.agent.id === added.id,
    );
    expect(created).toEqual({
      registry: 'created',
      agent: expect.objectContaining({ id: added.id, name: 'added-live', projectPath: 'platform/prod' }),
    });
    // The other project's viewer hears of an agent there, not of this one.
    const there = await services.agents.register(admin, { projectId: other.id, name: 'there' });
    await outsider.next(
      'the created event there',
      (e) => e.registry === 'created' && e.agent.id === there.id,
    );

    await services.agents.delete(admin, added.id);
    await member.next('the deleted event', (e) => e.registry === 'deleted' && e.agentId === added.id);
    await services.agents.delete(admin, there.id);
    await outsider.next('the deleted event there', (e) => e.registry === 'deleted' && e.agentId === there.id);
    const heard = (events: typeof member, id: number) =>
      events.seen.some(
        (e) => (e.registry === 'created' ? e.agent.id : e.registry === 'deleted' ? e.agentId : 0) === id,
      );
    expect(heard(outsider, added.id)).toBe(false);
    expect(heard(member, there.id)).toBe(false);
    await services.projects.delete(admin, other.id);
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
