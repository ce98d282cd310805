// One Connect stream on kas: idle until a caller takes it, then it carries one RPC. A stream whose agentk said
// `reusable` in its Descriptor goes back to idle after a call that ended with a Trailer (opening and closing a
// stream per request cost more CPU than the request itself); otherwise, and after an Error, it ends with its call.
// States: idle → forwarding → (idle → forwarding →)* done (GitLab's ready → found/forwarding → done).
// agentk sheds a stream with Release: an idle one ends at once, one carrying a call ends after it.
import { type ServerDuplexStream, status } from '@grpc/grpc-js';
import type { ConnectRequest, ConnectResponse } from '@mooring/proto/gen/mooring/reverse_tunnel/rpc/rpc';
import { AsyncQueue } from '../../shared/async-queue';
import { FrameBatcher } from '../shared/frame-batcher';
import { asBuffer, metaFromProto, metaToProto } from '../shared/meta';
import { type OutgoingCall, TunnelCallError, type TunnelMeta } from '../shared/tunnel-api';
import type { RegistryTunnel } from './registry';

export type ConnectStream = ServerDuplexStream<ConnectRequest, ConnectResponse>;

/** Response messages buffered before kas stops reading from the agent (HTTP/2 flow control does the rest). */
const BUFFERED_MESSAGES = 16;

let nextTunnelId = 1;

export class ServerTunnel implements RegistryTunnel {
  readonly id = nextTunnelId++;
  readonly openedAt = new Date();
  state: 'idle' | 'forwarding' | 'done' = 'idle';
  private readonly methods: Set<string>;
  private readonly doneListeners = new Set<() => void>();
  private call: TunnelOutgoingCall | null = null;
  /** agentk sent Release: the stream carries no further call. */
  private released = false;
  /** Frames of one go leave as one gRPC message when agentk reads batches (Descriptor.batches). */
  private readonly out: FrameBatcher<ConnectResponse>;
  /**
   * Set by whoever registered the tunnel: told when a call ended cleanly on a reusable stream. It either puts the
   * tunnel back (registry) or ends it (kas stopping, connection too old): the tunnel is idle when it is called.
   */
  onIdleAgain: ((tunnel: ServerTunnel) => void) | null = null;

  constructor(
    readonly stream: ConnectStream,
    readonly agentId: number,
    readonly tokenId: number,
    readonly podId: number,
    methods: Iterable<string>,
    /** agentk serves further calls on this stream after a Trailer (Descriptor.reusable). */
    readonly reusable = false,
    /** agentk reads batch frames (Descriptor.batches). */
    readonly batches = false,
  ) {
    this.methods = new Set(methods);
    this.out = new FrameBatcher<ConnectResponse>(
      stream,
      (frames) => ({ msg: { $case: 'batch', value: { frames } } }),
      (frame) => (frame.msg?.$case === 'message' ? frame.msg.value.data.length : 0),
    );
    this.out.batching = batches;
    stream.on('data', (frame: ConnectRequest) => this.onFrame(frame));
    stream.on('end', () => this.onStreamEnd('agentk closed the tunnel stream'));
    stream.on('cancelled', () => this.onStreamEnd('agentk cancelled the tunnel stream'));
    stream.on('error', (e: Error) => this.onStreamEnd(`tunnel stream failed: ${e.message}`));
    stream.on('close', () => this.onStreamEnd('tunnel stream closed'));
    stream.resume();
  }

  serves(fullMethod: string): boolean {
    return this.methods.has(fullMethod);
  }

  /** Calls `listener` once the stream is over (at once if it already is); returns the unsubscribe function. */
  onDone(listener: () => void): () => void {
    if (this.state === 'done') {
      listener();
      return () => undefined;
    }
    this.doneListeners.add(listener);
    return () => this.doneListeners.delete(listener);
  }

  /** Sends RequestInfo and returns the call. Only on an idle tunnel taken from the registry. */
  startCall(fullMethod: string, meta: TunnelMeta | undefined, signal: AbortSignal): OutgoingCall {
    if (this.state !== 'idle') throw new Error(`tunnel ${this.id} is ${this.state}, not idle`);
    this.state = 'forwarding';
    const call = new TunnelOutgoingCall(this, signal);
    this.call = call;
    this.write({
      msg: {
        $case: 'requestInfo',
        value: { methodName: fullMethod, meta: metaToProto(meta), batches: true },
      },
    });
    return call;
  }

