// agentk's side of GetConfiguration: keeps the stream open, hands every new configuration to the listener, and
// re-opens the stream (at once after a clean end, with backoff 10 s → 5 min after an error). Opening the stream also
// registers the pod (agent_meta, pod_id), so a restarted kas knows it before the next heartbeat.
import { type Metadata, status } from '@grpc/grpc-js';
import type {
  AgentConfigurationClient,
  ConfigurationResponse,
} from '@mooring/proto/gen/mooring/agent_configuration/rpc/rpc';
import type { AgentMeta } from '@mooring/proto/gen/mooring/rpc/rpc';
import type { Logger } from 'pino';
import { Backoff } from '../../shared/backoff';
import type { ConnectionFailureReporter } from '../../shared/connection-failure';
import { listenForErrors } from '../../shared/streams';

export interface ReceivedConfig {
  version: string;
  yaml: string;
  config: Record<string, unknown>;
}

export interface ConfigWatcherOptions {
  client: AgentConfigurationClient;
  metadata: () => Metadata;
  meta: () => AgentMeta;
  podId: number;
  logger: Logger;
  onConfig: (config: ReceivedConfig) => void;
  retryMinMs?: number;
  retryMaxMs?: number;
  /** Explains failures in one log line shared with the other clients of the channel. */
  failures?: ConnectionFailureReporter;
}

export interface ConfigWatcher {
  current(): ReceivedConfig | null;
  stop(): void;
}

export function startConfigWatcher(options: ConfigWatcherOptions): ConfigWatcher {
  const logger = options.logger.child({ module: 'agent_configuration' });
  const retryMinMs = options.retryMinMs ?? 10_000;
  const retryMaxMs = options.retryMaxMs ?? 5 * 60_000;
  let current: ReceivedConfig | null = null;
  let stopped = false;
  const backoff = new Backoff({
    initialMs: retryMinMs,
    maxMs: retryMaxMs,
    factor: 2,
    resetAfterMs: Infinity,
  });
  let timer: NodeJS.Timeout | null = null;
  let stream: ReturnType<AgentConfigurationClient['getConfiguration']> | null = null;

  const open = () => {
    if (stopped) return;
    const metadata = options.metadata();
    // Wait for kas while it is unreachable (e.g. restarting) instead of failing into the error backoff.
    metadata.setOptions({ waitForReady: true });
    const s = options.client.getConfiguration(
      { version: current?.version ?? '', agentMeta: options.meta(), podId: options.podId },
      metadata,
    );
    stream = s;
    s.on('data', (response: ConfigurationResponse) => {
      backoff.reset();
      options.failures?.connected();
      let config: Record<string, unknown>;
      try {
        const parsed: unknown = JSON.parse(response.configJson || '{}');
        config = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
      } catch (error) {
        logger.error(
          { err: error, version: response.version },
          'kas sent a configuration that is not JSON; keeping the current one',
        );
        return;
      }
      current = { version: response.version, yaml: response.configYaml, config };
      logger.info({ version: response.version }, 'applying agent configuration');
      try {
        options.onConfig(current);
      } catch (error) {
        logger.error({ err: error, version: response.version }, 'could not apply the agent configuration');
      }
    });
    listenForErrors(s); // the outcome is read from 'status'
    s.on('status', (st: { code: status; details: string }) => {
      if (stopped || stream !== s) return;
      if (st.code === status.OK) {
        backoff.reset();
        open();
        return;
      }
      const delay = backoff.nextDelayMs();
      if (options.failures) options.failures.report(st, 'agent_configuration', { retry_in_ms: delay });
      else
        logger.warn(
          { code: st.code, retry_in_ms: delay },
          `configuration stream from kas failed: ${st.details}`,
        );
      timer = setTimeout(open, delay);
      timer.unref();
    });
  };
  open();
  return {
    current: () => current,
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      stream?.cancel();
    },
  };
}
