// A TEST DOUBLE of the reverse tunnel's AgentDialer for the hub's unit tests: calls stay in memory and the test
// plays agentk (sends messages, ends or breaks the call). Integration tests use the real tunnel and real agentk.
import { AsyncQueue } from '../../../shared/async-queue';
import { GrpcStatus } from '../../../shared/grpc-status';
import {
  AgentNotConnectedError,
  TunnelCallError,
  type AgentDialer,
  type OpenCallOptions,
  type OutgoingCall,
  type StreamCounts,
  type TunnelMeta,
} from '../../../reverse_tunnel/shared/tunnel-api';
import {
  decodeWatchMessage,
  encodeWatchMessage,
  watchRequestSchema,
  type WatchMessage,
  type WatchRequest,
} from '../../shared/watch-api';

export class WatchCallTestDouble implements OutgoingCall {
  readonly sent: Uint8Array[] = [];
  halfClosed = false;
  cancelled: string | null = null;
  readonly header: Promise<TunnelMeta> = Promise.resolve({});
  readonly trailer: Promise<TunnelMeta> = Promise.resolve({});
  private readonly queue = new AsyncQueue<Uint8Array>(Number.MAX_SAFE_INTEGER);
  readonly messages: AsyncIterable<Uint8Array> = this.queue;

  constructor(
    readonly agentId: number,
    readonly method: string,
  ) {}

  /** The watch request kas sent. */
  get request(): WatchRequest {
    return decodeWatchMessage(watchRequestSchema, this.sent[0]!);
  }

  sendMessage(data: Uint8Array): void {
    this.sent.push(data);
  }
  closeSend(): void {
    this.halfClosed = true;
  }
  cancel(reason?: string): void {
    if (this.cancelled !== null) return;
    this.cancelled = reason ?? 'cancelled';
    this.queue.fail(new TunnelCallError({ code: GrpcStatus.CANCELLED, message: this.cancelled }));
  }

  /** agentk answers. */
  reply(message: WatchMessage): void {
    this.queue.push(encodeWatchMessage(message));
  }
  replyBytes(bytes: Uint8Array): void {
    this.queue.push(bytes);
  }
  /** agentk finished the call (its pod is going away). */
  end(): void {
    this.queue.end();
  }
  /** The tunnel broke under the call. */
  break(message = 'the tunnel stream closed'): void {
    this.queue.fail(new TunnelCallError({ code: GrpcStatus.UNAVAILABLE, message }));
  }
  /** agentk's handler failed the call (an Error frame). */
  fail(code: number, message: string): void {
    this.queue.fail(new TunnelCallError({ code, message }));
  }
}

export class AgentDialerTestDouble implements AgentDialer {
  /** Agents that have a tunnel; openCall of any other fails at once as the real dialer does after its wait. */
  readonly connected = new Set<number>();
  readonly calls: WatchCallTestDouble[] = [];
  attempts = 0;

  constructor(connected: number[] = []) {
    for (const agentId of connected) this.connected.add(agentId);
  }

  async openCall(agentId: number, fullMethod: string, opts: OpenCallOptions): Promise<OutgoingCall> {
    this.attempts++;
    if (opts.signal.aborted) throw new DOMException('aborted', 'AbortError');
    if (!this.connected.has(agentId))
      throw new AgentNotConnectedError(agentId, null, opts.timeoutMs ?? 20_000);
    const call = new WatchCallTestDouble(agentId, fullMethod);
    opts.signal.addEventListener('abort', () => call.cancel('aborted'), { once: true });
    this.calls.push(call);
    return call;
  }

  /** A connected agent has idle tunnels, as agentk keeps some open. */
  streamCounts(agentId: number): StreamCounts {
    const active = this.calls.filter((c) => c.agentId === agentId && c.cancelled === null).length;
    return { idle: this.connected.has(agentId) ? 2 : 0, active, limit: 500 };
  }

  /** Calls kas has not cancelled. */
  get open(): WatchCallTestDouble[] {
    return this.calls.filter((c) => c.cancelled === null);
  }
}
