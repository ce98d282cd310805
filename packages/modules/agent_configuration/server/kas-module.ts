// agent_configuration as a kas module: registers AgentConfiguration on kas's shared agent server and serves each
// agent's live configuration from kas's services, pushing every change at once. Typed structurally against KasModule.
import type { AgentServer } from '../../modserver/index';
import type { ConnectedAgents } from '../../agent_registrar/server/index';
import { NotifyingConfigSource } from './config-source';
import { type AgentConfigurationServer, installAgentConfiguration } from './configuration-server';
import { settingValues } from '../../shared/settings';
import { agentConfigurationSettings } from './settings';

/** The parts of kas's services the configuration module uses (see apps/kas/src/services). */
export interface AgentConfigurationServices {
  agentConfigs: {
    live(agentId: number): Promise<{ version: number; yaml: string; config: unknown } | null>;
    onChanged(listener: (e: { agentId: number; version: number }) => void): () => void;
  };
}

export interface AgentConfigurationModuleContext {
  /** kas's parsed settings, this module's contribution included (settings.ts). */
  config: object;
  agentServer: AgentServer;
  services: AgentConfigurationServices;
}

export interface AgentConfigurationModuleOptions {
  /** agent_registrar's connected pods, called at start. */
  pods?: () => ConnectedAgents;
}

export function createAgentConfigurationKasModule(options: AgentConfigurationModuleOptions = {}) {
  let server: AgentConfigurationServer | null = null;
  const stops: Array<() => void> = [];
  return {
    name: 'agent_configuration' as const,
    settings: agentConfigurationSettings,
    async start(ctx: AgentConfigurationModuleContext): Promise<void> {
      const { services } = ctx;
      const source = new NotifyingConfigSource(async (agentId) => {
        const live = await services.agentConfigs.live(agentId);
        return live ? { version: String(live.version), yaml: live.yaml, config: live.config } : null;
      });
      stops.push(services.agentConfigs.onChanged(({ agentId }) => source.notifyConfigChanged(agentId)));
      server = installAgentConfiguration(ctx.agentServer, {
        source,
        pods: options.pods?.(),
        maxStreamsPerPod: settingValues(agentConfigurationSettings, ctx.config).agentConfigStreamsPerPod,
      });
    },
    async stop(): Promise<void> {
      for (const stop of stops.splice(0)) stop();
      server?.stop();
    },
  };
}
