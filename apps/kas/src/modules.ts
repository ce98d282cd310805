import type { KasModule } from './module';

/**
 * The modules kas runs, in start order. This list is the composition root's one extension point:
 * to add a capability (the agent listener, the Kubernetes API proxy, the private API), append its
 * server-half factory here, e.g. `createReverseTunnelServerModule()`. See module.ts for the contract.
 */
export function defaultModules(): KasModule[] {
  return [];
}
