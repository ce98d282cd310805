// The router's half of KasRouting.RouteCall: check the caller's private API JWT, read Start, take one of the agent's
// tunnels on this replica (its own dialer: a routed call is never routed on), answer Ready or Refused, then pipe the
// call both ways with backpressure. Cancelling the gRPC stream cancels the tunnel call and the other way round.
import { type Metadata, type ServerDuplexStream, status } from '@grpc/grpc-js';
import {
  type RouteRequest,
  type RouteResponse,
  Refused_Reason,
} from '@mooring/proto/gen/mooring/kas_routing/rpc/rpc';
import type { Logger } from 'pino';
import { JwtRejectedError } from '../../shared/compact-jwt';
import { metaFromProto, metaToProto, asBuffer } from '../../reverse_tunnel/shared/meta';
import {
  AgentMethodNotServedError,
  AgentNotConnectedError,
  AgentStreamLimitError,
  type OutgoingCall,
  type ReservedTunnel,
  TunnelCallError,
  type TunnelDialer,
} from '../../reverse_tunnel/shared/tunnel-api';
import { AsyncQueue } from '../../shared/async-queue';

export type RouteStream = ServerDuplexStream<RouteRequest, RouteResponse>;

export interface RouterDeps {
  /** This replica's own dialer (its tunnels only); the tunnel dialer, which can reserve a tunnel. */
  dialer: TunnelDialer;
  verifyJwt: (token: string) => void;
  logger: Logger;
  /** The longest a router waits for a tunnel, whatever Start asks (the gateway's budget is 20 s). */
  maxWaitMs: number;
  /** How long Start may take to arrive after the stream opened. */
  startTimeoutMs?: number;
  onRouted?: (outcome: 'ready' | 'refused' | 'unauthenticated' | 'bad_request') => void;
}

const fail = (stream: RouteStream, code: status, message: string): void => {
  stream.emit('error', { code, details: message, message });
};

function bearer(metadata: Metadata): string | null {
  const value = metadata.get('authorization')[0];
  if (typeof value !== 'string' || !value.startsWith('Bearer ')) return null;
  return value.slice('Bearer '.length);
}

export function createRouterHandler(deps: RouterDeps): (stream: RouteStream) => void {
  return (stream) => {
    // grpc-js emits 'error' when the gateway goes away; the call's own handlers deal with it.
    stream.on('error', () => undefined);
    void route(stream, deps).catch((error: unknown) => {
      deps.logger.error({ err: error }, 'routing a call failed');
      fail(
        stream,
        status.INTERNAL,
        'the kas replica holding the tunnel failed to route the call; see its log',
      );
    });
  };
}