  close(reason: string): void {
    if (this.state === 'done') return;
    if (this.state === 'idle') {
      // "Nothing to do": an idle tunnel ends with OK and agentk opens a new one.
      this.finish();
      return;
    }
    this.call?.cancel(reason);
  }

  write(frame: ConnectResponse): boolean {
    if (this.state === 'done') return true;
    return this.out.write(frame);
  }

  /**
   * The call ended with agentk's Trailer: a reusable stream is closed for sending (CloseSend, so agentk knows
   * where the next call starts) and idle again; any other stream ends.
   */
  callDone(closeSent: boolean, last: boolean): void {
    if (this.state !== 'forwarding') return;
    if (!this.reusable || last || this.released || !this.onIdleAgain) {
      this.finish();
      return;
    }
    if (!closeSent) this.write({ msg: { $case: 'closeSend', value: {} } });
    this.call = null;
    this.state = 'idle';
    // The finished call may have paused the stream (its queue was full); the next call reads from the start.
    this.stream.resume();
    this.onIdleAgain(this);
  }

  /** Ends the stream with OK (the call finished, or the idle tunnel was released). */
  finish(): void {
    if (this.state === 'done') return;
    this.markDone();
    this.out.end();
  }

  /** Ends the stream with an error status sent to agentk. */
  fail(code: status, message: string): void {
    if (this.state === 'done') return;
    this.markDone();
    this.out.close();
    this.stream.emit('error', { code, details: message, message });
  }

  private markDone(): void {
    this.state = 'done';
    const listeners = [...this.doneListeners];
    this.doneListeners.clear();
    for (const listener of listeners) listener();
  }

  private onFrame(frame: ConnectRequest): void {
    if (frame.msg?.$case === 'batch') for (const one of frame.msg.value.frames) this.onOneFrame(one);
    else this.onOneFrame(frame);
  }

  private onOneFrame(frame: ConnectRequest): void {
    if (frame.msg?.$case === 'release') {
      // agentk sheds the stream. Idle: end it now (OK; the registry drops it). A call crossed the Release: agentk
      // serves it as the stream's last (Trailer.last), and the stream ends with it.
      this.released = true;
      if (this.state === 'idle') this.finish();
      return;
    }
    if (this.state === 'idle') {
      this.fail(
        status.INVALID_ARGUMENT,
        `agentk sent ${frame.msg?.$case ?? 'an empty frame'} on an idle tunnel`,
      );
      return;
    }
    this.call?.onFrame(frame);
  }

  private onStreamEnd(reason: string): void {
    if (this.state === 'done') return;
    const call = this.call;
    this.markDone();
    this.out.close();
    call?.onBroken(reason);
  }
}

class TunnelOutgoingCall implements OutgoingCall {
  readonly header: Promise<TunnelMeta>;
  readonly trailer: Promise<TunnelMeta>;
  private readonly queue = new AsyncQueue<Uint8Array>();
  private resolveHeader!: (meta: TunnelMeta) => void;
  private rejectHeader!: (e: unknown) => void;
  private resolveTrailer!: (meta: TunnelMeta) => void;
  private rejectTrailer!: (e: unknown) => void;
  private settled = false;
  private headerSeen = false;
  private paused = false;
  private full = false;
  private closeSent = false;
  /** A drain() waiting: it must not outlive the call (a reused stream never reports done). */
  private wakeDrain: (() => void) | null = null;

