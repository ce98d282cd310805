// Public API of the reverse tunnel's kas half.
export * from '../shared/tunnel-api';
export {
  createReverseTunnelKasModule,
  type ReverseTunnelKasModule,
  type ReverseTunnelModuleContext,
  type ReverseTunnelModuleOptions,
  type ReverseTunnelServices,
} from './kas-module';
export {
  installReverseTunnel,
  REVERSE_TUNNEL_DEFAULTS,
  type ReverseTunnelOptions,
  type ReverseTunnelServer,
} from './tunnel-service';
export type { PodTunnelCounts, PodTunnelsListener } from './registry';
export { inProcessTunnelTracker, trackPodTunnels, type TunnelTracker } from './tunnel-tracker';
export {
  REDIS_TUNNEL_TRACKER_DEFAULTS,
  redisTunnelTracker,
  type RedisTunnelTracker,
  type RedisTunnelTrackerOptions,
} from './redis-tunnel-tracker';
export { reverseTunnelSettings } from './settings';
