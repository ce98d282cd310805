// The agent listener as a module of a real kas (PGlite database, real services): agent tokens from the database,
// connection records and activity, config pushed on save, revocation through the token service.
import { createAgentConfigurationKasModule } from '@mooring/modules/agent_configuration/server/index';
import { createAgentRegistrarKasModule } from '@mooring/modules/agent_registrar/server/index';
import { createReverseTunnelKasModule } from '@mooring/modules/reverse_tunnel/server/index';
import { until } from '@mooring/modules/shared/testing/until';
import { type RunningKas, startKas } from '@mooring/kas';
import { loopbackTestConfig } from '@mooring/kas/testing/loopback-config';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Agentk, startAgentk } from './agentk';
import { agentKubeConfig, quietLogger, UPPER, upperHandler } from './testing/test-support';

let kas: RunningKas;
let dataDir: string;
// The agent-facing modules as kas's defaultModules() wires them, with short timeouts.
const reverseTunnel = createReverseTunnelKasModule({ routingTimeoutMs: 3_000 });
const agentRegistrar = createAgentRegistrarKasModule({
  podTunnels: () => reverseTunnel.tunnels().onPodTunnelsChanged,
  disconnectAfterMs: 300,
});
const agentConfiguration = createAgentConfigurationKasModule({
  pods: () => agentRegistrar.connectedAgents(),
});
const agents: Agentk[] = [];

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'mooring-kas-agent-api-'));
  const config = loopbackTestConfig(dataDir, {
    MOORING_ADMIN_PASSWORD: 'admin-password-for-tests',
  });
  kas = await startKas(config, {
    modules: [reverseTunnel, agentRegistrar, agentConfiguration],
    logger: quietLogger,
  });
});
afterAll(async () => {
  await Promise.all(agents.map((a) => a.stop(2_000)));
  await kas?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function adminActor() {
  const admin = await kas.services.users.getByUsername('admin');
  return { userId: admin!.id, username: admin!.username, isAdmin: true, address: '127.0.0.1' };
}

describe('agent listener as a kas module (real database)', () => {
  it('authenticates with a database token, records the pod, pushes saved configs, and cuts off a revoked token', async () => {
    const actor = await adminActor();
    const group = await kas.services.groups.create(actor, { name: 'Tunnel', path: 'tunnel' });
    const project = await kas.services.projects.create(actor, {
      groupId: group.id,
      name: 'Prod',
      path: 'prod',
    });
    const agent = await kas.services.agents.register(actor, { projectId: project.id, name: 'prod-cluster' });
    const { token, info } = await kas.services.agentTokens.create(actor, agent.id, { name: 'agentk' });

    expect(kas.urls.agent).toMatch(/^grpcs:\/\//);
    const agentk = await startAgentk({
      kasAddress: kas.urls.agent!,
      token,
      caCertPem: readFileSync(kas.urls.agentCaFile!),
      kubeConfig: agentKubeConfig(),
      podName: 'agentk-db',
      podNamespace: 'mooring-system',
      logger: quietLogger.child({}),
      tunnelHandlers: { [UPPER]: upperHandler('agentk-db') },
      pool: { backoffInitialMs: 100, backoffMaxMs: 300 },
    });
    agents.push(agentk);
    await agentk.registered;

    const [connection] = await kas.services.agentConnections.listInternal(agent.id);
    expect(connection).toMatchObject({
      podName: 'agentk-db',
      podNamespace: 'mooring-system',
      kubernetesVersion: inject('kubeCluster').version,
    });
    const activity = await kas.services.agentActivity.list(actor, agent.id);
    expect(activity.map((a) => a.kind)).toContain('agent_connected');

    const call = await reverseTunnel
      .dialer()
      .openCall(agent.id, UPPER, { signal: AbortSignal.timeout(5_000) });
    call.sendMessage(Buffer.from('through kas'));
    call.closeSend();
    const out: string[] = [];
    for await (const m of call.messages) out.push(Buffer.from(m).toString());
    expect(out).toEqual(['THROUGH KAS']);

    await kas.services.agentConfigs.save(actor, agent.id, 'observability:\n  logging:\n    level: debug\n');
    await until('config pushed', () => agentk.logger.level === 'debug', 3_000);
    await until(
      'config version recorded',
      async () => (await kas.services.agentConnections.listInternal(agent.id))[0]?.configVersion === 1,
      3_000,
    );
    expect(agentRegistrar.connectedAgents().list(agent.id)[0]?.configVersion).toBe('1');

    const metrics = await kas.metrics.metrics();
    expect(metrics).toMatch(/mooring_kas_agent_auth_total\{result="ok",cache="(hit|miss)"\} \d+/);
    expect(metrics).toMatch(/mooring_kas_tunnels\{state="idle"\} [1-9]/);

    await kas.services.agentTokens.revoke(actor, info.id, agent.id);
    await until('streams closed', () => reverseTunnel.dialer().streamCounts(agent.id).idle === 0, 3_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(reverseTunnel.dialer().streamCounts(agent.id)).toMatchObject({ idle: 0, active: 0 });
    await until(
      'disconnect recorded',
      async () =>
        (await kas.services.agentActivity.list(actor, agent.id)).some((a) => a.kind === 'agent_disconnected'),
      5_000,
    );
  });
});
