// agent_configuration as an agentk module: keeps the GetConfiguration stream open and hands every configuration kas
// sends to agentk, which fans it out to every module (ctx.configurationReceived → AgentModule.onConfiguration).
import { AgentConfigurationClient } from '@mooring/proto/gen/mooring/agent_configuration/rpc/rpc';
import type { KubernetesVersion } from '@mooring/proto/gen/mooring/rpc/rpc';
import type { AgentModule } from '../../modagent/index';
import { type ConfigWatcher, type ReceivedConfig, startConfigWatcher } from './config-watcher';

export interface AgentConfigurationAgentModuleOptions {
  /** The cluster's version as last read (agent_registrar), sent with the stream's pod meta. */
  kubernetesVersion?: () => KubernetesVersion | undefined;
}

export interface AgentConfigurationAgentModule extends AgentModule {
  readonly name: 'agent_configuration';
  /** The configuration kas last sent, or null. */
  current(): ReceivedConfig | null;
}

export function createAgentConfigurationAgentModule(
  options: AgentConfigurationAgentModuleOptions = {},
): AgentConfigurationAgentModule {
  let watcher: ConfigWatcher | null = null;
  return {
    name: 'agent_configuration',
    current: () => watcher?.current() ?? null,
    async start(ctx) {
      const { podId, ...meta } = ctx.pod;
      watcher = startConfigWatcher({
        client: new AgentConfigurationClient(ctx.kas.target, ctx.kas.credentials, ctx.kas.clientOptions),
        metadata: () => ctx.kas.metadata(),
        meta: () => ({ ...meta, kubernetesVersion: options.kubernetesVersion?.() }),
        podId,
        logger: ctx.logger,
        onConfig: (received) => ctx.configurationReceived(received),
        failures: ctx.kas.failures,
      });
    },
    async stop() {
      watcher?.stop();
    },
  };
}
