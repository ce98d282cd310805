import { STATUS_CODES } from 'node:http';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { TOKEN_REFUSAL_REASONS, type TokenRefusalReason } from '../services/agent-token-refusals';

/** One registry per kas (not prom-client's global one) so several kas can live in one test process. */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

/**
 * Every label value comes from a closed set, whatever a client sends: an unknown route, method or status code is
 * counted as `other`. (Raw paths as labels let anonymous clients grow /metrics and kas's memory without bound.)
 */
export const OTHER_LABEL = 'other';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const CODES = new Set(Object.keys(STATUS_CODES));

export interface HttpMetrics {
  /** The metrics of one listener, counting only `routes` by name (route templates, never raw paths). */
  listener(name: string, routes: Iterable<string>): ListenerMetrics;
}

export interface ListenerMetrics {
  observe(request: { method: string | undefined; route: string; code: number }, seconds: number): void;
}

export function createHttpMetrics(registry: Registry): HttpMetrics {
  const labelNames = ['listener', 'method', 'route', 'code'] as const;
  const requests = new Counter({
    name: 'mooring_http_requests_total',
    help: 'HTTP requests answered by kas, by listener, route and status code',
    labelNames,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'mooring_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by listener, route and status code',
    labelNames,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  return {
    listener(name, routes) {
      const known = new Set(routes);
      return {
        observe({ method, route, code }, seconds) {
          const labels = {
            listener: name,
            method: method !== undefined && METHODS.has(method) ? method : OTHER_LABEL,
            route: known.has(route) ? route : OTHER_LABEL,
            code: CODES.has(String(code)) ? String(code) : OTHER_LABEL,
          };
          requests.inc(labels);
          duration.observe(labels, seconds);
        },
      };
    },
  };
}

/**
 * `mooring_kas_agent_token_rejected_total{reason}`: agent tokens the agent listener refused, by why (a closed set:
 * malformed, unknown, revoked). Unknown tokens belong to no agent, so this is the only place they show.
 */
export function createAgentTokenRejectedMetric(registry: Registry): {
  inc(labels: { reason: TokenRefusalReason }): void;
} {
  const counter = new Counter({
    name: 'mooring_kas_agent_token_rejected_total',
    help: 'Agent tokens refused on the agent listener, by reason (malformed, unknown, revoked)',
    labelNames: ['reason'],
    registers: [registry],
  });
  // Every reason is exported from the start (at 0), so alerts see the series before the first refusal.
  for (const reason of TOKEN_REFUSAL_REASONS) counter.inc({ reason }, 0);
  return counter;
}
