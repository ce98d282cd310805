// agentk's observability module and its HTTP endpoints: /metrics (Prometheus), /livez (process up), /readyz (registered and has a tunnel).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AgentModule } from '@mooring/modules/modagent/index';
import type { Logger } from 'pino';
import {
  boundRejectedBodies,
  DEFAULT_LISTENER_TIMEOUTS,
  httpTimeoutOptions,
  type ListenerTimeouts,
} from '@mooring/modules/shared/listener-timeouts';
import { listenAddressSchema, type SettingsTable } from '@mooring/modules/shared/settings';
import type { Registry } from 'prom-client';

/** The observability module's flags (modules.ts collects them into agentk's table). */
export const observabilitySettings = {
  observabilityListenAddress: {
    flag: '--observability-listen-address',
    schema: listenAddressSchema.optional(),
    defaultText: 'off',
    description:
      'host:port for /metrics, /livez, /readyz (e.g. :8080); port 0 picks a free port, the URL is logged',
  },
} as const satisfies SettingsTable;

export interface ObservabilityServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startObservabilityServer(options: {
  host: string;
  port: number;
  metrics: Registry;
  /** null when ready, else the reason it is not. */
  notReadyReason: () => string | null;
  /** Socket time limits (defaults: headers 10 s, refused bodies 30 s, keep-alive 60 s). */
  timeouts?: ListenerTimeouts;
}): Promise<ObservabilityServer> {
  const timeouts = options.timeouts ?? DEFAULT_LISTENER_TIMEOUTS;
  const server: Server = createServer(httpTimeoutOptions(timeouts, timeouts.rejectedBodyMs), (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/livez') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    } else if (path === '/readyz') {
      const reason = options.notReadyReason();
      res
        .writeHead(reason ? 503 : 200, { 'content-type': 'text/plain' })
        .end(reason ? `not ready: ${reason}\n` : 'ok\n');
    } else if (path === '/metrics') {
      options.metrics.metrics().then(
        (text) => res.writeHead(200, { 'content-type': options.metrics.contentType }).end(text),
        (error: Error) =>
          res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${error.message}\n`),
      );
    } else {
      res
        .writeHead(404, { 'content-type': 'text/plain' })
        .end('not found: try /metrics, /livez or /readyz\n');
    }
  });
  boundRejectedBodies(server, timeouts);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) =>
      reject(new Error(`--observability-listen-address ${options.host}:${options.port}: ${error.message}`)),
    );
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const LEVELS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal']);

export interface ObservabilityAgentModule extends AgentModule {
  readonly name: 'observability';
  /** http://host:port once started; null when agentk runs without the endpoint. */
  url(): string | null;
}

/**
 * agentk's observability as a module: /metrics, /livez and /readyz on `address` (none when null), and
 * observability.logging.level of the agent configuration, applied at once to agentk's logger (without it, agentk
 * logs at the level it started with).
 */
export function createObservabilityAgentModule(options: {
  address: { host: string; port: number } | null;
  /** null when ready, else the reason it is not. */
  notReadyReason: () => string | null;
  /** agentk's root logger, whose level the configuration sets. */
  logger: Logger;
}): ObservabilityAgentModule {
  const startLevel = options.logger.level;
  let server: ObservabilityServer | null = null;
  return {
    name: 'observability',
    url: () => server?.url ?? null,
    async start(ctx) {
      if (!options.address) return;
      server = await startObservabilityServer({
        ...options.address,
        metrics: ctx.metrics,
        notReadyReason: options.notReadyReason,
      });
      ctx.logger.info({ url: server.url }, `observability listening on ${server.url}`);
    },
    onConfiguration(received) {
      const logger = options.logger;
      const observability = received.config.observability as { logging?: { level?: unknown } } | undefined;
      const level = observability?.logging?.level;
      const next = typeof level === 'string' && LEVELS.has(level) ? level : startLevel;
      if (logger.level !== next) {
        logger.info({ from: logger.level, to: next }, 'log level changed by the agent configuration');
        logger.level = next;
      }
    },
    async stop() {
      await server?.close();
      server = null;
    },
  };
}
