import type { IncomingMessage } from 'node:http';
import { ApiError } from '../api/errors';

/** 1 MiB: larger bodies are refused with 413 before they are read in full. */
export const maxBodyBytes = 1024 * 1024;

function tooLarge(limit: number): ApiError {
  return new ApiError(
    413,
    'payload_too_large',
    `request body is larger than ${limit} bytes (1 MiB); agent configurations may be at most 128 KiB`,
  );
}

/**
 * Reads a JSON body. An empty body is `undefined`. Refuses by Content-Length first, then by
 * counting bytes as they arrive, and stops reading the moment the limit is passed.
 */
export async function readJsonBody(req: IncomingMessage, limit = maxBodyBytes): Promise<unknown> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  const body = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    // On overflow we stop listening and pause instead of destroying the request, so the 413 can
    // still be written; the caller closes the connection after answering.
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        req.pause();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
  const text = body.toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ApiError(400, 'bad_request', `request body is not valid JSON: ${(err as Error).message}`);
  }
}
