// Prometheus metrics of the proxy. Registered once per registry, so a second proxy on the same registry shares them.
import { STATUS_CODES } from 'node:http';
import type { Registry } from 'prom-client';
import { Counter, Histogram, type Metric } from 'prom-client';

export interface ProxyMetrics {
  requests: Counter<'code'>;
  upgrades: Counter<'protocol'>;
  routingWait: Histogram<'outcome'>;
  watchResumes: Counter;
  rateLimited: Counter;
  connections: Counter<'protocol'>;
}

export function proxyMetrics(registry: Registry): ProxyMetrics {
  return {
    requests: getOrCreate(
      registry,
      'mooring_kas_k8s_proxy_requests_total',
      () =>
        new Counter({
          name: 'mooring_kas_k8s_proxy_requests_total',
          help: 'Kubernetes API proxy requests by the HTTP status code answered (101 for upgrades)',
          labelNames: ['code'],
          registers: [registry],
        }),
    ),
    upgrades: getOrCreate(
      registry,
      'mooring_kas_k8s_proxy_upgrades_total',
      () =>
        new Counter({
          name: 'mooring_kas_k8s_proxy_upgrades_total',
          help: 'Upgraded connections (exec, attach, port-forward, cp) relayed by the proxy, by protocol',
          labelNames: ['protocol'],
          registers: [registry],
        }),
    ),
    routingWait: getOrCreate(
      registry,
      'mooring_kas_k8s_proxy_routing_wait_seconds',
      () =>
        new Histogram({
          name: 'mooring_kas_k8s_proxy_routing_wait_seconds',
          help: 'Time a proxy request waited for a tunnel of its agent, by outcome (found, not_connected, limit)',
          labelNames: ['outcome'],
          buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 20],
          registers: [registry],
        }),
    ),
    watchResumes: getOrCreate(
      registry,
      'mooring_kas_k8s_proxy_watch_resumes_total',
      () =>
        new Counter({
          name: 'mooring_kas_k8s_proxy_watch_resumes_total',
          help: 'Watches re-opened through a fresh tunnel after the one carrying them ended (connection age, agentk gone)',
          registers: [registry],
        }),
    ),
    rateLimited: getOrCreate(
      registry,
      'mooring_kas_k8s_proxy_rate_limited_total',
      () =>
        new Counter({
          name: 'mooring_kas_k8s_proxy_rate_limited_total',
          help: 'Proxy requests refused with 429 because their credential exceeded its per-minute budget',
          registers: [registry],
        }),
    ),
    connections: getOrCreate(
      registry,
      'mooring_kas_k8s_proxy_connections_total',
      () =>
        new Counter({
          name: 'mooring_kas_k8s_proxy_connections_total',
          help: 'TLS connections to the proxy by the protocol negotiated (h2 multiplexes requests; http/1.1 carries one at a time and every upgrade)',
          labelNames: ['protocol'],
          registers: [registry],
        }),
    ),
  };
}

function getOrCreate<T extends Metric>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}

/** Status codes come from the agent (any number it sends): labels use the codes Node knows, else `other`. */
export function statusCodeLabel(code: number): string {
  return STATUS_CODES[code] !== undefined || code === 499 ? String(code) : 'other';
}
