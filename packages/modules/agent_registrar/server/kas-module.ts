// agent_registrar as a kas module: registers AgentRegistrar on kas's shared agent server, keeps the connected pods
// (the console's live view reads them), records them through kas's services, and keeps the stored connection rows
// honest: every minute it expires rows nobody refreshed for two heartbeat periods (a kas that died cannot say its
// pods went away), and a stopping kas marks its own pods disconnected. Typed structurally against KasModule.
import { hostname } from 'node:os';
import type { AgentServer } from '../../modserver/index';
import type { PodTunnelsListener } from '../../reverse_tunnel/server/index';
import type { ConnectedAgents } from './connected-agents';
import type { AgentConnectionRecorder } from './recorder';
import { type AgentRegistrarServer, installAgentRegistrar } from './registrar-server';
import { settingValues } from '../../shared/settings';
import { agentRegistrarSettings } from './settings';

/** agentk's Register period (agent_registrar/agent's default): a live pod refreshes its row this often. */
export const HEARTBEAT_PERIOD_MS = 5 * 60_000;
export const STALE_EXPIRY_EVERY_MS = 60_000;

/** The parts of kas's services the registrar uses (see apps/kas/src/services). */
export interface AgentRegistrarServices {
  agentConnections: {
    record(report: {
      agentId: number;
      podNamespace: string;
      podName: string;
      agentVersion?: string;
      commit?: string;
      kubernetesVersion?: string;
      kasReplica?: string;
      configVersion?: number | null;
    }): Promise<unknown>;
    markDisconnected(
      pod: { agentId: number; podNamespace: string; podName: string },
      reason?: string,
    ): Promise<void>;
    /** Marks rows not seen for `staleAfterMs` disconnected; resolves with how many. */
    expireStale(staleAfterMs: number): Promise<number>;
  };
  events?: { agentDeleted?: { subscribe(listener: (e: { agentId: number }) => void): () => void } };
}

/** The parts of kas's KasModuleContext the registrar uses. */
export interface AgentRegistrarModuleContext {
  /** kas's parsed settings, this module's contribution included (settings.ts). */
  config: { agentPort: number };
  agentServer: AgentServer;
  /** This replica's name (kas: host and agent port); computed from the agent port when unset. */
  replica?: string;
  services: AgentRegistrarServices;
}

export interface AgentRegistrarModuleOptions {
  /** The tunnel's pod counts (reverse_tunnel's onPodTunnelsChanged), called at start. */
  podTunnels?: () => (listener: PodTunnelsListener) => () => void;
  /** A pod with no tunnel for this long is marked disconnected (default 5 s). */
  disconnectAfterMs?: number;
  /** Timers for the stale-row expiry (tests inject fake ones). */
  setInterval?: (fn: () => void, ms: number) => { unref?(): unknown };
  clearInterval?: (timer: unknown) => void;
}

export interface AgentRegistrarKasModule {
  readonly name: 'agent_registrar';
  readonly settings: typeof agentRegistrarSettings;
  start(ctx: AgentRegistrarModuleContext): Promise<void>;
  stop(): Promise<void>;
  /** Connected pods (console, agent_configuration): available once start() resolved. */
  connectedAgents(): ConnectedAgents;
}

export function createAgentRegistrarKasModule(
  options: AgentRegistrarModuleOptions = {},
): AgentRegistrarKasModule {
  let registrar: AgentRegistrarServer | null = null;
  const stops: Array<() => void> = [];
  return {
    name: 'agent_registrar',
    settings: agentRegistrarSettings,
    async start(ctx) {
      const { services } = ctx;
      const logger = ctx.agentServer.logger.child({ module: 'agent_registrar' });
      const recorder: AgentConnectionRecorder = {
        async upsertConnection(c) {
          const kv = c.kubernetesVersion;
          await services.agentConnections.record({
            agentId: c.agentId,
            podNamespace: c.podNamespace,
            podName: c.podName,
            agentVersion: c.agentVersion,
            commit: c.agentCommit,
            kubernetesVersion: kv ? kv.gitVersion || `v${kv.major}.${kv.minor}` : '',
            kasReplica: c.kasReplica,
            ...(c.configVersion !== null &&
              /^\d+$/.test(c.configVersion) && { configVersion: Number(c.configVersion) }),
          });
        },
        markDisconnected: (pod, reason) =>
          services.agentConnections.markDisconnected(
            { agentId: pod.agentId, podNamespace: pod.podNamespace, podName: pod.podName },
            reason,
          ),
      };
      const running = installAgentRegistrar(ctx.agentServer, {
        recorder,
        // The replica's name as operators see it: host and agent port, or host and pid when the port is picked at start.
        kasReplica: ctx.replica ?? `${hostname()}:${ctx.config.agentPort || process.pid}`,
        disconnectAfterMs: options.disconnectAfterMs,
        maxPodsPerAgent: settingValues(agentRegistrarSettings, ctx.config).agentMaxPods,
        onPodTunnelsChanged: options.podTunnels?.(),
      });
      registrar = running;
      const setTimer = options.setInterval ?? setInterval;
      const clearTimer = options.clearInterval ?? ((t: unknown) => clearInterval(t as NodeJS.Timeout));
      const expiry = setTimer(() => {
        services.agentConnections
          .expireStale(2 * HEARTBEAT_PERIOD_MS)
          .then((expired) => {
            if (expired > 0) logger.info({ expired }, 'marked connections nobody refreshed as disconnected');
          })
          .catch((err: unknown) => logger.warn({ err }, 'expiring stale connections failed'));
      }, STALE_EXPIRY_EVERY_MS);
      expiry.unref?.();
      stops.push(() => clearTimer(expiry));
      const agentDeleted = services.events?.agentDeleted;
      if (agentDeleted)
        stops.push(
          agentDeleted.subscribe(({ agentId }) =>
            running.connectedAgents.agentDeleted(agentId, `agent ${agentId} was deleted`),
          ),
        );
    },
    async stop() {
      for (const stop of stops.splice(0)) stop();
      await registrar?.stop();
    },
    connectedAgents: () => {
      if (!registrar) throw new Error('the agent_registrar module has not started yet');
      return registrar.connectedAgents;
    },
  };
}
