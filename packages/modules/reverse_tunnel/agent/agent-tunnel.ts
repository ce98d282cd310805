// One Connect stream on agentk: Descriptor (reusable), wait for RequestInfo, serve that call with its handler, then
// wait for the next one (a kas that predates reusable streams ends the stream after the call instead). After its
// Trailer the stream ignores kas's frames until kas's CloseSend for that call, which marks where the next call
// starts. While a call runs, close() (a pool shrink) does not touch the stream: only kas can cancel the call.
// Outside a call close() does not cut the stream either: kas may have just sent a RequestInfo on it. It sends
// Release and lets kas end the stream; a call that crossed the Release is served as the stream's last.
import { type ClientDuplexStream, type Metadata, type ServiceError, status } from '@grpc/grpc-js';
import type {
  ConnectRequest,
  ConnectResponse,
  ReverseTunnelClient,
} from '@mooring/proto/gen/mooring/reverse_tunnel/rpc/rpc';
import type { Logger } from 'pino';
import { AsyncQueue } from '../../shared/async-queue';
import { FrameBatcher } from '../shared/frame-batcher';
import { asBuffer, metaFromProto, metaToProto } from '../shared/meta';
import type { IncomingCall, TunnelMeta, TunnelStatus } from '../shared/tunnel-api';
import type { TunnelHandlerRegistry } from './handler-registry';
import { listenForErrors } from '../../shared/streams';

export type TunnelEnd =
  /** agentk closed it while idle (pool shrink or shutdown). */
  | { kind: 'closed' }
  /** kas ended it without a call ("nothing to do", e.g. idle max age): re-open at once. */
  | { kind: 'released' }
  /** It carried one call (whatever the call's outcome). */
  | { kind: 'served' }
  /** It failed before carrying a call: back off. */
  | { kind: 'failed'; error: ServiceError };

export interface TunnelEvents {
  /** kas accepted the tunnel (authenticated, under the limit, registered). */
  accepted(): void;
  /** RequestInfo arrived: the tunnel is now busy. */
  activated(): void;
  /** The call ended with a Trailer and the stream waits for the next one. */
  idleAgain(): void;
  /** Asked as a call ends: false when the pool takes no further call on the stream (it is stopping). */
  keepsStream(): boolean;
  ended(end: TunnelEnd): void;
}

export interface AgentTunnelDeps {
  client: ReverseTunnelClient;
  metadata: () => Metadata;
  handlers: TunnelHandlerRegistry;
  podId: number;
  events: TunnelEvents;
  logger: Logger;
}

const BUFFERED_MESSAGES = 16;
/** How long a released idle tunnel waits for kas to end it before agentk cuts it. */
const RELEASE_ANSWER_MS = 10_000;

export class AgentTunnel {
  /** `draining`: the call sent its Trailer; kas's frames of that call are ignored until its CloseSend. */
  state: 'connecting' | 'idle' | 'active' | 'draining' | 'done' = 'connecting';
  /** The current call's CloseSend arrived. */
  private closeSendSeen = false;
  private readonly stream: ClientDuplexStream<ConnectRequest, ConnectResponse>;
  /** Frames of one go leave as one gRPC message when kas reads batches (RequestInfo.batches). */
  private readonly out: FrameBatcher<ConnectRequest>;
  private closedByUs = false;
  /** Cuts a released stream whose kas never ends it (a kas that does not know Release, or a hung one). */
  private releaseTimer: NodeJS.Timeout | null = null;
  private call: TunnelIncomingCall | null = null;

