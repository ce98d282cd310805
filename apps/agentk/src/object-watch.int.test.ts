// object_watch through the real tunnel: a real kas, a real agentk with its default modules on the shared local
// cluster, and ObjectWatch.Watch called from kas's side as the hub will: the configured resource answers a status,
// a snapshot and then the deltas of a Deployment created in a fresh namespace; a resource the configuration does
// not list answers not_watched; Secrets are refused.
import { KubeConfig } from '@kubernetes/client-node';
import { defaultModules, type RunningKas, startKas } from '@mooring/kas';
import { loopbackTestConfig } from '@mooring/kas/testing/loopback-config';
import { kubeCluster, kubectl, useFreshNamespace } from '@mooring/kube-dev/testing';
import {
  decodeWatchMessage,
  encodeWatchMessage,
  OBJECT_WATCH_WATCH,
  watchMessageSchema,
  type WatchMessage,
  type WatchRequest,
} from '@mooring/modules/object_watch/shared/watch-api';
import type { AgentDialer } from '@mooring/modules/reverse_tunnel/shared/tunnel-api';
import { GrpcStatus } from '@mooring/modules/shared/grpc-status';
import { until } from '@mooring/modules/shared/testing/until';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Agentk, startAgentk } from './agentk';
import { quietLogger } from './testing/test-support';

const ns = useFreshNamespace();
let kas: RunningKas;
let dataDir: string;
let agentk: Agentk | null = null;
let dialer: AgentDialer | null = null;
let agentId = 0;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'mooring-object-watch-'));
  const config = loopbackTestConfig(dataDir, { MOORING_ADMIN_PASSWORD: 'admin-password-for-tests' });
  kas = await startKas(config, {
    modules: defaultModules({
      extra: [
        (deps) => ({
          name: 'object_watch_test_caller',
          async start() {
            dialer = deps.dialer();
          },
          async stop() {},
        }),
      ],
    }),
    logger: quietLogger,
  });
  const admin = await kas.services.users.getByUsername('admin');
  const actor = { userId: admin!.id, username: admin!.username, isAdmin: true, address: '127.0.0.1' };
  const group = await kas.services.groups.create(actor, { name: 'Watch', path: 'watch' });
  const project = await kas.services.projects.create(actor, { groupId: group.id, name: 'App', path: 'app' });
  const agent = await kas.services.agents.register(actor, { projectId: project.id, name: 'watched-cluster' });
  agentId = agent.id;
  const { token } = await kas.services.agentTokens.create(actor, agent.id, { name: 'agentk' });
  await kas.services.agentConfigs.save(
    actor,
    agent.id,
    'object_watch:\n  resources: [apps/v1/deployments]\n',
  );
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(kubeCluster().agentKubeconfigPath);
  agentk = await startAgentk({
    kasAddress: kas.urls.agent!,
    token,
    caCertPem: readFileSync(kas.urls.agentCaFile!),
    kubeConfig,
    podName: 'agentk-object-watch',
    podNamespace: 'mooring-system',
    logger: quietLogger.child({}),
    pool: { backoffInitialMs: 100, backoffMaxMs: 300 },
  });
  await until('a tunnel serving ObjectWatch.Watch', () => dialer && dialer.streamCounts(agentId).idle > 0);
});

afterAll(async () => {
  await agentk?.stop(2_000);
  await kas?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function watch(request: WatchRequest) {
  const call = await dialer!.openCall(agentId, OBJECT_WATCH_WATCH, { signal: AbortSignal.timeout(60_000) });
  call.sendMessage(encodeWatchMessage(request));
  const messages = call.messages[Symbol.asyncIterator]();
  return {
    call,
    async next(): Promise<WatchMessage> {
      const r = await messages.next();
      if (r.done) throw new Error('the watch ended');
      return decodeWatchMessage(watchMessageSchema, r.value);
    },
  };
}

describe('ObjectWatch.Watch through the tunnel', () => {
  it('streams a snapshot, then the deltas of a Deployment in the namespace', async () => {
    const w = await watch({ resource: 'deployments', namespace: ns.name });
    // The informer may still be listing: status and snapshot come once it has.
    expect(await w.next()).toEqual({
      type: 'status',
      state: 'ok',
      message: '',
      kind: 'Deployment',
      namespaced: true,
    });
    expect(await w.next()).toMatchObject({ type: 'snapshot', rows: [], last: true });
    const created = await kubectl([
      '-n',
      ns.name,
      'create',
      'deployment',
      'api',
      '--image=registry.example/api:1',
    ]);
    expect(created.code, created.stderr).toBe(0);
    const added = await w.next();
    expect(added).toMatchObject({
      type: 'deltas',
      deltas: [{ type: 'added', row: { name: 'api', namespace: ns.name, labels: { app: 'api' } } }],
    });
    const version = (added as { version: string }).version;
    w.call.cancel('done');

    // Resumed from the version it got: no snapshot, the changes since.
    await kubectl(['-n', ns.name, 'scale', 'deployment', 'api', '--replicas=2']);
    const again = await watch({ resource: 'apps/v1/deployments', namespace: ns.name, sinceVersion: version });
    expect(await again.next()).toMatchObject({ type: 'status', state: 'ok' });
    expect(await again.next()).toEqual({ type: 'resumed', version });
    let scaled: WatchMessage;
    do scaled = await again.next();
    while (!(scaled.type === 'deltas' && scaled.deltas.some((d) => d.row.columns['desired'] === 2)));
    again.call.cancel('done');
  });

  it('answers not_watched for a resource the configuration does not list, and refuses Secrets', async () => {
    const w = await watch({ resource: 'services' });
    expect(await w.next()).toEqual({
      type: 'status',
      state: 'not_watched',
      message:
        "services is not watched by this agent; add it to object_watch.resources in the agent's configuration",
    });
    w.call.cancel('done');

    const secrets = await watch({ resource: 'secrets' });
    const error = await secrets.call.trailer.catch(
      (e: { status: { code: number; message: string } }) => e.status,
    );
    expect(error).toEqual({
      code: GrpcStatus.INVALID_ARGUMENT,
      message: 'resource: secrets are never watched: their data never leaves the cluster this way',
    });
  });
});
