// The gateway's half of one RouteCall to one replica: `ready` settles when the router took a tunnel (Ready) or
// said why it cannot (Refused); after Ready the attempt is the caller's OutgoingCall, as if the tunnel were local.
import { type ClientDuplexStream, Metadata, status } from '@grpc/grpc-js';
import type {
  KasRoutingClient,
  Refused,
  RouteRequest,
  RouteResponse,
} from '@mooring/proto/gen/mooring/kas_routing/rpc/rpc';
import { asBuffer, metaFromProto, metaToProto } from '../../reverse_tunnel/shared/meta';
import { type OutgoingCall, type TunnelMeta, TunnelCallError } from '../../reverse_tunnel/shared/tunnel-api';
import { AsyncQueue } from '../../shared/async-queue';

/** Response messages buffered before the route's stream is paused (the same bound as a local tunnel call). */
const BUFFERED_MESSAGES = 64;

/** The router answered Refused: it has no usable tunnel of the agent. */
export class RouteRefusedError extends Error {
  override readonly name = 'RouteRefusedError';
  constructor(readonly refused: Refused) {
    super(refused.message);
  }
}

export interface RouteAttemptOptions {
  client: KasRoutingClient;
  /** The router's address, for error messages. */
  address: string;
  jwt: string;
  agentId: number;
  fullMethod: string;
  meta?: TunnelMeta;
  waitMs: number;
}

export class RouteAttempt implements OutgoingCall {
  readonly ready: Promise<void>;
  readonly header: Promise<TunnelMeta>;
  readonly trailer: Promise<TunnelMeta>;
  private readonly stream: ClientDuplexStream<RouteRequest, RouteResponse>;
  private readonly queue = new AsyncQueue<Uint8Array>();
  private resolveReady!: () => void;
  private rejectReady!: (e: unknown) => void;
  private resolveHeader!: (meta: TunnelMeta) => void;
  private rejectHeader!: (e: unknown) => void;
  private resolveTrailer!: (meta: TunnelMeta) => void;
  private rejectTrailer!: (e: unknown) => void;
  private isReady = false;
  private settled = false;
  private headerSeen = false;
  private paused = false;
  private full = false;
  private closeSent = false;
  private signal: AbortSignal | null = null;

  constructor(private readonly o: RouteAttemptOptions) {
    this.ready = new Promise((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    this.header = new Promise((resolve, reject) => {
      this.resolveHeader = resolve;
      this.rejectHeader = reject;
    });
    this.trailer = new Promise((resolve, reject) => {
      this.resolveTrailer = resolve;
      this.rejectTrailer = reject;
    });
    this.ready.catch(() => undefined);
    this.header.catch(() => undefined);
    this.trailer.catch(() => undefined);
    const metadata = new Metadata();
    metadata.set('authorization', `Bearer ${o.jwt}`);
    this.stream = o.client.routeCall(metadata);
    this.stream.on('data', (r: RouteResponse) => this.onResponse(r));
    this.stream.on('error', (e: Error & { code?: number; details?: string }) => {
      if (e.code === status.CANCELLED && this.settled) return;
      this.broken(
        e.code === status.UNAUTHENTICATED
          ? `kas replica ${o.address} refused this replica's private API JWT (${e.details ?? e.message})`
          : `the route through kas replica ${o.address} broke (${e.details ?? e.message})`,
        e.code === status.UNAUTHENTICATED ? status.UNAUTHENTICATED : status.UNAVAILABLE,
      );
    });
    this.stream.on('end', () =>
      this.broken(`kas replica ${o.address} ended the routed call without a trailer`, status.UNAVAILABLE),
    );
    this.queue.onDrain = () => {
      if (this.paused && this.queue.size < BUFFERED_MESSAGES / 2) {
        this.paused = false;
        this.stream.resume();
      }
    };
    this.queue.onAbandon = () => this.cancel('the caller stopped reading the response');
    this.stream.write({
      msg: {
        $case: 'start',
        value: { agentId: o.agentId, methodName: o.fullMethod, meta: metaToProto(o.meta), waitMs: o.waitMs },
      },
    });
  }

  /** After Ready, for the chosen replica: it starts the agent's call; the caller's signal cancels it. */
  attach(signal: AbortSignal): this {
    this.stream.write({ msg: { $case: 'go', value: {} } });
    this.signal = signal;
    if (signal.aborted) queueMicrotask(() => this.cancel('the caller cancelled the call'));
    else signal.addEventListener('abort', this.onAbort, { once: true });
    return this;
  }

  get messages(): AsyncIterable<Uint8Array> {
    return this.queue;
  }

  sendMessage(data: Uint8Array): void {
    if (this.settled || this.closeSent) return;
    if (!this.stream.write({ msg: { $case: 'message', value: { data: asBuffer(data) } } })) this.full = true;
  }

  drain(): Promise<void> {
    if (!this.full || this.settled) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.full = false;
        this.stream.off('drain', done);
        this.stream.off('close', done);
        resolve();
      };
      this.stream.on('drain', done);
      this.stream.on('close', done);
    });
  }

  closeSend(): void {
    if (this.settled || this.closeSent) return;
    this.closeSent = true;
    this.stream.write({ msg: { $case: 'closeSend', value: {} } });
    this.stream.end();
  }

  cancel(reason = 'the caller cancelled the call'): void {
    if (this.settled) return;
    this.settle(new TunnelCallError({ code: status.CANCELLED, message: reason }));
    this.stream.cancel();
  }

  private onResponse(r: RouteResponse): void {
    if (this.settled) return;
    const msg = r.msg;
    if (!this.isReady) {
      if (msg?.$case === 'ready') {
        this.isReady = true;
        this.resolveReady();
        return;
      }
      if (msg?.$case === 'refused') {
        this.settled = true;
        this.rejectReady(new RouteRefusedError(msg.value));
        this.stream.cancel();
        return;
      }
    }
    switch (msg?.$case) {
      case 'header':
        this.headerSeen = true;
        this.resolveHeader(metaFromProto(msg.value.meta));
        return;
      case 'message':
        this.queue.push(msg.value.data);
        if (!this.paused && this.queue.size >= BUFFERED_MESSAGES) {
          this.paused = true;
          this.stream.pause();
        }
        return;
      case 'trailer':
        this.settled = true;
        this.detach();
        if (!this.headerSeen) this.resolveHeader({});
        this.resolveTrailer(metaFromProto(msg.value.meta));
        this.queue.end();
        if (this.paused) this.stream.resume();
        if (!this.closeSent) this.stream.end();
        return;
      case 'error': {
        const s = msg.value.status;
        this.settle(
          new TunnelCallError({
            code: s?.code ?? status.UNKNOWN,
            message: s?.message || 'agentk answered with an error without a message',
          }),
        );
        return;
      }
      default:
        this.settle(
          new TunnelCallError({
            code: status.INTERNAL,
            message: `kas replica ${this.o.address} sent an unexpected ${msg?.$case ?? 'empty'} frame`,
          }),
        );
        this.stream.cancel();
    }
  }

  private broken(message: string, code: number): void {
    if (this.settled) return;
    this.settle(new TunnelCallError({ code, message }));
  }

  private settle(error: TunnelCallError): void {
    this.settled = true;
    this.detach();
    this.rejectReady(error);
    this.rejectHeader(error);
    this.rejectTrailer(error);
    this.queue.fail(error);
    if (this.paused) this.stream.resume();
  }

  private detach(): void {
    this.signal?.removeEventListener('abort', this.onAbort);
  }

  private readonly onAbort = (): void => this.cancel('the caller cancelled the call');
}
