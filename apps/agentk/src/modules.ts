import type { KubeConfig } from '@kubernetes/client-node';
import { createAgentConfigurationAgentModule } from '@mooring/modules/agent_configuration/agent/index';
import { createAgentRegistrarAgentModule } from '@mooring/modules/agent_registrar/agent/index';
import { createKubernetesApiAgentModule } from '@mooring/modules/kubernetes_api/agent/index';
import type { AgentModule } from '@mooring/modules/modagent/index';
import {
  createReverseTunnelAgentModule,
  type ReverseTunnelAgentModuleOptions,
  type TunnelHandlerRegistry,
} from '@mooring/modules/reverse_tunnel/agent/index';
import type { Logger } from 'pino';
import { readKubernetesVersion } from './kube';
import { createObservabilityAgentModule } from './observability';

export interface DefaultAgentModulesOptions {
  /** The registry agentk's ctx.registerTunnelHandler fills; the tunnel serves it. */
  handlers: TunnelHandlerRegistry;
  kubeConfig: KubeConfig | null;
  /** agentk's root logger (the configuration sets its level). */
  logger: Logger;
  observability?: { host: string; port: number } | null;
  maxStreams?: number;
  pool?: ReverseTunnelAgentModuleOptions['pool'];
  registerIntervalMs?: number;
}

/**
 * The modules agentk runs, in start order (they stop in reverse, so the tunnel drains first and observability
 * answers to the end). Like kas's apps/kas/src/modules.ts, this list is the one extension point: to add a
 * capability, append its agent-half factory (see @mooring/modules/modagent for the contract). A module that needs
 * another's running parts gets them through its factory options, as functions.
 */
export function defaultAgentModules(options: DefaultAgentModulesOptions) {
  const kubeConfig = options.kubeConfig;
  const agentRegistrar = createAgentRegistrarAgentModule({
    readKubernetesVersion: async () => (kubeConfig ? readKubernetesVersion(kubeConfig) : null),
    intervalMs: options.registerIntervalMs,
  });
  const agentConfiguration = createAgentConfigurationAgentModule({
    kubernetesVersion: () => agentRegistrar.kubernetesVersion(),
  });
  const reverseTunnel = createReverseTunnelAgentModule({
    handlers: options.handlers,
    maxStreams: options.maxStreams,
    pool: options.pool,
  });
  const observability = createObservabilityAgentModule({
    address: options.observability ?? null,
    logger: options.logger,
    notReadyReason: () => {
      const stats = reverseTunnel.stats();
      if (!agentRegistrar.isRegistered()) return 'not registered with kas yet';
      return stats.idle + stats.active === 0 ? 'no tunnel to kas' : null;
    },
  });
  const modules: AgentModule[] = [
    observability,
    createKubernetesApiAgentModule(),
    agentRegistrar,
    agentConfiguration,
    reverseTunnel,
  ];
  return { modules, agentRegistrar, agentConfiguration, reverseTunnel, observability };
}
