// Backpressure helpers shared by both halves of the proxy.
import type { Readable, Writable } from 'node:stream';

/** Writes a chunk and resolves when the stream can take more, or when it closes (then the write is moot). */
export function writeWithBackpressure(stream: Writable, chunk: Uint8Array): Promise<void> {
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

/** Describes an error for a user: the message plus the system code when it is not already in it. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  const message = error.message || error.name;
  return code && !message.includes(code) ? `${code} ${message}` : message;
}

/**
 * Reads a stream in chunks of at most `maxBytes`, joining whatever is already buffered: TLS hands out 16 KiB
 * records, and one tunnel message per record would cost more than the copy.
 */
export async function* readCoalesced(stream: Readable, maxBytes = 256 * 1024): AsyncGenerator<Buffer> {
  for (;;) {
    const parts: Buffer[] = [];
    let size = 0;
    let chunk: Buffer | null;
    while (size < maxBytes && (chunk = stream.read() as Buffer | null) !== null) {
      parts.push(chunk);
      size += chunk.length;
    }
    if (size > 0) {
      yield parts.length === 1 ? parts[0]! : Buffer.concat(parts, size);
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
