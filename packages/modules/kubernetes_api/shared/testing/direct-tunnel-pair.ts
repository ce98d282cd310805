// FAKE for unit tests only: connects an OutgoingCall (kas side) straight to a TunnelHandler (agent side) in memory,
// standing in for the real reverse tunnel so the proxy bridge and the agent handler can be tested without gRPC.
import {
  AgentNotConnectedError,
  TunnelCallError,
  type AgentDialer,
  type IncomingCall,
  type OpenCallOptions,
  type OutgoingCall,
  type TunnelHandler,
  type TunnelMeta,
  type TunnelStatus,
} from '../../../reverse_tunnel/shared/tunnel-api';
import { AsyncQueue } from '../../../shared/async-queue';
import { GrpcStatus } from '../../../shared/grpc-status';

export interface DirectTunnelPair {
  outgoing: OutgoingCall;
  /** Settles when the handler returns. */
  handled: Promise<void>;
}

export function directTunnelPairForTests(
  handler: TunnelHandler,
  method: string,
  meta: TunnelMeta = {},
): DirectTunnelPair {
  const requests = new AsyncQueue<Uint8Array>();
  const responses = new AsyncQueue<Uint8Array>(8);
  const abort = new AbortController();
  let resolveHeader!: (m: TunnelMeta) => void;
  let resolveTrailer!: (m: TunnelMeta) => void;
  let rejectTrailer!: (e: unknown) => void;
  const header = new Promise<TunnelMeta>((r) => (resolveHeader = r));
  const trailer = new Promise<TunnelMeta>((res, rej) => {
    resolveTrailer = res;
    rejectTrailer = rej;
  });
  trailer.catch(() => undefined);
  let done = false;
  const finishWith = (status?: TunnelStatus, trailerMeta: TunnelMeta = {}) => {
    if (done) return;
    done = true;
    resolveHeader({});
    if (status) {
      const error = new TunnelCallError(status);
      responses.fail(error);
      rejectTrailer(error);
    } else {
      responses.end();
      resolveTrailer(trailerMeta);
    }
  };

  const incoming: IncomingCall = {
    method,
    meta,
    messages: requests,
    signal: abort.signal,
    sendHeader: (m) => resolveHeader(m),
    sendMessage: async (data) => {
      if (done || abort.signal.aborted) throw new Error('call is finished');
      await responses.pushWithBackpressure(data);
    },
    finish: (t) => finishWith(undefined, t),
    fail: (s) => finishWith(s),
  };

  const outgoing: OutgoingCall = {
    sendMessage: (data) => requests.push(data),
    closeSend: () => requests.end(),
    header,
    messages: responses,
    trailer,
    cancel: (reason) => {
      abort.abort(new Error(reason ?? 'cancelled by kas'));
      requests.end();
      finishWith({ code: GrpcStatus.CANCELLED, message: reason ?? 'cancelled' });
    },
  };

  const handled = handler(incoming).then(
    () => finishWith(),
    (error: unknown) => finishWith({ code: GrpcStatus.INTERNAL, message: String(error) }),
  );
  return { outgoing, handled };
}

/** FAKE AgentDialer for unit tests: every call goes straight to `handler`; agents not in `connected` are not connected. */
export function directDialerForTests(handler: TunnelHandler, connected: ReadonlySet<number>): AgentDialer {
  return {
    async openCall(agentId: number, fullMethod: string, opts: OpenCallOptions) {
      if (!connected.has(agentId)) {
        const waited = Math.min(opts.timeoutMs ?? 20_000, 50);
        await new Promise((r) => setTimeout(r, waited));
        throw new AgentNotConnectedError(agentId, null, waited);
      }
      const { outgoing } = directTunnelPairForTests(handler, fullMethod, opts.meta);
      opts.signal.addEventListener('abort', () => outgoing.cancel('client went away'), { once: true });
      return outgoing;
    },
    streamCounts: () => ({ idle: 0, active: 0, limit: 500 }),
  };
}