  constructor(private readonly deps: AgentTunnelDeps) {
    const metadata = deps.metadata();
    // Wait for kas instead of failing fast while it is unreachable; grpc-js reconnects with its own backoff.
    metadata.setOptions({ waitForReady: true });
    this.stream = deps.client.connect(metadata);
    this.out = new FrameBatcher<ConnectRequest>(
      this.stream,
      (frames) => ({ msg: { $case: 'batch', value: { frames } } }),
      (frame) => (frame.msg?.$case === 'message' ? frame.msg.value.data.length : 0),
    );
    this.stream.on('metadata', () => {
      if (this.state === 'connecting') {
        this.state = 'idle';
        deps.events.accepted();
      }
    });
    this.stream.on('data', (frame: ConnectResponse) => this.onFrame(frame));
    listenForErrors(this.stream); // the outcome is read from 'status'
    this.stream.on('status', (s: { code: status; details: string }) => this.onStatus(s));
    this.stream.write({
      msg: {
        $case: 'descriptor',
        value: {
          agentDescriptor: deps.handlers.descriptor(),
          podId: deps.podId,
          reusable: true,
          batches: true,
        },
      },
    });
  }

  /**
   * Asks kas to end the tunnel if it carries no call; returns false (and does nothing) once a call has started or
   * the tunnel was already released. The tunnel ends when kas answers, or after `RELEASE_ANSWER_MS` without one.
   */
  close(): boolean {
    if (this.state === 'active' || this.state === 'draining' || this.state === 'done') return false;
    if (this.closedByUs) return false;
    this.closedByUs = true;
    this.out.write({ msg: { $case: 'release', value: {} } });
    this.releaseTimer = setTimeout(() => {
      if (this.state === 'idle' || this.state === 'connecting') this.stream.cancel();
    }, RELEASE_ANSWER_MS);
    this.releaseTimer.unref?.();
    return true;
  }

  private onFrame(frame: ConnectResponse): void {
    if (frame.msg?.$case === 'batch') for (const one of frame.msg.value.frames) this.onOneFrame(one);
    else this.onOneFrame(frame);
  }

  private onOneFrame(frame: ConnectResponse): void {
    const msg = frame.msg;
    if (this.state === 'draining') {
      if (msg?.$case === 'closeSend') this.becomeIdle();
      return;
    }
    if (this.call) {
      if (msg?.$case === 'closeSend') this.closeSendSeen = true;
      this.call.onFrame(frame);
      return;
    }
    if (msg?.$case !== 'requestInfo') {
      this.deps.logger.warn(
        { frame: msg?.$case },
        'kas sent a frame before RequestInfo; ignoring the tunnel',
      );
      this.sendError({ code: status.INVALID_ARGUMENT, message: `expected RequestInfo, got ${msg?.$case}` });
      return;
    }
    if (this.state === 'connecting') this.deps.events.accepted();
    this.state = 'active';
    this.deps.events.activated();
    const method = msg.value.methodName;
    const handler = this.deps.handlers.get(method);
    this.closeSendSeen = false;
    this.out.batching = msg.value.batches;
    const call = new TunnelIncomingCall(
      this.stream,
      this.out,
      method,
      metaFromProto(msg.value.meta),
      // A released stream serves only the call that crossed its Release.
      () => !this.closedByUs && this.deps.events.keepsStream(),
      () => this.onCallFinished(call),
    );
    this.call = call;
    if (!handler) {
      call.fail({ code: status.UNIMPLEMENTED, message: `agentk does not serve ${method}` });
      return;
    }
    handler(call).then(
      () => call.finish(),
      (error: unknown) => {
        this.deps.logger.warn({ err: error, method }, 'tunnel handler failed');
        call.fail({
          code: status.INTERNAL,
          message: `agentk failed to serve ${method}: ${(error as Error).message}`,
        });
      },
    );
  }

  /** The call sent its Trailer: idle again at once if kas already half-closed it, else after its CloseSend. */
  private onCallFinished(call: TunnelIncomingCall): void {
    if (this.call !== call || this.state !== 'active') return;
    if (this.closeSendSeen) this.becomeIdle();
    else this.state = 'draining';
  }

  private becomeIdle(): void {
    this.call = null;
    this.state = 'idle';
    // The finished call may have paused the stream (its request queue was full).
    this.stream.resume();
    this.deps.events.idleAgain();
  }

  private sendError(s: TunnelStatus): void {
    this.out.write({
      msg: { $case: 'error', value: { status: { code: s.code, message: s.message, details: [] } } },
    });
    this.out.end();
  }

