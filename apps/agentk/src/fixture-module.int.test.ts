// Adding a capability is one folder plus one line in each app's module list. The echo_fixture module
// (packages/modules/echo_fixture: shared/echo-api.ts, server/index.ts, agent/index.ts) joins a real kas and agentk
// through their factory lists only (kas: defaultModules({ extra }), agentk: extraModules), and both directions
// work: agentk calls the module's own service on kas's shared agent server, kas calls the module's handler on
// agentk through the reverse tunnel, and agentk fans the agent configuration out to it.
import { createEchoFixtureAgentModule } from '@mooring/modules/echo_fixture/agent/index';
import {
  createEchoFixtureKasModule,
  ECHO_FIXTURE,
  type EchoFixture,
} from '@mooring/modules/echo_fixture/server/index';
import { until } from '@mooring/modules/shared/testing/until';
import { defaultModules, type RunningKas, startKas } from '@mooring/kas';
import { loopbackTestConfig } from '@mooring/kas/testing/loopback-config';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Agentk, startAgentk } from './agentk';
import { quietLogger } from './testing/test-support';

let kas: RunningKas;
let dataDir: string;
let agentk: Agentk | null = null;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'mooring-fixture-module-'));
  const config = loopbackTestConfig(dataDir, { MOORING_ADMIN_PASSWORD: 'admin-password-for-tests' });
  kas = await startKas(config, {
    modules: defaultModules({ extra: [({ dialer }) => createEchoFixtureKasModule({ dialer })] }),
    logger: quietLogger,
  });
});
afterAll(async () => {
  await agentk?.stop(2_000);
  await kas?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('a fixture module added through the factory lists', () => {
  it('round-trips kas → tunnel → agentk, agentk → kas, and receives the configuration', async () => {
    const admin = await kas.services.users.getByUsername('admin');
    const actor = { userId: admin!.id, username: admin!.username, isAdmin: true, address: '127.0.0.1' };
    const group = await kas.services.groups.create(actor, { name: 'Fixture', path: 'fixture' });
    const project = await kas.services.projects.create(actor, {
      groupId: group.id,
      name: 'App',
      path: 'app',
    });
    const agent = await kas.services.agents.register(actor, {
      projectId: project.id,
      name: 'fixture-cluster',
    });
    const { token } = await kas.services.agentTokens.create(actor, agent.id, { name: 'agentk' });
    await kas.services.agentConfigs.save(actor, agent.id, 'observability:\n  logging:\n    level: info\n');

    const echo = createEchoFixtureAgentModule();
    agentk = await startAgentk({
      kasAddress: kas.urls.agent!,
      token,
      caCertPem: readFileSync(kas.urls.agentCaFile!),
      kubeConfig: null,
      podName: 'agentk-fixture',
      podNamespace: 'mooring-system',
      logger: quietLogger.child({}),
      pool: { backoffInitialMs: 100, backoffMaxMs: 300 },
      extraModules: [echo],
    });

    // agentk → kas: the module's own service on the shared agent server, authenticated by the agent token.
    expect(await echo.hello()).toEqual({ agentId: agent.id });
    const fixture = kas.provided.get(ECHO_FIXTURE) as EchoFixture;
    expect(fixture.hellos).toEqual([
      { agentId: agent.id, podName: 'agentk-fixture', greeting: 'hello from agentk' },
    ]);

    // kas → tunnel → agentk: the module's tunnel handler, which the tunnel knows nothing about.
    expect(await fixture.shout(agent.id, 'ping through the tunnel')).toEqual({
      text: 'PING THROUGH THE TUNNEL',
      pod: 'agentk-fixture',
    });

    // The configuration kas pushes reaches the module too.
    await until('configuration fanned out', () => echo.configVersions.includes('1'));
    await kas.services.agentConfigs.save(actor, agent.id, 'observability:\n  logging:\n    level: debug\n');
    await until('second configuration fanned out', () => echo.configVersions.includes('2'));
  });
});
