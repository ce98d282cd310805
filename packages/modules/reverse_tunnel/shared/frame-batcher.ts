// Coalesces the tunnel frames one side writes in one go into one gRPC message. grpc-js hands a stream its next
// message only after the previous one's socket write completed, so every frame was a TLS record and a syscall of
// its own (a small GET took four each way). Frames wait until the event loop has run what is queued now
// (setImmediate: the same loop iteration, so no added delay worth the name) or until they hold BATCH_BYTES, then
// leave as one batch frame; a lone frame leaves as itself. Only for a peer that said it reads batches.

/** Past this many queued bytes the batch leaves at once (bounds memory and the message size the peer accepts). */
export const BATCH_BYTES = 64 * 1024;

export interface FrameStream<F> {
  write(frame: F): boolean;
  end(): void;
  readonly writableNeedDrain: boolean;
}

export class FrameBatcher<F> {
  /** The peer reads batch frames (agentk learns it per call, from RequestInfo). */
  batching = false;
  private pending: F[] = [];
  private bytes = 0;
  private immediate: NodeJS.Immediate | null = null;
  private closed = false;

  constructor(
    private readonly stream: FrameStream<F>,
    private readonly batch: (frames: F[]) => F,
    /** The bytes a frame carries (its data); a few are added per frame for the rest. */
    private readonly sizeOf: (frame: F) => number,
  ) {}

  /** Queues (or writes) a frame; false when the stream's 'drain' should be awaited before writing more. */
  write(frame: F): boolean {
    if (this.closed) return true;
    if (!this.batching) return this.stream.write(frame);
    this.pending.push(frame);
    this.bytes += this.sizeOf(frame) + 16;
    if (this.bytes >= BATCH_BYTES) this.flush();
    else this.immediate ??= setImmediate(() => this.flush());
    return !this.stream.writableNeedDrain;
  }

  /** Writes what is queued now. */
  flush(): void {
    if (this.immediate) clearImmediate(this.immediate);
    this.immediate = null;
    const frames = this.pending;
    if (frames.length === 0 || this.closed) return;
    this.pending = [];
    this.bytes = 0;
    this.stream.write(frames.length === 1 ? frames[0]! : this.batch(frames));
  }

  /** Writes what is queued, then half-closes the stream. */
  end(): void {
    this.flush();
    this.closed = true;
    this.stream.end();
  }

  /** Drops what is queued and writes nothing more (the stream is about to end with an error status). */
  close(): void {
    if (this.immediate) clearImmediate(this.immediate);
    this.immediate = null;
    this.pending = [];
    this.closed = true;
  }
}