  private onStatus(s: { code: status; details: string }): void {
    if (this.state === 'done') return;
    if (this.releaseTimer) clearTimeout(this.releaseTimer);
    this.out.close();
    const wasActive = this.state === 'active' || this.state === 'draining';
    this.state = 'done';
    if (wasActive) {
      this.call?.onStreamEnd(s);
      this.deps.events.ended({ kind: 'served' });
    } else if (this.closedByUs) {
      this.deps.events.ended({ kind: 'closed' });
    } else if (s.code === status.OK) {
      this.deps.events.ended({ kind: 'released' });
    } else {
      const error = Object.assign(new Error(s.details), { code: s.code, details: s.details }) as ServiceError;
      this.deps.events.ended({ kind: 'failed', error });
    }
  }
}

class TunnelIncomingCall implements IncomingCall {
  readonly signal: AbortSignal;
  private readonly abort = new AbortController();
  private readonly queue = new AsyncQueue<Uint8Array>();
  private finished = false;
  private paused = false;

  constructor(
    private readonly stream: ClientDuplexStream<ConnectRequest, ConnectResponse>,
    private readonly out: FrameBatcher<ConnectRequest>,
    readonly method: string,
    readonly meta: TunnelMeta,
    /** Asked as the call ends: false makes this the stream's last call (Trailer.last, then half-close). */
    private readonly keepsStream: () => boolean,
    /** Told once the Trailer of a kept stream is written: the stream may carry the next call. */
    private readonly onFinished: () => void,
  ) {
    this.signal = this.abort.signal;
    this.queue.onDrain = () => {
      if (this.paused && this.queue.size < BUFFERED_MESSAGES / 2) {
        this.paused = false;
        this.stream.resume();
      }
    };
  }

  get messages(): AsyncIterable<Uint8Array> {
    return this.queue;
  }

  sendHeader(meta: TunnelMeta): void {
    if (this.finished) return;
    this.out.write({ msg: { $case: 'header', value: { meta: metaToProto(meta) } } });
  }

  async sendMessage(data: Uint8Array): Promise<void> {
    if (this.finished || this.signal.aborted) throw new Error(`the ${this.method} call is over`);
    const ok = this.out.write({ msg: { $case: 'message', value: { data: asBuffer(data) } } });
    if (ok) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.stream.off('drain', done);
        this.signal.removeEventListener('abort', done);
        resolve();
      };
      this.stream.on('drain', done);
      this.signal.addEventListener('abort', done, { once: true });
    });
  }

  finish(trailer: TunnelMeta = {}): void {
    if (this.finished) return;
    this.finished = true;
    const last = !this.keepsStream();
    this.out.write({ msg: { $case: 'trailer', value: { meta: metaToProto(trailer), last } } });
    if (last) {
      this.out.end();
      return;
    }
    this.paused = false;
    this.onFinished();
  }

  fail(s: TunnelStatus): void {
    if (this.finished) return;
    this.finished = true;
    this.out.write({
      msg: { $case: 'error', value: { status: { code: s.code, message: s.message, details: [] } } },
    });
    this.out.end();
  }

  onFrame(frame: ConnectResponse): void {
    const msg = frame.msg;
    if (msg?.$case === 'message') {
      this.queue.push(msg.value.data);
      if (!this.paused && this.queue.size >= BUFFERED_MESSAGES) {
        this.paused = true;
        this.stream.pause();
      }
    } else if (msg?.$case === 'closeSend') {
      this.queue.end();
    }
  }

  onStreamEnd(s: { code: status; details: string }): void {
    if (!this.finished || s.code !== status.OK) {
      const reason = new Error(
        s.code === status.OK
          ? 'kas ended the tunnel before the call finished'
          : `kas ended the call: ${s.details}`,
      );
      this.queue.fail(reason);
      this.abort.abort(reason);
    } else {
      this.queue.end();
    }
    this.finished = true;
  }
}
