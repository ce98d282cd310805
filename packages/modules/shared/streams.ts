// Stream helpers that always listen for errors: a Node stream that emits 'error' with no listener crashes the
// process, and a stream read or written through these helpers keeps a listener for the rest of its life (the error
// stays readable as `stream.errored`), not only while a read or write is waiting. Plus backpressure-aware writes
// and coalesced reads.
import type { Readable, Writable } from 'node:stream';

type ErrorEmitter = Pick<NodeJS.EventEmitter, 'on'>;
const guarded = new WeakSet<ErrorEmitter>();

/**
 * Gives `stream` a lasting 'error' listener (once per stream; `onError` is called for every error), so an error
 * that arrives while nobody is reading (e.g. a reset while the tunnel waits for drain) cannot crash the process.
 */
export function listenForErrors<S extends ErrorEmitter>(stream: S, onError?: (error: Error) => void): S {
  if (onError) stream.on('error', onError);
  else if (!guarded.has(stream)) stream.on('error', ignore);
  guarded.add(stream);
  return stream;
}

function ignore(): void {}

/** Writes a chunk and resolves when the stream can take more, or when it closes (then the write is moot). */
export function writeWithBackpressure(stream: Writable, chunk: Uint8Array): Promise<void> {
  listenForErrors(stream);
  if (stream.destroyed || stream.writableEnded) return Promise.resolve();
  if (stream.write(chunk)) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      stream.off('error', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
    stream.on('error', done);
  });
}

const corked = new WeakSet<Writable>();

/**
 * Holds the stream's writes until the work queued right now (microtasks and ticks) is done, so what one burst of
 * tunnel messages writes (a response head, its body, its end) leaves in one TLS record and one syscall instead of
 * one each. Repeated calls within the burst do nothing more.
 */
export function corkForBurst(stream: Writable): void {
  if (corked.has(stream)) return;
  corked.add(stream);
  stream.cork();
  process.nextTick(() => {
    corked.delete(stream);
    stream.uncork();
  });
}

/** Describes an error for a user: the message plus the system code when it is not already in it. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  const message = error.message || error.name;
  return code && !message.includes(code) ? `${code} ${message}` : message;
}

/**
 * Reads a stream in runs of at most `maxBytes` (about: the last chunk may cross it), each run what is already
 * buffered: TLS hands out 16 KiB records, and one tunnel message per record would cost more than joining them.
 * The chunks come as they are; the frame encoder joins them in the one copy it makes anyway.
 *
 * Once the stream has delivered `bulkAfterBytes`, a short run waits one event-loop turn for more before it is handed
 * over: a bulk stream (a port-forward, a log, a large LIST) often trickles in 4 KiB records, one per read, and every
 * tunnel message costs CPU in kas and agentk; the turn lets the next records arrive (measured: 4 KiB → ~80 KiB per
 * message). Small answers and the first bytes of any stream never wait.
 */
export async function* readCoalesced(
  stream: Readable,
  { maxBytes = 256 * 1024, bulkAfterBytes = 64 * 1024 }: { maxBytes?: number; bulkAfterBytes?: number } = {},
): AsyncGenerator<Buffer[]> {
  // The consumer may await something else between chunks (the tunnel's flow control): keep listening meanwhile.
  listenForErrors(stream);
  let delivered = 0;
  for (;;) {
    const parts: Buffer[] = [];
    let size = 0;
    let chunk: Buffer | null;
    for (let settled = false; ; settled = true) {
      while (size < maxBytes && (chunk = stream.read() as Buffer | null) !== null) {
        parts.push(chunk);
        size += chunk.length;
      }
      if (settled || size === 0 || size >= maxBytes || delivered < bulkAfterBytes) break;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    if (size > 0) {
      delivered += size;
      yield parts;
      continue;
    }
    if (stream.readableEnded || stream.destroyed) {
      if (stream.errored) throw stream.errored;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const cleanup = () => {
        stream.off('readable', onReadable);
        stream.off('end', onEnd);
        stream.off('close', onEnd);
        stream.off('error', onError);
      };
      const onReadable = () => {
        cleanup();
        resolve();
      };
      const onEnd = () => {
        cleanup();
        resolve();
      };
      const onError = (error: Error) => {
        cleanup();
        reject(error);
      };
      stream.on('readable', onReadable);
      stream.on('end', onEnd);
      stream.on('close', onEnd);
      stream.on('error', onError);
    });
  }
}
