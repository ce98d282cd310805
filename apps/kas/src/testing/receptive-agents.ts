// Receptive agents for integration tests (issue 15): an endpoint saved over kas's REST API, a real in-process agentk
// listening for kas (TLS with one test certificate, JWT or mTLS), and a developer's kubeconfig through kas's proxy.
// The receptive test files share it; the kas behind `world()` may be in-process or a process of its own.
import fs from 'node:fs';
import path from 'node:path';
import { loadKubeConfig, startAgentk, type Agentk, type AgentkReceptiveOptions } from '@mooring/agentk';
import { generateSelfSignedTls } from '@mooring/modules/shared/certificates';
import { kubeCluster } from '@mooring/kube-dev/testing';
import pino from 'pino';
import { parse } from 'yaml';
import { expect } from 'vitest';
import type { ApiResponse, RestClient } from './api-client';
import { uniqueName, type HttpWorld } from './world';

/** The name agentk's listener certificate carries; endpoints check it (`serverName`). */
export const RECEPTIVE_SERVER_NAME = 'agent.receptive.test';

export interface ReceptiveAgents {
  /** agentk's listener certificate (for RECEPTIVE_SERVER_NAME) and the CA endpoints trust it with. */
  readonly tls: { certPem: string; keyPem: string; caPem: string };
  /** Every line the agentks started here logged (warn and up, unless started with logLevel 'info'). */
  readonly logs: string[];
  /** Saves a JWT endpoint for `agentId` at 127.0.0.1:`port` (the key pair is made on the first save). */
  saveJwtEndpoint(
    agentId: number,
    port: number,
    serverName?: string,
  ): Promise<ApiResponse<{ jwtPublicKey: string }>>;
  /** A new agent in the world's project, with a token. */
  newAgentWithToken(prefix: string): Promise<{ agentId: number; token: string }>;
  /** A new agent whose endpoint names a fresh agentk trusting its key; resolves once kas may dial it. */
  startJwtAgent(
    prefix: string,
    options?: Partial<Pick<AgentkReceptiveOptions, 'now'>>,
  ): Promise<{ agentId: number; agentk: Agentk }>;
  /** A receptive agentk (listening on 127.0.0.1:0) with `token`; stopped by stop(). */
  startAgentk(
    token: string,
    auth: AgentkReceptiveOptions['auth'],
    options?: Partial<Pick<AgentkReceptiveOptions, 'now'>> & { podName?: string; logLevel?: 'info' | 'warn' },
  ): Promise<Agentk>;
  /** Writes `client`'s kubeconfig for `agentId` through the proxy of the kas it talks to; its path and context. */
  kubeconfig(client: RestClient, dir: string, agentId: number): Promise<{ path: string; context: string }>;
  stop(): Promise<void>;
}

export function receptiveAgents(world: () => HttpWorld): ReceptiveAgents {
  const tls = generateSelfSignedTls([RECEPTIVE_SERVER_NAME]);
  const logs: string[] = [];
  const started: Agentk[] = [];

  const saveJwtEndpoint: ReceptiveAgents['saveJwtEndpoint'] = (agentId, port, serverName) =>
    world().admin.put<{ jwtPublicKey: string }>(`/api/v1/agents/${agentId}/receptive_endpoint`, {
      url: `grpcs://127.0.0.1:${port}`,
      auth: { type: 'jwt', caCert: tls.caPem, serverName: serverName ?? RECEPTIVE_SERVER_NAME },
    });

  const newAgentWithToken: ReceptiveAgents['newAgentWithToken'] = async (prefix) => {
    const w = world();
    const agent = await w.admin.post<{ id: number }>(`/api/v1/projects/${w.projectId}/agents`, {
      name: uniqueName(prefix),
    });
    expect(agent.status, agent.text).toBe(201);
    const token = await w.admin.post<{ secret: string }>(`/api/v1/agents/${agent.body.id}/tokens`, {
      name: 't',
    });
    expect(token.status, token.text).toBe(201);
    return { agentId: agent.body.id, token: token.body.secret };
  };

  const startOne: ReceptiveAgents['startAgentk'] = async (token, auth, options = {}) => {
    const cluster = kubeCluster();
    const agentk = await startAgentk({
      receptive: {
        listenAddress: '127.0.0.1:0',
        certPem: tls.certPem,
        keyPem: tls.keyPem,
        auth,
        ...(options.now && { now: options.now }),
      },
      token,
      kubeConfig: loadKubeConfig(cluster.agentKubeconfigPath),
      podName: options.podName ?? uniqueName('agentk-receptive'),
      podNamespace: cluster.agentNamespace,
      logger: pino({ level: options.logLevel ?? 'warn' }, { write: (line: string) => void logs.push(line) }),
    });
    started.push(agentk);
    return agentk;
  };

  return {
    tls,
    logs,
    saveJwtEndpoint,
    newAgentWithToken,
    startAgentk: startOne,
    async startJwtAgent(prefix, options = {}) {
      const { agentId, token } = await newAgentWithToken(prefix);
      // The key pair exists once the endpoint is saved; agentk's port once it listens: save twice.
      const key = await saveJwtEndpoint(agentId, 1);
      expect(key.status, key.text).toBe(200);
      const agentk = await startOne(token, { jwtPublicKeyPem: key.body.jwtPublicKey }, options);
      const saved = await saveJwtEndpoint(agentId, agentk.receptivePort!);
      expect(saved.status, saved.text).toBe(200);
      return { agentId, agentk };
    },
    async kubeconfig(client, dir, agentId) {
      const made = await client.post<{ filename: string; yaml: string }>('/api/v1/kubeconfig', {
        expiresInDays: 1,
        agentIds: [agentId],
      });
      expect(made.status, made.text).toBe(201);
      const file = path.join(dir, `${uniqueName('kubeconfig')}-${made.body.filename}`);
      fs.writeFileSync(file, made.body.yaml, { mode: 0o600 });
      const context = (parse(made.body.yaml) as { contexts: { name: string }[] }).contexts[0]!.name;
      return { path: file, context };
    },
    async stop() {
      await Promise.all(started.map((a) => a.stop(2_000)));
    },
  };
}
