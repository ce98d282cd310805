// What one agent token can make kas keep, over real gRPC on loopback (the standalone agent listener): pod meta within
// Kubernetes' limits, at most `maxPodsPerAgent` registered pods, at most `configStreamsPerPod` configuration streams
// per pod. Each refusal is a gRPC status whose message names the field or the setting to change.
import { credentials, Metadata, status } from '@grpc/grpc-js';
import { AgentConfigurationClient } from '@mooring/proto/gen/mooring/agent_configuration/rpc/rpc';
import { AgentRegistrarClient } from '@mooring/proto/gen/mooring/agent_registrar/rpc/rpc';
import type { AgentMeta } from '@mooring/proto/gen/mooring/rpc/rpc';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inTestTokenVerifier } from '../../modserver/testing/in-test-token-verifier';
import {
  type AgentApiServer,
  startAgentApiServer,
} from '../../reverse_tunnel/server/testing/agent-api-server';

let server: AgentApiServer;
let registrar: AgentRegistrarClient;
let configuration: AgentConfigurationClient;

beforeAll(async () => {
  server = await startAgentApiServer({
    port: 0,
    tls: { mode: 'insecure' },
    verifyAgentToken: inTestTokenVerifier({
      'token-7': { agentId: 7, tokenId: 70, projectId: 1 },
      'token-8': { agentId: 8, tokenId: 80, projectId: 1 },
    }),
    logger: pino({ level: 'silent' }),
    limits: { maxPodsPerAgent: 2, configStreamsPerPod: 2 },
  });
  const target = server.url.replace('grpc://', '');
  registrar = new AgentRegistrarClient(target, credentials.createInsecure());
  configuration = new AgentConfigurationClient(target, credentials.createInsecure());
});
afterAll(async () => {
  registrar?.close();
  configuration?.close();
  await server?.stop(100);
});

const metadata = (token: string) => {
  const m = new Metadata();
  m.set('authorization', `Bearer ${token}`);
  return m;
};
const meta = (podName: string, extra: Partial<AgentMeta> = {}): AgentMeta => ({
  version: '0.1.0',
  commitId: 'abc',
  podName,
  podNamespace: 'mooring-system',
  ...extra,
});
const register = (token: string, podId: number, agentMeta: AgentMeta) =>
  new Promise<{ code: number; details: string }>((resolve) =>
    registrar.register({ podId, agentMeta }, metadata(token), (error) =>
      resolve(error ? { code: error.code, details: error.details } : { code: status.OK, details: '' }),
    ),
  );

describe('agent token limits', () => {
  it('refuses pod meta longer than Kubernetes allows, naming the field', async () => {
    const long = await register('token-8', 1, meta('p'.repeat(254)));
    expect(long.code).toBe(status.INVALID_ARGUMENT);
    expect(long.details).toContain('agent_meta.pod_name is 254 characters long; at most 253');
    const ns = await register('token-8', 1, meta('pod', { podNamespace: 'n'.repeat(64) }));
    expect(ns.code).toBe(status.INVALID_ARGUMENT);
    expect(ns.details).toContain('agent_meta.pod_namespace is 64 characters long; at most 63');
    const version = await register('token-8', 1, meta('pod', { version: 'v'.repeat(1024 * 1024) }));
    expect(version.code).toBe(status.INVALID_ARGUMENT);
    expect(version.details).toContain('agent_meta.version is 1048576 characters long');
    expect((await register('token-8', 1, meta('p'.repeat(253)))).code).toBe(status.OK);
    expect(server.connectedAgents.list(8).map((p) => p.meta?.podName.length)).toEqual([253]);
  });

  it('caps the pods of one agent and names the setting; known pods keep their heartbeat', async () => {
    expect((await register('token-7', 1, meta('pod-1'))).code).toBe(status.OK);
    expect((await register('token-7', 2, meta('pod-2'))).code).toBe(status.OK);
    const third = await register('token-7', 3, meta('pod-3'));
    expect(third.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(third.details).toContain('agent 7 already has 2 pods connected to this kas');
    expect(third.details).toContain('MOORING_AGENT_MAX_PODS');
    expect((await register('token-7', 2, meta('pod-2'))).code).toBe(status.OK);
    expect(server.connectedAgents.list(7)).toHaveLength(2);
    // The configuration stream of a pod over the cap is refused the same way.
    const stream = configuration.getConfiguration(
      { version: '', podId: 4, agentMeta: meta('pod-4') },
      metadata('token-7'),
    );
    stream.on('data', () => undefined);
    const refused = await new Promise<{ code: number; details: string }>((resolve) =>
      stream.on('error', (e: { code: number; details: string }) => resolve(e)),
    );
    expect(refused.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(refused.details).toContain('MOORING_AGENT_MAX_PODS');
  });

  it('caps the configuration streams of one pod and names the setting', async () => {
    const open = () => {
      const stream = configuration.getConfiguration(
        { version: '', podId: 1, agentMeta: meta('pod-1') },
        metadata('token-7'),
      );
      const first = new Promise<{ code: number; details: string } | 'data'>((resolve) => {
        stream.on('data', () => resolve('data'));
        stream.on('error', (e: { code: number; details: string }) => resolve(e));
      });
      return { stream, first };
    };
    const a = open();
    const b = open();
    // Each open stream gets the current configuration ("none") first.
    expect(await a.first).toBe('data');
    expect(await b.first).toBe('data');
    const c = open();
    const refused = (await c.first) as { code: number; details: string };
    expect(refused.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(refused.details).toContain('pod 1 of agent 7 already has 2 open configuration streams');
    expect(refused.details).toContain('MOORING_AGENT_CONFIG_STREAMS_PER_POD');
    expect(server.configStreams()).toBe(2);
    for (const s of [a, b]) {
      s.stream.on('error', () => undefined);
      s.stream.cancel();
    }
  });
});
