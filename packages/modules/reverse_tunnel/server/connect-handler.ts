// ReverseTunnel.Connect on kas: authenticate, check the agent's stream limit, read the Descriptor, register the tunnel.
import { Metadata, status } from '@grpc/grpc-js';
import type { ConnectRequest } from '@mooring/proto/gen/mooring/reverse_tunnel/rpc/rpc';
import type { Logger } from 'pino';
import { AgentCallError, type AgentIdentity, REVOKED_MESSAGE } from '../../modserver/index';
import type { ConnectionAges } from './connection-ages';
import type { AgentApiMetrics } from './metrics';
import type { TunnelRegistry } from './registry';
import { type ConnectStream, ServerTunnel } from './server-tunnel';

export interface ConnectHandlerDeps {
  registry: TunnelRegistry<ServerTunnel>;
  /** The shared agent server's token check. */
  authenticate: (call: { metadata: Metadata }) => Promise<AgentIdentity>;
  metrics: AgentApiMetrics;
  logger: Logger;
  /**
   * An idle tunnel is ended cleanly once its connection is this old, so agentk re-opens it on a fresh connection
   * after the GOAWAY.
   */
  idleTunnelMaxAgeMs: number;
  connectionAges: ConnectionAges;
  descriptorTimeoutMs?: number;
  /** A token revoked while its Connect was being set up must not register a tunnel. */
  isRevoked: (tokenId: number) => boolean;
  /** kas is shutting down: refuse new tunnels (agentk dials another replica or retries). */
  isStopping?: () => boolean;
}

export function createConnectHandler(deps: ConnectHandlerDeps): (stream: ConnectStream) => void {
  return (stream) => {
    void handleConnect(stream, deps).catch((error: unknown) => {
      deps.logger.error({ err: error }, 'tunnel Connect handler failed');
      stream.emit('error', {
        code: status.INTERNAL,
        details: 'kas failed to set up the tunnel; agentk will retry',
      });
    });
  };
}

async function handleConnect(stream: ConnectStream, deps: ConnectHandlerDeps): Promise<void> {
  const { registry, metrics } = deps;
  // Swallow the 'error' event grpc-js emits when the client goes away before we attach the tunnel.
  stream.on('error', () => undefined);
  let identity;
  try {
    identity = await deps.authenticate(stream);
  } catch (error) {
    if (error instanceof AgentCallError) {
      if (error.code === status.UNAUTHENTICATED) metrics.connectRejected('unauthenticated');
      stream.emit('error', error.toServiceError());
      return;
    }
    throw error;
  }
  // The agent may have gone while its token was being checked: grpc-js emitted 'cancelled' before anyone listened,
  // so without this check the stream would hold a reservation (or an idle tunnel) until its timers fire.
  if (stream.cancelled) {
    metrics.connectRejected('cancelled');
    deps.logger.debug({ agent_id: identity.agentId }, 'tunnel Connect cancelled during authentication');
    return;
  }
  const { agentId, tokenId } = identity;
  if (deps.isStopping?.()) {
    const message = 'kas is shutting down; agentk reconnects to another replica or retries';
    stream.emit('error', { code: status.UNAVAILABLE, details: message, message });
    return;
  }
  if (!registry.reserve(agentId)) {
    metrics.connectRejected('limit');
    const limit = registry.limit(agentId);
    const message =
      `agent ${agentId} reached its limit of ${limit} concurrent tunnel streams (idle + active) on this kas; ` +
      `lower agentk's --max-streams or raise the per-agent stream limit`;
    stream.emit('error', { code: status.RESOURCE_EXHAUSTED, details: message, message });
    return;
  }
  let descriptor: ConnectRequest['msg'];
  try {
    descriptor = await firstFrame(stream, deps.descriptorTimeoutMs ?? 10_000);
  } catch (error) {
    registry.unreserve(agentId);
    metrics.connectRejected('protocol');
    const message = (error as Error).message;
    stream.emit('error', { code: status.INVALID_ARGUMENT, details: message, message });
    return;
  }
  if (descriptor?.$case !== 'descriptor') {
    registry.unreserve(agentId);
    metrics.connectRejected('protocol');
    const message = `the first tunnel frame must be a Descriptor, got ${descriptor?.$case ?? 'an empty frame'}`;
    stream.emit('error', { code: status.INVALID_ARGUMENT, details: message, message });
    return;
  }
  const methods: string[] = [];
  for (const service of descriptor.value.agentDescriptor?.services ?? [])
    for (const method of service.methods) methods.push(`/${service.name}/${method.name}`);
  if (deps.isRevoked(tokenId)) {
    registry.unreserve(agentId);
    metrics.connectRejected('unauthenticated');
    const message = REVOKED_MESSAGE;
    stream.emit('error', { code: status.UNAUTHENTICATED, details: message, message });
    return;
  }
  const tunnel = new ServerTunnel(
    stream,
    agentId,
    tokenId,
    descriptor.value.podId,
    methods,
    descriptor.value.reusable,
    descriptor.value.batches,
  );
  // Headers tell agentk that kas accepted the tunnel (its backoff resets on that).
  stream.sendMetadata(new Metadata());
  const connection = deps.connectionAges.track(stream.getPeer());
  const idleUntil = Math.max(Date.now() + 1_000, connection.bornAt + deps.idleTunnelMaxAgeMs);
  const idleForMs = idleUntil - Date.now();
  // A reusable stream whose call ended: idle again unless kas stops, the token was revoked or the connection is
  // past the age at which idle tunnels end (agentk re-opens on a fresh connection after the GOAWAY).
  tunnel.onIdleAgain = (t) => {
    if (deps.isRevoked(tokenId)) {
      registry.unregister(t);
      t.fail(status.UNAUTHENTICATED, REVOKED_MESSAGE);
    } else if (deps.isStopping?.() || Date.now() >= idleUntil || !registry.release(t)) {
      registry.unregister(t);
      t.close('idle tunnel reached its maximum age or kas is stopping');
    }
  };
  registry.register(tunnel);
  const idleTimer = setTimeout(() => {
    if (tunnel.state === 'idle') {
      registry.unregister(tunnel);
      tunnel.close('idle tunnel reached its maximum age');
    }
  }, idleForMs);
  idleTimer.unref();
  tunnel.onDone(() => {
    clearTimeout(idleTimer);
    connection.release();
    registry.unregister(tunnel);
  });
}

function firstFrame(stream: ConnectStream, timeoutMs: number): Promise<ConnectRequest['msg']> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      clearTimeout(timer);
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('cancelled', onEnd);
    };
    const onData = (frame: ConnectRequest) => {
      cleanup();
      stream.pause();
      resolve(frame.msg);
    };
    const onEnd = () => {
      cleanup();
      reject(new Error('agentk closed the tunnel before sending its Descriptor'));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`agentk sent no Descriptor within ${timeoutMs} ms of opening the tunnel`));
    }, timeoutMs);
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('cancelled', onEnd);
  });
}