async function route(stream: RouteStream, deps: RouterDeps): Promise<void> {
  const token = bearer(stream.metadata);
  try {
    if (!token) throw new JwtRejectedError('no Bearer JWT in the authorization metadata');
    deps.verifyJwt(token);
  } catch (error) {
    deps.onRouted?.('unauthenticated');
    const why = error instanceof JwtRejectedError ? error.message : 'the JWT could not be checked';
    deps.logger.warn({ reason: why, peer: stream.getPeer() }, 'private API call refused');
    return fail(stream, status.UNAUTHENTICATED, `private API: ${why}`);
  }

  const requests = new AsyncQueue<RouteRequest>(64);
  stream.on('data', (r: RouteRequest) => {
    requests.push(r);
    if (requests.size >= 64) stream.pause();
  });
  requests.onDrain = () => {
    if (requests.size < 32) stream.resume();
  };
  stream.on('end', () => requests.end());
  const cancelled = new AbortController();
  stream.on('cancelled', () => {
    cancelled.abort('the gateway cancelled the routed call');
    requests.end();
  });

  const iterator = requests[Symbol.asyncIterator]();
  const startTimer = setTimeout(
    () => cancelled.abort('no Start within the start timeout'),
    deps.startTimeoutMs ?? 10_000,
  );
  const abortStartWait = new Promise<IteratorResult<RouteRequest>>((resolve) =>
    cancelled.signal.addEventListener('abort', () => resolve({ done: true, value: undefined }), {
      once: true,
    }),
  );
  const first = await Promise.race([iterator.next(), abortStartWait]);
  clearTimeout(startTimer);
  if (first.done || first.value.msg?.$case !== 'start') {
    deps.onRouted?.('bad_request');
    return fail(stream, status.INVALID_ARGUMENT, 'private API: a RouteCall must begin with Start');
  }
  const start = first.value.msg.value;
  const waitMs = Math.max(0, Math.min(start.waitMs || deps.maxWaitMs, deps.maxWaitMs));

  let reserved: ReservedTunnel;
  try {
    reserved = await deps.dialer.reserve(start.agentId, start.methodName, {
      signal: cancelled.signal,
      meta: metaFromProto(start.meta),
      timeoutMs: waitMs,
    });
  } catch (error) {
    if (cancelled.signal.aborted) return;
    const refused = refusalOf(error);
    if (!refused) throw error;
    deps.onRouted?.('refused');
    stream.write({ msg: { $case: 'refused', value: refused } });
    stream.end();
    return;
  }
  deps.onRouted?.('ready');
  stream.write({ msg: { $case: 'ready', value: {} } });
  // Held until the gateway chooses this replica (Go) or another one (it cancels): then it goes back unused.
  const go = await iterator.next();
  if (go.done || go.value.msg?.$case !== 'go') {
    reserved.release();
    if (!go.done && !cancelled.signal.aborted)
      fail(stream, status.INVALID_ARGUMENT, 'private API: after Ready the gateway sends Go');
    return;
  }
  const call: OutgoingCall = reserved.start();

  // Gateway → agent: the request's messages, then CloseSend.
  const upstream = (async () => {
    for (;;) {
      const next = await iterator.next();
      if (next.done) {
        // The gateway half-closed (or went away): no more request messages.
        call.closeSend();
        return;
      }
      const msg = next.value.msg;
      if (msg?.$case === 'message') {
        call.sendMessage(msg.value.data);
        await call.drain?.();
      } else if (msg?.$case === 'closeSend') {
        call.closeSend();
      }
    }
  })();
  upstream.catch(() => undefined);

  // Agent → gateway: Header, Message*, Trailer, or Error. The Header is optional (agentk sends one only when the
  // handler sets metadata; the Kubernetes API handler never does) and the call's `header` settles only with it or
  // with the Trailer: messages must not wait for it, or a response that never ends (a watch) never gets through.
  // It is forwarded as soon as it settles, which is before the messages agentk sent after it.
  let headerWritten = false;
  call.header.then(
    (meta) => {
      if (headerWritten || cancelled.signal.aborted) return;
      headerWritten = true;
      stream.write({ msg: { $case: 'header', value: { meta: metaToProto(meta) } } });
    },
    () => undefined,
  );
  try {
    for await (const data of call.messages) {
      if (!stream.write({ msg: { $case: 'message', value: { data: asBuffer(data) } } })) {
        await new Promise<void>((resolve) => {
          const done = () => {
            stream.off('drain', done);
            stream.off('cancelled', done);
            resolve();
          };
          stream.on('drain', done);
          stream.on('cancelled', done);
        });
      }
      if (cancelled.signal.aborted) return;
    }
    const trailer = await call.trailer;
    stream.write({ msg: { $case: 'trailer', value: { meta: metaToProto(trailer), last: false } } });
    stream.end();
  } catch (error) {
    if (cancelled.signal.aborted) return;
    const s =
      error instanceof TunnelCallError
        ? error.status
        : { code: status.UNKNOWN, message: error instanceof Error ? error.message : String(error) };
    stream.write({
      msg: { $case: 'error', value: { status: { code: s.code, message: s.message, details: [] } } },
    });
    stream.end();
  }
}

function refusalOf(error: unknown) {
  if (error instanceof AgentNotConnectedError)
    return { reason: Refused_Reason.NOT_CONNECTED, limit: 0, message: error.message };
  if (error instanceof AgentStreamLimitError)
    return { reason: Refused_Reason.STREAM_LIMIT, limit: error.limit, message: error.message };
  if (error instanceof AgentMethodNotServedError)
    return { reason: Refused_Reason.METHOD_NOT_SERVED, limit: 0, message: error.message };
  return null;
}
