// Integration-test world for the proxy: the real local cluster, a real PGlite database with kas's real services
// (users, PATs, CI job tokens, agents, agent tokens, live configs, agent access), kas's real agent listener
// (gRPC + TLS), two real agentk processes for one agent, and the proxy — every hop over real sockets.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type OpenedDatabase } from '@mooring/db';
import type { KubeClusterInfo } from '@mooring/kube-dev';
import pino from 'pino';
import { Registry } from 'prom-client';
import { createServices, type Services } from '../../../../../apps/kas/src/services/index';
import { actorFor } from '../../../../../apps/kas/src/services/users';
import type { Actor } from '../../../../../apps/kas/src/services/actor';
import {
  startAgentApiServer,
  type AgentApiServer,
} from '../../../reverse_tunnel/server/testing/agent-api-server';
import { buildProxyKubeconfig } from '../../shared/kubeconfig';
import { startKubernetesApiProxy, type KubernetesApiProxy } from '../proxy-server';
import { servicesAuthenticator } from '../services-authenticator';
import { until } from '../../../shared/testing/until';
import { spawnAgentk, type AgentkProcess } from './agentk-process';

export type { AgentkProcess } from './agentk-process';

export const AGENT_SA = 'system:serviceaccount:mooring-system:mooring-agent';
export const AGENT_SA_GROUPS = ['system:serviceaccounts', 'system:serviceaccounts:mooring-system'];

export interface ProxyWorld {
  cluster: KubeClusterInfo;
  services: Services;
  admin: Actor;
  alice: Actor;
  projectId: number;
  projectPath: string;
  agentId: number;
  /** An agent with no agentk at all (503 tests). */
  idleAgentId: number;
  agentServer: AgentApiServer;
  proxy: KubernetesApiProxy;
  metrics: Registry;
  agentks: AgentkProcess[];
  alicePat: { token: string; id: number };
  dir: string;
  /** A kubeconfig through the proxy for `token` (`pat` or `ci`). */
  kubeconfig(token: string, kind?: 'pat' | 'ci', agentId?: number): string;
  setConfig(yaml: string): Promise<void>;
  /** A real agentk for `agentId` (default: the world's agent, its token, the cluster's agent kubeconfig). */
  startAgentk(podName: string, options?: StartAgentkOptions): Promise<AgentkProcess>;
  dispose(): Promise<void>;
}

export interface StartAgentkOptions {
  agentId?: number;
  token?: string;
  kubeconfig?: string;
}

export interface ProxyWorldOptions {
  /** The agent listener's connection lifetime (default: the listener's own, 2 h). */
  maxConnectionAge?: { ageMs?: number; graceMs?: number };
  /** The proxy's periodic credential re-check (default 500 ms). */
  credentialRecheckMs?: number;
  execSessionsPerUser?: number;
}

