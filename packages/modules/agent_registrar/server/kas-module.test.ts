// agent_registrar's kas module keeps the stored connection rows honest without kas's database: the services are a
// recording stand-in, the timers fake, the agent server real (never bound).
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createAgentServer } from '../../modserver/index';
import { inTestTokenVerifier } from '../../modserver/testing/in-test-token-verifier';
import { createAgentRegistrarKasModule, HEARTBEAT_PERIOD_MS, STALE_EXPIRY_EVERY_MS } from './kas-module';

describe('agent_registrar kas module', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('expires rows not seen for two heartbeat periods every minute, and marks its pods disconnected on stop', async () => {
    const expired: number[] = [];
    const disconnected: string[] = [];
    const services = {
      agentConnections: {
        record: async () => ({}),
        markDisconnected: async (pod: { podName: string }, reason?: string) =>
          void disconnected.push(`${pod.podName}: ${reason}`),
        expireStale: async (staleAfterMs: number) => {
          expired.push(staleAfterMs);
          return 0;
        },
        expireGoneReplicas: async () => {
          throw new Error('one replica: nothing asks which replicas are gone');
        },
      },
    };
    const agentServer = createAgentServer({
      port: 0,
      tls: { mode: 'insecure' },
      verifyAgentToken: inTestTokenVerifier({}),
      logger: pino({ level: 'silent' }),
      metrics: new Registry(),
    });
    const module = createAgentRegistrarKasModule();
    // kas's configuration with this module's contribution in it, as loadConfig builds it.
    const config = { agentPort: 0, agentMaxPods: 100 };
    await module.start({ config, agentServer, services });
    expect(expired).toEqual([]);
    await vi.advanceTimersByTimeAsync(STALE_EXPIRY_EVERY_MS);
    expect(expired).toEqual([2 * HEARTBEAT_PERIOD_MS]);
    await vi.advanceTimersByTimeAsync(2 * STALE_EXPIRY_EVERY_MS);
    expect(expired).toHaveLength(3);

    await module.connectedAgents().heartbeat(7, 1, {
      podName: 'pod-1',
      podNamespace: 'mooring-system',
      agentVersion: '0.1.0',
      agentCommit: 'abc',
      kubernetesVersion: null,
    });
    await module.stop();
    expect(disconnected).toEqual(['pod-1: kas stopped']);
    await vi.advanceTimersByTimeAsync(5 * STALE_EXPIRY_EVERY_MS);
    expect(expired).toHaveLength(3);
  });

  it('with several replicas, expires the rows of replicas that stopped heartbeating every TTL, and none while Redis is away', async () => {
    const calls: string[] = [];
    let redisUp = true;
    const services = {
      agentConnections: {
        record: async () => ({}),
        markDisconnected: async () => undefined,
        expireStale: async () => 0,
        expireGoneReplicas: async (live: readonly string[], seenBeforeMs: number) => {
          calls.push(`${live.join(',')} ${seenBeforeMs}`);
          return 1;
        },
      },
    };
    const agentServer = createAgentServer({
      port: 0,
      tls: { mode: 'insecure' },
      verifyAgentToken: inTestTokenVerifier({}),
      logger: pino({ level: 'silent' }),
      metrics: new Registry(),
    });
    const module = createAgentRegistrarKasModule({
      replicas: () => ({
        live: async () => {
          if (!redisUp) throw new Error('Redis is not reachable');
          return ['kas-a', 'kas-b'];
        },
        expireAfterMs: 30_000,
      }),
    });
    const config = { agentPort: 0, agentMaxPods: 100 };
    await module.start({ config, agentServer, services });
    await vi.advanceTimersByTimeAsync(30_000);
    expect(calls).toEqual(['kas-a,kas-b 30000']);
    redisUp = false;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls).toHaveLength(1);
    redisUp = true;
    await vi.advanceTimersByTimeAsync(30_000);
    expect(calls).toHaveLength(2);
    await module.stop();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(calls).toHaveLength(2);
  });
});
