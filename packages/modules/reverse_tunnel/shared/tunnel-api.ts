// The contract between the reverse tunnel and the modules that use it.
// kas side: a module asks an AgentDialer for an OutgoingCall to one agent and speaks raw gRPC messages over it.
// agent side: a module registers a TunnelHandler for a full method name; agentk hands it an IncomingCall.
// Messages are opaque bytes (already-encoded protobuf); the tunnel never decodes them.
import { GrpcStatus } from '../../shared/grpc-status';

/** gRPC-style metadata: lower-case header name → values. */
export type TunnelMeta = Record<string, string[]>;

/** A gRPC status carried by an Error frame (google.rpc.Status-like). `code` is a grpc.status number. */
export interface TunnelStatus {
  code: number;
  message: string;
}

/** One RPC that kas makes to an agent through one tunnel stream. */
export interface OutgoingCall {
  /** Queues one request message. The bytes are not copied: do not modify `data` afterwards. */
  sendMessage(data: Uint8Array): void;
  closeSend(): void;
  /**
   * Resolves when the tunnel can take more request messages (HTTP/2 flow control towards agentk). Callers that
   * stream large request bodies await it between messages; optional so in-memory test doubles need not have it.
   */
  drain?(): Promise<void>;
  readonly header: Promise<TunnelMeta>;
  /** Raw response messages; ends after the trailer; throws a TunnelCallError on an Error frame or a broken stream. */
  readonly messages: AsyncIterable<Uint8Array>;
  readonly trailer: Promise<TunnelMeta>;
  cancel(reason?: string): void;
}

export interface OpenCallOptions {
  /** Aborting it before a tunnel is found rejects openCall; after, it cancels the call. */
  signal: AbortSignal;
  /** Request metadata forwarded to the agent-side handler in RequestInfo. */
  meta?: TunnelMeta;
  /** How long to wait for an idle tunnel; default 20 s. */
  timeoutMs?: number;
}

export interface StreamCounts {
  idle: number;
  active: number;
  limit: number;
}

export interface AgentDialer {
  /**
   * An idle tunnel of agentId serving fullMethod ('/<package>.<Service>/<Method>', named by the calling module); waits up to
   * `timeoutMs` (default 20 s) then rejects with AgentNotConnectedError whose message names the agent and when it
   * was last seen. Rejects with an AbortError-like error if `signal` aborts first.
   */
  openCall(agentId: number, fullMethod: string, opts: OpenCallOptions): Promise<OutgoingCall>;
  /**
   * Like openCall, but takes the tunnel without starting the call yet: kas-to-kas routing holds one while the
   * gateway picks the replica that answered first, and gives the others back unused. Only the tunnel dialer has it.
   */
  reserve?(agentId: number, fullMethod: string, opts: OpenCallOptions): Promise<ReservedTunnel>;
  streamCounts(agentId: number): StreamCounts;
}

/** The reverse tunnel's own dialer: it can reserve. */
export type TunnelDialer = AgentDialer & Required<Pick<AgentDialer, 'reserve'>>;

/** A tunnel taken for one call: start() it (once) or release() it back to the idle tunnels. */
export interface ReservedTunnel {
  start(): OutgoingCall;
  release(): void;
}

/** Agent side: one call that arrived through a tunnel. */
export interface IncomingCall {
  readonly method: string;
  readonly meta: TunnelMeta;
  /** Raw request messages; ends when kas half-closes (CloseSend). */
  readonly messages: AsyncIterable<Uint8Array>;
  /** Aborted when kas cancels the call or the tunnel breaks (never by a pool shrink). */
  readonly signal: AbortSignal;
  sendHeader(meta: TunnelMeta): void;
  /** Resolves when the tunnel can take more (backpressure). The bytes are not copied: do not modify `data` afterwards. */
  sendMessage(data: Uint8Array): Promise<void>;
  finish(trailer?: TunnelMeta): void;
  fail(status: TunnelStatus): void;
}

export type TunnelHandler = (call: IncomingCall) => Promise<void>;

/** A call failed: the agent answered with an Error frame, or the tunnel broke. `status.code` is a grpc.status. */
export class TunnelCallError extends Error {
  override readonly name: string = 'TunnelCallError';
  constructor(readonly status: TunnelStatus) {
    super(status.message);
  }
}

/** The agent is connected, but none of its agentk pods serves the method (an older agentk, or a module turned off). */
export class AgentMethodNotServedError extends TunnelCallError {
  override readonly name: string = 'AgentMethodNotServedError';
  constructor(
    readonly agentId: number,
    readonly fullMethod: string,
  ) {
    super({
      code: GrpcStatus.UNIMPLEMENTED,
      message:
        `agent ${agentId} is connected, but none of its agentk pods serves ${fullMethod}; ` +
        `upgrade agentk to a version with that module`,
    });
  }
}

/** No tunnel of the agent appeared within the wait. Maps to gRPC DeadlineExceeded / HTTP 503 at the edges. */
export class AgentNotConnectedError extends Error {
  override readonly name = 'AgentNotConnectedError';
  constructor(
    readonly agentId: number,
    readonly lastSeen: Date | null,
    readonly waitedMs: number,
  ) {
    super(
      `agent ${agentId} has no connection to any kas replica; last seen ${describeLastSeen(lastSeen)}; ` +
        `check that agentk is running and its token is active (waited ${Math.round(waitedMs / 100) / 10} s for a tunnel)`,
    );
  }
}

/** The agent has as many open tunnel streams as its limit allows. Maps to ResourceExhausted / HTTP 429. */
export class AgentStreamLimitError extends Error {
  override readonly name = 'AgentStreamLimitError';
  constructor(
    readonly agentId: number,
    readonly limit: number,
  ) {
    super(
      `agent ${agentId} reached its limit of ${limit} concurrent tunnel streams; ` +
        `wait for running requests to finish or raise the per-agent stream limit`,
    );
  }
}

export function describeLastSeen(lastSeen: Date | null, now: Date = new Date()): string {
  if (!lastSeen) return 'never';
  const seconds = Math.max(0, Math.round((now.getTime() - lastSeen.getTime()) / 1000));
  const ago =
    seconds < 90
      ? `${seconds} s ago`
      : seconds < 5400
        ? `${Math.round(seconds / 60)} min ago`
        : `${Math.round(seconds / 3600)} h ago`;
  return `${lastSeen.toISOString()} (${ago})`;
}
