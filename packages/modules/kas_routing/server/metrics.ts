// kas-to-kas routing's metrics: label values are closed sets (the outcomes below).
import { Counter, type Registry } from 'prom-client';

export type RouterOutcome = 'ready' | 'refused' | 'unauthenticated' | 'bad_request';
export type GatewayOutcome = 'won' | 'refused' | 'failed' | 'cancelled';

export function createKasRoutingMetrics(registry: Registry) {
  const routed = new Counter({
    name: 'mooring_kas_routed_calls_total',
    help: 'Routed calls on this replica, as the gateway (it had no tunnel) or the router (it held one), by outcome',
    labelNames: ['side', 'outcome'],
    registers: [registry],
  });
  return {
    router: (outcome: RouterOutcome) => routed.inc({ side: 'router', outcome }),
    gateway: (outcome: GatewayOutcome) => routed.inc({ side: 'gateway', outcome }),
  };
}
