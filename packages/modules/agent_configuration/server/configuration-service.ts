// AgentConfiguration.GetConfiguration on kas: sends the live configuration, then every change, until the stream
// ends (agentk cancels, the token is revoked, or the long poll reaches its maximum age and agentk re-opens it).
import { type ServerWritableStream, status } from '@grpc/grpc-js';
import type {
  ConfigurationRequest,
  ConfigurationResponse,
} from '@mooring/proto/gen/mooring/agent_configuration/rpc/rpc';
import type { Logger } from 'pino';
import type { AgentConfigSource, LiveAgentConfig } from './config-source';

export const NO_CONFIG_VERSION = 'none';

export interface ConfigStreamHandle {
  tokenId: number;
  close(code: status, message: string): void;
}

export const CONFIG_STREAMS_PER_POD = 2;

export function createGetConfigurationHandler(deps: {
  authenticate: (
    call: ServerWritableStream<unknown, unknown>,
  ) => Promise<{ agentId: number; tokenId: number }>;
  source: AgentConfigSource;
  logger: Logger;
  /** Long-poll maximum age: the stream ends cleanly and agentk re-opens it (on a fresh connection after GOAWAY). */
  maxStreamAgeMs: number;
  /** Open streams, so kas can close those of a revoked token. */
  openStreams: Set<ConfigStreamHandle>;
  /**
   * Told when a pod opens its stream (the request carries its agent_meta), so kas knows the pod at once. Throwing
   * (an AgentCallError: bad meta, too many pods) refuses the stream with that status.
   */
  onOpened?: (agentId: number, request: ConfigurationRequest) => void;
  /** Configuration streams one pod may hold open at once (agentk opens one; default 2). */
  maxStreamsPerPod?: number;
  /** Told after a configuration version was written to a pod's stream. */
  onSent?: (agentId: number, podId: number, version: string) => void;
}) {
  const maxPerPod = deps.maxStreamsPerPod ?? CONFIG_STREAMS_PER_POD;
  /** Open streams per `${agentId}:${podId}`. */
  const perPod = new Map<string, number>();
  return (call: ServerWritableStream<ConfigurationRequest, ConfigurationResponse>) => {
    call.on('error', () => undefined);
    const refuse = (error: unknown) => {
      const e = error as { code?: number; message: string };
      call.emit('error', { code: e.code ?? status.INTERNAL, details: e.message, message: e.message });
    };
    void (async () => {
      let identity;
      try {
        identity = await deps.authenticate(call);
      } catch (error) {
        refuse(error);
        return;
      }
      const { agentId, tokenId } = identity;
      // agentk may have gone while its token was being checked: grpc-js emitted 'cancelled' before anyone
      // listened, so without this check the stream would stay open (and counted) until its maximum age.
      if (call.cancelled) {
        deps.logger.debug({ agent_id: agentId }, 'configuration stream cancelled during authentication');
        return;
      }
      const podKey = `${agentId}:${call.request.podId}`;
      const podStreams = perPod.get(podKey) ?? 0;
      if (podStreams >= maxPerPod) {
        const message =
          `pod ${call.request.podId} of agent ${agentId} already has ${podStreams} open configuration streams, ` +
          `its limit; agentk opens one: stop the duplicate agentk sharing this pod id, or raise ` +
          `MOORING_AGENT_CONFIG_STREAMS_PER_POD`;
        refuse({ code: status.RESOURCE_EXHAUSTED, message });
        return;
      }
      try {
        deps.onOpened?.(agentId, call.request);
      } catch (error) {
        refuse(error);
        return;
      }
      perPod.set(podKey, podStreams + 1);
      let sentVersion = call.request.version;
      let closed = false;
      let pending = Promise.resolve();
      const log = deps.logger.child({ agent_id: agentId, module: 'agent_configuration' });

      const send = (live: LiveAgentConfig | null) => {
        const response: ConfigurationResponse = live
          ? { version: live.version, configYaml: live.yaml, configJson: JSON.stringify(live.config ?? {}) }
          : { version: NO_CONFIG_VERSION, configYaml: '', configJson: '{}' };
        if (response.version === sentVersion) return;
        sentVersion = response.version;
        call.write(response);
        deps.onSent?.(agentId, call.request.podId, response.version);
      };
      const refresh = () => {
        pending = pending.then(async () => {
          if (closed) return;
          try {
            send(await deps.source.current(agentId));
          } catch (error) {
            log.warn({ err: error }, 'could not load the agent configuration; agentk keeps its current one');
          }
        });
      };
      const handle: ConfigStreamHandle = {
        tokenId,
        close: (code, message) => finish(code === status.OK ? null : { code, details: message, message }),
      };
      const unsubscribe = deps.source.subscribe(agentId, refresh);
      const ageTimer = setTimeout(() => finish(null), deps.maxStreamAgeMs);
      ageTimer.unref();
      const finish = (error: { code: number; details: string; message: string } | null) => {
        if (closed) return;
        closed = true;
        const left = (perPod.get(podKey) ?? 1) - 1;
        if (left > 0) perPod.set(podKey, left);
        else perPod.delete(podKey);
        unsubscribe();
        clearTimeout(ageTimer);
        deps.openStreams.delete(handle);
        if (error) call.emit('error', error);
        else call.end();
      };
      deps.openStreams.add(handle);
      call.on('cancelled', () => finish(null));
      call.on('close', () => finish(null));
      refresh();
    })();
  };
}
