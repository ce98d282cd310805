// The AgentDialer kas modules use once replicas share a tunnel tracker: this replica's own tunnels when it holds
// some of the agent's; otherwise a race between a local tunnel appearing and the replicas the tracker names — each
// is sent Start, the first to answer Ready gets the call, the others are cancelled. The tracker is asked again
// while the budget lasts (agents reconnect to other replicas after one stops). After the budget (20 s) the error is
// AgentNotConnectedError, now true for every replica; a refusal that holds everywhere (the stream limit, a method no
// pod serves) is reported as that.
import { Refused_Reason } from '@mooring/proto/gen/mooring/kas_routing/rpc/rpc';
import {
  type AgentDialer,
  AgentMethodNotServedError,
  AgentNotConnectedError,
  AgentStreamLimitError,
  type OpenCallOptions,
  type OutgoingCall,
  type StreamCounts,
} from '../../reverse_tunnel/shared/tunnel-api';
import { RouteAttempt, RouteRefusedError } from './route-attempt';
import type { PeerClients } from './peer-clients';

export interface RoutingDialerOptions {
  /** This replica's own dialer. */
  local: AgentDialer;
  /** Private API addresses of the other replicas holding tunnels of the agent (the tunnel tracker). */
  peersOf: (agentId: number) => Promise<string[]>;
  clients: PeerClients;
  /** A private API JWT for the next call. */
  jwt: () => string;
  /** The whole budget of a call's wait for a tunnel, local or routed (20 s). */
  routingTimeoutMs: number;
  /** How often the tracker is asked again while waiting. */
  peerPollMs?: number;
  lastSeen?: (agentId: number) => Promise<Date | null>;
  /** Told how each routed attempt ended. */
  onAttempt?: (outcome: 'won' | 'refused' | 'failed' | 'cancelled') => void;
}

/** A gateway asks this many replicas at most at once for one call (a tracker listing more is stale or huge). */
export const MAX_ROUTE_ATTEMPTS = 8;

export function createRoutingDialer(o: RoutingDialerOptions): AgentDialer {
  return {
    streamCounts: (agentId) => o.local.streamCounts(agentId),
    async openCall(agentId: number, fullMethod: string, opts: OpenCallOptions): Promise<OutgoingCall> {
      const counts: StreamCounts = o.local.streamCounts(agentId);
      // Holding tunnels of the agent: serve it here (the local dialer says limit or unimplemented itself).
      if (counts.idle + counts.active > 0) return o.local.openCall(agentId, fullMethod, opts);
      return race(o, agentId, fullMethod, opts);
    },
  };
}

async function race(
  o: RoutingDialerOptions,
  agentId: number,
  fullMethod: string,
  opts: OpenCallOptions,
): Promise<OutgoingCall> {
  const budgetMs = opts.timeoutMs ?? o.routingTimeoutMs;
  const deadline = performance.now() + budgetMs;
  const remaining = () => Math.max(0, deadline - performance.now());
  opts.signal.throwIfAborted();

  return new Promise<OutgoingCall>((resolve, reject) => {
    let done = false;
    const localWait = new AbortController();
    const attempts = new Map<string, RouteAttempt>();
    const refusals: RouteRefusedError[] = [];
    let pollTimer: NodeJS.Timeout | undefined;

    const finish = (outcome: { call: OutgoingCall; winner?: RouteAttempt } | { error: unknown }) => {
      if (done) {
        if ('call' in outcome && !outcome.winner) outcome.call.cancel('another replica took the call');
        return;
      }
      done = true;
      clearTimeout(pollTimer);
      clearTimeout(deadlineTimer);
      opts.signal.removeEventListener('abort', onAbort);
      for (const attempt of attempts.values()) {
        if ('call' in outcome && attempt === outcome.winner) continue;
        attempt.cancel('another replica took the call');
        o.onAttempt?.('cancelled');
      }
      if (!('call' in outcome && !outcome.winner)) localWait.abort('a routed call won');
      if ('call' in outcome) resolve(outcome.call);
      else reject(outcome.error);
    };

    const onAbort = () => finish({ error: opts.signal.reason ?? new Error('aborted') });
    opts.signal.addEventListener('abort', onAbort, { once: true });

    // A tunnel of the agent may appear here meanwhile (it reconnected to this replica).
    o.local
      .openCall(agentId, fullMethod, {
        ...opts,
        signal: AbortSignal.any([opts.signal, localWait.signal]),
        timeoutMs: budgetMs,
      })
      .then(
        (call) => finish({ call }),
        (error: unknown) => {
          if (error instanceof AgentNotConnectedError || localWait.signal.aborted) return;
          finish({ error });
        },
      );

    const ask = async () => {
      if (done) return;
      let peers: string[] = [];
      try {
        peers = await o.peersOf(agentId);
      } catch {
        // The tracker is unreachable: keep waiting for a local tunnel; the next poll asks again.
      }
      for (const address of peers.slice(0, MAX_ROUTE_ATTEMPTS)) {
        if (done || attempts.has(address) || attempts.size >= MAX_ROUTE_ATTEMPTS) continue;
        const attempt = new RouteAttempt({
          client: o.clients.get(address),
          address,
          jwt: o.jwt(),
          agentId,
          fullMethod,
          meta: opts.meta,
          waitMs: Math.round(remaining()),
        });
        attempts.set(address, attempt);
        attempt.ready.then(
          () => {
            o.onAttempt?.('won');
            finish({ call: attempt.attach(opts.signal), winner: attempt });
          },
          (error: unknown) => {
            if (done) return;
            if (error instanceof RouteRefusedError) {
              o.onAttempt?.('refused');
              refusals.push(error);
            } else o.onAttempt?.('failed');
            // Asked again at the next poll, when it may hold a tunnel by then.
            attempts.delete(address);
          },
        );
      }
      if (!done) pollTimer = setTimeout(() => void ask(), Math.min(o.peerPollMs ?? 1000, remaining()));
    };
    void ask();

    const deadlineTimer: NodeJS.Timeout = setTimeout(() => {
      void (async () => {
        const definitive = refusals.find((r) => r.refused.reason === Refused_Reason.STREAM_LIMIT);
        const unserved = refusals.find((r) => r.refused.reason === Refused_Reason.METHOD_NOT_SERVED);
        if (definitive)
          return finish({ error: new AgentStreamLimitError(agentId, definitive.refused.limit) });
        if (unserved) return finish({ error: new AgentMethodNotServedError(agentId, fullMethod) });
        let lastSeen: Date | null = null;
        try {
          lastSeen = (await o.lastSeen?.(agentId)) ?? null;
        } catch {
          // the error still says "never" or the time
        }
        finish({ error: new AgentNotConnectedError(agentId, lastSeen, budgetMs) });
      })();
    }, budgetMs);
  });
}