export async function startProxyWorld(
  cluster: KubeClusterInfo,
  options: ProxyWorldOptions = {},
): Promise<ProxyWorld> {
  const dir = mkdtempSync(join(tmpdir(), 'mooring-proxy-world-'));
  const database: OpenedDatabase = await openDatabase({ dataDir: join(dir, 'db') });
  const services = createServices({
    db: database.db,
    secret: randomBytes(32).toString('base64'),
    // Revocation must reach the proxy within 2 s.
    cacheTtls: { positiveSeconds: 2, negativeSeconds: 1, lastUsedFlushSeconds: 0 },
  });
  await services.users.ensureInitialAdmin({ password: 'admin-password-for-tests' });
  const adminUser = (await services.users.getByUsername('admin'))!;
  const admin = actorFor(adminUser, { address: '127.0.0.1' });
  const aliceUser = await services.users.create(admin, { username: 'alice', password: 'alice-password-1' });
  const alice = actorFor(aliceUser, { address: '127.0.0.1' });
  const group = await services.groups.create(admin, { name: 'Platform', path: 'platform' });
  const project = await services.projects.create(admin, { groupId: group.id, name: 'Infra', path: 'infra' });
  await services.memberships.set(
    admin,
    { type: 'project', id: project.id },
    { userId: aliceUser.id, role: 'developer' },
  );
  const agent = await services.agents.register(admin, { projectId: project.id, name: 'dev-cluster' });
  const idleAgent = await services.agents.register(admin, { projectId: project.id, name: 'idle-cluster' });
  const { token: agentToken } = await services.agentTokens.create(admin, agent.id, { name: 'battery' });
  const { token: patToken, info: patInfo } = await services.personalAccessTokens.create(alice, {
    name: 'kubectl',
    scopes: ['k8s_proxy'],
  });

  const metrics = new Registry();
  const logger = pino({ level: process.env.MOORING_TEST_LOG ?? 'silent' });
  const agentServer = await startAgentApiServer({
    port: 0,
    tls: { mode: 'self-signed', dir: join(dir, 'agent-tls') },
    verifyAgentToken: (token) => services.agentTokens.verify(token),
    // As kas's agent_api module: a revoked token's open streams close at once.
    onRevoked: (listener) => services.agentTokens.onRevoked(listener),
    logger,
    metricsRegistry: metrics,
    disconnectAfterMs: 500,
    maxConnectionAge: options.maxConnectionAge,
  });
  const proxy = await startKubernetesApiProxy({
    port: 0,
    dialer: agentServer.dialer,
    authenticate: servicesAuthenticator(services),
    metricsRegistry: metrics,
    routingTimeoutMs: 3_000,
    credentialRecheckMs: options.credentialRecheckMs ?? 500,
    execSessionsPerUser: options.execSessionsPerUser,
  });
  // As kas's kubernetes_api module: an announced access change re-checks the open long requests at once.
  const stopRechecks = services.events.accessChanged.subscribe(() => proxy.recheckCredentials());

  const agentks: AgentkProcess[] = [];
  writeFileSync(join(dir, 'agent-token'), agentToken);
  writeFileSync(join(dir, 'kas-ca.pem'), agentServer.caPem!);

  async function startAgentk(podName: string, opts: StartAgentkOptions = {}): Promise<AgentkProcess> {
    const agentId = opts.agentId ?? agent.id;
    let tokenFile = join(dir, 'agent-token');
    if (opts.token !== undefined) {
      tokenFile = join(dir, `agent-token-${podName}`);
      writeFileSync(tokenFile, opts.token);
    }
    const proc = spawnAgentk({
      podName,
      kasUrl: agentServer.url,
      tokenFile,
      caFile: join(dir, 'kas-ca.pem'),
      kubeconfig: opts.kubeconfig ?? cluster.agentKubeconfigPath,
    });
    agentks.push(proc);
    const exited = () => proc.child.exitCode !== null;
    const registered = () =>
      agentServer.connectedAgents.list(agentId).some((p) => p.meta?.podName === podName);
    // Stops early when agentk exits: its output then says why.
    await until(
      () => `agentk ${podName} to register: ${proc.output()}`,
      () => exited() || registered(),
      60_000,
    );
    if (exited()) throw new Error(`agentk ${podName} exited: ${proc.output()}`);
    return proc;
  }

  return {
    cluster,
    services,
    admin,
    alice,
    projectId: project.id,
    projectPath: project.fullPath,
    agentId: agent.id,
    idleAgentId: idleAgent.id,
    agentServer,
    proxy,
    metrics,
    agentks,
    alicePat: { token: patToken, id: patInfo.id },
    dir,
    kubeconfig(token, kind = 'pat', agentId = agent.id) {
      const path = join(dir, `kubeconfig-${randomBytes(4).toString('hex')}.yaml`);
      writeFileSync(
        path,
        buildProxyKubeconfig({
          proxyUrl: proxy.url,
          caPem: proxy.caPem,
          agentId,
          token,
          credentialKind: kind,
        }),
      );
      return path;
    },
    async setConfig(yaml) {
      await services.agentConfigs.save(admin, agent.id, yaml);
    },
    startAgentk,
    async dispose() {
      for (const a of agentks) if (a.child.exitCode === null) a.child.kill('SIGKILL');
      stopRechecks();
      await proxy.stop();
      await agentServer.stop(1_000);
      await services.close();
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
