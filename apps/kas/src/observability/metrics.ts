import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** One registry per kas (not prom-client's global one) so several kas can live in one test process. */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

export interface HttpMetrics {
  observe(labels: HttpRequestLabels, seconds: number): void;
}

export interface HttpRequestLabels {
  listener: string;
  method: string;
  /** The route template (`/api/v1/projects/:projectId`), never the raw path: keeps cardinality low. */
  route: string;
  code: number;
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
    observe(labels, seconds) {
      const l = { ...labels, code: String(labels.code) };
      requests.inc(l);
      duration.observe(l, seconds);
    },
  };
}