  constructor(
    private readonly tunnel: ServerTunnel,
    private readonly signal: AbortSignal,
  ) {
    this.header = new Promise((resolve, reject) => {
      this.resolveHeader = resolve;
      this.rejectHeader = reject;
    });
    this.trailer = new Promise((resolve, reject) => {
      this.resolveTrailer = resolve;
      this.rejectTrailer = reject;
    });
    // A caller that only reads messages must not crash the process with an unhandled rejection.
    this.header.catch(() => undefined);
    this.trailer.catch(() => undefined);
    this.queue.onDrain = () => {
      if (this.paused && this.queue.size < BUFFERED_MESSAGES / 2) {
        this.paused = false;
        this.tunnel.stream.resume();
      }
    };
    this.queue.onAbandon = () => this.cancel('the caller stopped reading the response');
    if (signal.aborted) queueMicrotask(() => this.cancel(abortReason(signal)));
    else signal.addEventListener('abort', this.onAbort, { once: true });
  }

  get messages(): AsyncIterable<Uint8Array> {
    return this.queue;
  }

  sendMessage(data: Uint8Array): void {
    if (this.settled) return;
    if (!this.tunnel.write({ msg: { $case: 'message', value: { data: asBuffer(data) } } })) this.full = true;
  }

  drain(): Promise<void> {
    if (!this.full || this.settled) return Promise.resolve();
    return new Promise((resolve) => {
      let stopWatchingDone = (): unknown => undefined;
      const done = () => {
        this.full = false;
        this.wakeDrain = null;
        this.tunnel.stream.off('drain', done);
        stopWatchingDone();
        resolve();
      };
      this.wakeDrain = done;
      this.tunnel.stream.on('drain', done);
      stopWatchingDone = this.tunnel.onDone(done);
    });
  }

  closeSend(): void {
    if (this.settled || this.closeSent) return;
    this.closeSent = true;
    this.tunnel.write({ msg: { $case: 'closeSend', value: {} } });
  }

  cancel(reason = 'the caller cancelled the call'): void {
    if (this.settled) return;
    this.settle(new TunnelCallError({ code: status.CANCELLED, message: reason }));
    this.tunnel.fail(status.CANCELLED, reason);
  }

  onFrame(frame: ConnectRequest): void {
    if (this.settled) return;
    const msg = frame.msg;
    switch (msg?.$case) {
      case 'header':
        this.headerSeen = true;
        this.resolveHeader(metaFromProto(msg.value.meta));
        return;
      case 'message':
        this.queue.push(msg.value.data);
        if (!this.paused && this.queue.size >= BUFFERED_MESSAGES) {
          this.paused = true;
          this.tunnel.stream.pause();
        }
        return;
      case 'trailer':
        this.settled = true;
        this.detach();
        if (!this.headerSeen) this.resolveHeader({});
        this.resolveTrailer(metaFromProto(msg.value.meta));
        this.queue.end();
        this.paused = false;
        this.wakeDrain?.();
        this.tunnel.callDone(this.closeSent, msg.value.last);
        return;
      case 'error': {
        const s = msg.value.status;
        const error = new TunnelCallError({
          code: s?.code ?? status.UNKNOWN,
          message: s?.message || 'agentk answered with an error without a message',
        });
        this.settle(error);
        this.tunnel.finish();
        return;
      }
      default:
        this.settle(
          new TunnelCallError({
            code: status.INTERNAL,
            message: `agentk sent an unexpected ${msg?.$case ?? 'empty'} frame during a call`,
          }),
        );
        this.tunnel.fail(status.INVALID_ARGUMENT, `unexpected ${msg?.$case ?? 'empty'} frame during a call`);
    }
  }

  onBroken(reason: string): void {
    if (this.settled) return;
    this.settle(
      new TunnelCallError({
        code: status.UNAVAILABLE,
        message: `the tunnel to agent ${this.tunnel.agentId} broke before the call finished (${reason})`,
      }),
    );
  }

  private settle(error: TunnelCallError): void {
    this.settled = true;
    this.detach();
    this.rejectHeader(error);
    this.rejectTrailer(error);
    this.queue.fail(error);
    this.wakeDrain?.();
    if (this.paused) this.tunnel.stream.resume();
  }

  private detach(): void {
    this.signal.removeEventListener('abort', this.onAbort);
  }

  private readonly onAbort = (): void => this.cancel(abortReason(this.signal));
}

function abortReason(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name !== 'AbortError')
    return `the caller cancelled the call: ${reason.message}`;
  if (typeof reason === 'string') return `the caller cancelled the call: ${reason}`;
  return 'the caller cancelled the call';
}
