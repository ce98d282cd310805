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
  /** Told when a pod opens its stream (the request carries its agent_meta), so kas knows the pod at once. */
  onOpened?: (agentId: number, request: ConfigurationRequest) => void;
  /** Told after a configuration version was written to a pod's stream. */
  onSent?: (agentId: number, podId: number, version: string) => void;
}) {
  return (call: ServerWritableStream<ConfigurationRequest, ConfigurationResponse>) => {
    call.on('error', () => undefined);
    void (async () => {
      let identity;
      try {
        identity = await deps.authenticate(call);
      } catch (error) {
        const e = error as { code?: number; message: string };
        call.emit('error', { code: e.code ?? status.INTERNAL, details: e.message, message: e.message });
        return;
      }
      const { agentId, tokenId } = identity;
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
        unsubscribe();
        clearTimeout(ageTimer);
        deps.openStreams.delete(handle);
        if (error) call.emit('error', error);
        else call.end();
      };
      deps.openStreams.add(handle);
      deps.onOpened?.(agentId, call.request);
      call.on('cancelled', () => finish(null));
      call.on('close', () => finish(null));
      refresh();
    })();
  };
}
