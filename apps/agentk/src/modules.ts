import type { KubeConfig } from '@kubernetes/client-node';
import { createAgentConfigurationAgentModule } from '@mooring/modules/agent_configuration/agent/index';
import { createAgentRegistrarAgentModule } from '@mooring/modules/agent_registrar/agent/index';
import { createKubernetesApiAgentModule } from '@mooring/modules/kubernetes_api/agent/index';
import type { AgentModule } from '@mooring/modules/modagent/index';
import { createObjectWatchAgentModule } from '@mooring/modules/object_watch/agent/index';
import {
  createReverseTunnelAgentModule,
  reverseTunnelAgentSettings,
  type ReverseTunnelAgentModuleOptions,
  type TunnelHandlerRegistry,
} from '@mooring/modules/reverse_tunnel/agent/index';
import {
  settingValues,
  type SettingsContribution,
  type SettingsTable,
  type SettingValues,
} from '@mooring/modules/shared/settings';
import type { Logger } from 'pino';
import { readKubernetesVersion } from './kube';
import { createObservabilityAgentModule, observabilitySettings } from './observability';

/**
 * The modules' flags, in agentk's table after its own (flags.ts): a module with flags adds its table here, and reads
 * its values in defaultAgentModules below. `agentk --help` and docs/agentk.md list them with the rest.
 */
export const agentModuleSettings: readonly SettingsContribution[] = [
  { name: 'observability', settings: observabilitySettings },
  { name: 'reverse_tunnel', settings: reverseTunnelAgentSettings },
];

export interface DefaultAgentModulesOptions {
  /** The registry agentk's ctx.registerTunnelHandler fills; the tunnel serves it. */
  handlers: TunnelHandlerRegistry;
  kubeConfig: KubeConfig | null;
  /** agentk's root logger (the configuration sets its level). */
  logger: Logger;
  /** The modules' parsed flags (parseAgentkFlags's moduleSettings); absent, each module takes its defaults. */
  settings?: Record<string, unknown>;
  /** Overrides --observability-listen-address (tests). */
  observability?: { host: string; port: number } | null;
  /** Overrides --max-streams (tests). */
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
  const observabilityFlags = flagsOf(observabilitySettings, options.settings);
  const reverseTunnelFlags = flagsOf(reverseTunnelAgentSettings, options.settings);
  const agentRegistrar = createAgentRegistrarAgentModule({
    readKubernetesVersion: async () => (kubeConfig ? readKubernetesVersion(kubeConfig) : null),
    intervalMs: options.registerIntervalMs,
  });
  const agentConfiguration = createAgentConfigurationAgentModule({
    kubernetesVersion: () => agentRegistrar.kubernetesVersion(),
  });
  const reverseTunnel = createReverseTunnelAgentModule({
    handlers: options.handlers,
    maxStreams: options.maxStreams ?? reverseTunnelFlags.maxStreams,
    pool: options.pool,
  });
  const observability = createObservabilityAgentModule({
    address:
      options.observability !== undefined
        ? options.observability
        : (observabilityFlags.observabilityListenAddress ?? null),
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
    createObjectWatchAgentModule(),
    agentRegistrar,
    agentConfiguration,
    reverseTunnel,
  ];
  return { modules, agentRegistrar, agentConfiguration, reverseTunnel, observability };
}

/** A module's flag values out of the parsed flags, or its table's defaults when agentk runs without parsed flags. */
function flagsOf<T extends SettingsTable>(
  table: T,
  settings: Record<string, unknown> | undefined,
): SettingValues<T> {
  if (settings !== undefined) return settingValues(table, settings);
  const defaults = Object.entries(table).map(([key, setting]) => [key, setting.schema.parse(undefined)]);
  return Object.fromEntries(defaults) as SettingValues<T>;
}
