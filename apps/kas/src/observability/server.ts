import http from 'node:http';
import type { Registry } from 'prom-client';
import {
  boundRejectedBodies,
  DEFAULT_LISTENER_TIMEOUTS,
  httpTimeoutOptions,
  type ListenerTimeouts,
} from '@mooring/modules/shared/listener-timeouts';
import type { Logger } from '../logger';
import type { HttpMetrics } from './metrics';

export interface ReadinessCheck {
  name: string;
  /** Rejects when not ready. Bounded by `timeoutMs`. */
  check(): Promise<void>;
}

export interface ObservabilityHandlerOptions {
  registry: Registry;
  httpMetrics: HttpMetrics;
  logger: Logger;
  readinessChecks: () => readonly ReadinessCheck[];
  /** False once shutdown has begun: /readyz then answers 503 so load balancers drain us. */
  isAcceptingTraffic: () => boolean;
  timeoutMs?: number;
  /** Socket time limits; defaults as documented in docs/security.md. */
  timeouts?: ListenerTimeouts;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** What /readyz answers: one `[+] name ok` / `[-] name failed: why` line per check, or `shutting down`. */
export interface ReadinessReport {
  ready: boolean;
  /** False once the drain began. */
  accepting: boolean;
  lines: string[];
}

/** Runs every readiness check (each bounded by `timeoutMs`); the one answer /readyz and the replicas list give. */
export async function readinessReport(
  options: Pick<ObservabilityHandlerOptions, 'readinessChecks' | 'isAcceptingTraffic' | 'logger'>,
  timeoutMs = 2_000,
): Promise<ReadinessReport> {
  if (!options.isAcceptingTraffic()) return { ready: false, accepting: false, lines: ['shutting down'] };
  const lines = await Promise.all(
    options.readinessChecks().map(async (c) => {
      try {
        await withTimeout(c.check(), timeoutMs, c.name);
        return `[+] ${c.name} ok`;
      } catch (err) {
        options.logger.warn({ check: c.name, err }, 'readiness check failed');
        return `[-] ${c.name} failed: ${(err as Error).message}`;
      }
    }),
  );
  return { ready: lines.every((line) => line.startsWith('[+]')), accepting: true, lines };
}

/** `/metrics`, `/livez`, `/readyz` for Prometheus and kubelet probes. */
export function createObservabilityServer(options: ObservabilityHandlerOptions): http.Server {
  const timeoutMs = options.timeoutMs ?? 2_000;
  const send = (res: http.ServerResponse, status: number, type: string, body: string) => {
    res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
    res.end(body);
  };

  const timeouts = options.timeouts ?? DEFAULT_LISTENER_TIMEOUTS;
  const metrics = options.httpMetrics.listener('observability', ['/metrics', '/livez', '/readyz']);
  const server = http.createServer(httpTimeoutOptions(timeouts, timeouts.rejectedBodyMs), (req, res) => {
    const started = process.hrtime.bigint();
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      metrics.observe({ method: req.method, route: path, code: res.statusCode }, seconds);
    });
    void (async () => {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        return send(res, 405, 'text/plain', 'only GET is supported\n');
      }
      if (path === '/livez') return send(res, 200, 'text/plain', 'ok\n');
      if (path === '/readyz') {
        const report = await readinessReport(options, timeoutMs);
        return send(
          res,
          report.ready ? 200 : 503,
          'text/plain',
          `${report.lines.join('\n')}\n${report.accepting ? (report.ready ? 'ok\n' : 'not ready\n') : ''}`,
        );
      }
      if (path === '/metrics') {
        return send(res, 200, options.registry.contentType, await options.registry.metrics());
      }
      return send(res, 404, 'text/plain', 'not found; try /metrics, /livez or /readyz\n');
    })().catch((err: unknown) => {
      options.logger.error({ err }, 'observability request failed');
      if (!res.headersSent) send(res, 500, 'text/plain', 'internal error\n');
      else res.destroy();
    });
  });
  boundRejectedBodies(server, timeouts);
  return server;
}
