import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { parseSettings } from '../../shared/settings';
import { until } from '../../shared/testing/until';
import { OBJECT_WATCH_HUB, type ObjectWatchHub } from './hub-api';
import { createObjectWatchKasModule, OBJECT_WATCH_METRICS } from './kas-module';
import type { ObjectWatchMetrics } from './metrics';
import { objectWatchSettings } from './settings';
import { AgentDialerTestDouble } from './testing/agent-dialer-test-double';

describe('the object_watch kas module', () => {
  it('provides the hub and its metrics, reading its settings', async () => {
    const parsed = parseSettings(
      objectWatchSettings,
      { env: { MOORING_OBJECT_WATCH_LINGER_SECONDS: '0' }, argv: [] },
      'kas',
    );
    if (!parsed.ok) throw new Error(parsed.problems.join('; '));
    const dialer = new AgentDialerTestDouble([3]);
    const module = createObjectWatchKasModule({ dialer: () => dialer });
    const provided = new Map<string, unknown>();
    const registry = new Registry();
    const logger = { info() {}, warn() {}, error() {} };
    await module.start({
      config: parsed.values,
      logger,
      metrics: registry,
      provide: (n, v) => provided.set(n, v),
    });
    const hub = provided.get(OBJECT_WATCH_HUB) as ObjectWatchHub;
    const controller = new AbortController();
    const stream = hub
      .watch({ agentId: 3, resource: 'pods' }, { signal: controller.signal })
      [Symbol.asyncIterator]();
    await until('the upstream call', () => dialer.calls.length === 1);
    dialer.calls[0]!.reply({ type: 'snapshot', rows: [], last: true, version: '1' });
    expect((await stream.next()).value).toMatchObject({ type: 'snapshot' });
    const metrics = provided.get(OBJECT_WATCH_METRICS) as ObjectWatchMetrics;
    metrics.sarCacheHits.inc();
    const text = await registry.metrics();
    expect(text).toMatch(/^mooring_kas_object_watch_upstreams 1$/m);
    expect(text).toMatch(/^mooring_kas_object_watch_viewers 1$/m);
    expect(text).toMatch(/^mooring_kas_object_watch_events_total\{type="snapshot"\} 1$/m);
    expect(text).toMatch(/^mooring_kas_object_watch_sar_cache_hits_total 1$/m);
    expect(text).toMatch(/^mooring_kas_object_watch_sar_cache_misses_total 0$/m);
    // A linger of 0: the upstream closes with its last viewer.
    controller.abort();
    expect(hub.stats()).toEqual({ upstreams: 0, viewers: 0 });
    expect(dialer.calls[0]!.cancelled).not.toBeNull();
    await module.stop();
  });

  it('refuses settings out of range, naming the variable', () => {
    const parsed = parseSettings(
      objectWatchSettings,
      { env: { MOORING_OBJECT_WATCH_VIEWER_BUFFER_EVENTS: '2' }, argv: [] },
      'kas',
    );
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.problems).toEqual([
      expect.stringMatching(/MOORING_OBJECT_WATCH_VIEWER_BUFFER_EVENTS.*at least 10/),
    ]);
  });
});
