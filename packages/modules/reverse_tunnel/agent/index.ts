// Public API of the reverse tunnel's agentk half.
import type { Metadata } from '@grpc/grpc-js';
import type { ReverseTunnelClient } from '@mooring/proto/gen/mooring/reverse_tunnel/rpc/rpc';
import type { Logger } from 'pino';
import type { ConnectionFailureReporter } from '../../shared/connection-failure';
import { AgentTunnel } from './agent-tunnel';
import { Backoff, type BackoffOptions } from '../../shared/backoff';
import type { TunnelHandlerRegistry } from './handler-registry';
import { TunnelPool, type TunnelPoolStats } from './tunnel-pool';

export { Backoff, type BackoffOptions } from '../../shared/backoff';
export { TunnelHandlerRegistry } from './handler-registry';
export {
  TunnelPool,
  TUNNEL_POOL_DEFAULTS,
  type TunnelPoolOptions,
  type TunnelPoolStats,
} from './tunnel-pool';
export type { TunnelEnd, TunnelEvents } from './agent-tunnel';
export * from '../shared/tunnel-api';

export interface ReverseTunnelAgentOptions {
  client: ReverseTunnelClient;
  /** Fresh metadata (authorization, extra kas headers) for each Connect. */
  metadata: () => Metadata;
  handlers: TunnelHandlerRegistry;
  podId: number;
  logger: Logger;
  minIdle?: number;
  scaleUpStep?: number;
  maxIdleTimeMs?: number;
  maxTunnels?: number;
  backoff?: BackoffOptions;
  onChange?: (stats: TunnelPoolStats) => void;
  /** Explains failures in one log line shared with the other clients of the channel; else each is logged here. */
  failures?: ConnectionFailureReporter;
}

export function startReverseTunnelAgent(options: ReverseTunnelAgentOptions): TunnelPool {
  const logger = options.logger.child({ module: 'reverse_tunnel' });
  const pool = new TunnelPool({
    minIdle: options.minIdle,
    scaleUpStep: options.scaleUpStep,
    maxIdleTimeMs: options.maxIdleTimeMs,
    maxTunnels: options.maxTunnels,
    backoff: new Backoff(options.backoff),
    onChange: (stats) => {
      if (stats.idle + stats.active > 0) options.failures?.connected();
      options.onChange?.(stats);
    },
    onFailure: (end, retryInMs) =>
      options.failures
        ? options.failures.report(end.error, 'reverse_tunnel', { retry_in_ms: retryInMs })
        : logger.warn(
            { code: end.error.code, retry_in_ms: retryInMs },
            `tunnel to kas failed: ${end.error.details || end.error.message}`,
          ),
    openTunnel: (events) =>
      new AgentTunnel({
        client: options.client,
        metadata: options.metadata,
        handlers: options.handlers,
        podId: options.podId,
        events,
        logger,
      }),
  });
  pool.start();
  return pool;
}

export {
  createReverseTunnelAgentModule,
  type ReverseTunnelAgentModule,
  type ReverseTunnelAgentModuleOptions,
} from './agent-module';
export { reverseTunnelAgentSettings } from './settings';
