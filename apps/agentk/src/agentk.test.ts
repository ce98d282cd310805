// agentk's composition root without kas or a cluster: modules start in list order, a failed start stops what already
// started (in reverse), and every configuration reaches every module once all have started.
import type { AgentModule } from '@mooring/modules/modagent/index';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { startAgentk } from './agentk';

function recordingModule(name: string, events: string[], start?: () => Promise<void>): AgentModule {
  return {
    name,
    async start() {
      events.push(`start ${name}`);
      await start?.();
    },
    onConfiguration: (config) => void events.push(`config ${name} ${config.version}`),
    async stop() {
      events.push(`stop ${name}`);
    },
  };
}

const base = {
  // Nothing listens there: the modules start without waiting for kas.
  kasAddress: 'grpc://127.0.0.1:9',
  token: 'token',
  kubeConfig: null,
  podName: 'pod-a',
  podNamespace: 'mooring-system',
  logger: pino({ level: 'silent' }),
};

describe('startAgentk', () => {
  it('stops the modules already started, in reverse order, when one fails to start', async () => {
    const events: string[] = [];
    const failing = recordingModule('broken', events, async () => {
      throw new Error('cannot start broken');
    });
    await expect(
      startAgentk({
        ...base,
        extraModules: [recordingModule('first', events), failing, recordingModule('never', events)],
      }),
    ).rejects.toThrow('cannot start broken');
    expect(events).toEqual(['start first', 'start broken', 'stop broken', 'stop first']);
  });

  it('fans every configuration out to every module, after all started', async () => {
    const events: string[] = [];
    let configurationReceived!: (c: {
      version: string;
      yaml: string;
      config: Record<string, unknown>;
    }) => void;
    const early: AgentModule = {
      ...recordingModule('early', events),
      async start(ctx) {
        events.push('start early');
        configurationReceived = ctx.configurationReceived;
        // Arrives before the next module started: held until all have.
        ctx.configurationReceived({ version: '1', yaml: '', config: {} });
      },
    };
    const agentk = await startAgentk({ ...base, extraModules: [early, recordingModule('late', events)] });
    configurationReceived({ version: '2', yaml: '', config: {} });
    await new Promise((resolve) => setImmediate(resolve));
    await agentk.stop(0);
    expect(events).toEqual([
      'start early',
      'start late',
      'config early 1',
      'config late 1',
      'config early 2',
      'config late 2',
      'stop late',
      'stop early',
    ]);
  });
});
