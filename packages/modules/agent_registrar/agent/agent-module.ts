// agent_registrar as an agentk module: the Register heartbeat, with the cluster's Kubernetes version read before
// each call (agent_configuration sends the version read last with its stream's pod meta).
import type { KubernetesVersion } from '@mooring/proto/gen/mooring/rpc/rpc';
import { AgentRegistrarClient } from '@mooring/proto/gen/mooring/agent_registrar/rpc/rpc';
import type { AgentModule } from '../../modagent/index';
import { type Registrar, startRegistrar } from './registrar';

export interface AgentRegistrarAgentModuleOptions {
  /** Reads the cluster's version (GET /version); null when there is no cluster or it cannot be reached. */
  readKubernetesVersion: () => Promise<KubernetesVersion | null>;
  /** Heartbeat period (default 5 min). */
  intervalMs?: number;
}

export interface AgentRegistrarAgentModule extends AgentModule {
  readonly name: 'agent_registrar';
  /** Resolves once kas accepted a Register call. */
  readonly registered: Promise<void>;
  isRegistered(): boolean;
  /** The version read for the last heartbeat, if any. */
  kubernetesVersion(): KubernetesVersion | undefined;
}

export function createAgentRegistrarAgentModule(
  options: AgentRegistrarAgentModuleOptions,
): AgentRegistrarAgentModule {
  let registrar: Registrar | null = null;
  let kubernetesVersion: KubernetesVersion | undefined;
  let registeredOnce = false;
  let markRegistered!: () => void;
  const registered = new Promise<void>((resolve) => (markRegistered = resolve));
  void registered.then(() => (registeredOnce = true));
  return {
    name: 'agent_registrar',
    registered,
    isRegistered: () => registeredOnce,
    kubernetesVersion: () => kubernetesVersion,
    async start(ctx) {
      const { podId, ...meta } = ctx.pod;
      registrar = startRegistrar({
        client: new AgentRegistrarClient(ctx.kas.target, ctx.kas.credentials, ctx.kas.clientOptions),
        metadata: () => ctx.kas.metadata(),
        podId,
        meta,
        kubernetesVersion: async () => {
          const version = await options.readKubernetesVersion();
          kubernetesVersion = version ?? undefined;
          return version;
        },
        logger: ctx.logger,
        failures: ctx.kas.failures,
        intervalMs: options.intervalMs,
      });
      void registrar.firstRegistration.then(markRegistered);
    },
    async stop() {
      registrar?.stop();
    },
  };
}
