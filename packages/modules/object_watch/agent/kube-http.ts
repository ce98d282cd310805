// The two requests an informer makes to the API server, through kubernetes_api's KubeApiTarget (URL, keep-alive
// agent, credentials): a bounded JSON GET (discovery, a LIST page) and a WATCH read as bounded JSON lines. Errors
// carry the HTTP status and the API server's Status message.
import http from 'node:http';
import https from 'node:https';
import { z } from 'zod';
import type { KubeApiTarget } from '../../kubernetes_api/agent/index';
import { describeError, listenForErrors } from '../../shared/streams';

/** A LIST page or discovery document larger than this is refused (500 objects of ~200 KiB each). */
export const MAX_BODY_BYTES = 128 * 1024 * 1024;
/** One watch event (one object) larger than this ends the watch; etcd's own limit is 1.5 MiB. */
export const MAX_WATCH_LINE_BYTES = 8 * 1024 * 1024;

/**
 * A watch that sends nothing for this long (no event, no bookmark; the API server sends a bookmark about every
 * minute and ends a watch at its timeoutSeconds) is taken for a dead connection.
 */
export const WATCH_IDLE_MS = 6 * 60_000;

export class KubeHttpError extends Error {
  override readonly name = 'KubeHttpError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const statusBodySchema = z.looseObject({ message: z.string().max(4000).optional() });

function messageOf(status: number, body: string): string {
  try {
    const parsed = statusBodySchema.safeParse(JSON.parse(body));
    if (parsed.success && parsed.data.message) return parsed.data.message;
  } catch {
    // not JSON: the text itself
  }
  return body.slice(0, 300) || `HTTP ${status}`;
}

async function send(
  target: KubeApiTarget,
  path: string,
  accept: string,
  signal: AbortSignal,
): Promise<http.IncomingMessage> {
  const headers = { ...(await target.authHeaders()), accept };
  const basePath = target.url.pathname.replace(/\/$/, '');
  const options: https.RequestOptions = {
    protocol: target.url.protocol,
    hostname: target.url.hostname.replace(/^\[|\]$/g, ''),
    port: target.url.port || (target.url.protocol === 'https:' ? 443 : 80),
    method: 'GET',
    path: basePath + path,
    headers,
    agent: target.agent,
    signal,
  };
  const request = (target.url.protocol === 'https:' ? https : http).request(options);
  return new Promise((resolve, reject) => {
    request.on('response', resolve);
    request.on('error', reject);
    request.end();
  });
}

async function readBody(response: http.IncomingMessage, maxBytes: number, what: string): Promise<Buffer> {
  listenForErrors(response);
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of response as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      response.destroy();
      throw new Error(`${what}: the answer is larger than ${maxBytes} bytes`);
    }
    parts.push(chunk);
  }
  return Buffer.concat(parts);
}

/** GETs `path` and parses the JSON answer; a non-2xx answer throws a KubeHttpError with the server's message. */
export async function getJson(
  target: KubeApiTarget,
  path: string,
  options: { accept?: string; signal: AbortSignal },
): Promise<unknown> {
  const response = await send(target, path, options.accept ?? 'application/json', options.signal);
  const status = response.statusCode ?? 0;
  const body = await readBody(response, MAX_BODY_BYTES, `GET ${path}`);
  if (status < 200 || status > 299) throw new KubeHttpError(status, messageOf(status, body.toString('utf8')));
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    throw new Error(`GET ${path}: the API server's answer is not JSON`);
  }
}

/**
 * Opens a watch on `path` (its query included) and yields each event line parsed as JSON, until the server ends
 * the watch or `signal` aborts. A line over MAX_WATCH_LINE_BYTES ends it with an error.
 */
export async function* watchLines(
  target: KubeApiTarget,
  path: string,
  options: { accept?: string; signal: AbortSignal; maxLineBytes?: number; idleMs?: number },
): AsyncGenerator<unknown> {
  const maxLine = options.maxLineBytes ?? MAX_WATCH_LINE_BYTES;
  const idleMs = options.idleMs ?? WATCH_IDLE_MS;
  const response = await send(target, path, options.accept ?? 'application/json', options.signal);
  const status = response.statusCode ?? 0;
  if (status < 200 || status > 299) {
    const body = await readBody(response, 64 * 1024, `WATCH ${path}`).catch(() => Buffer.alloc(0));
    throw new KubeHttpError(status, messageOf(status, body.toString('utf8')));
  }
  listenForErrors(response);
  // A connection that died without a reset sends nothing, not even bookmarks: give up on it and watch again.
  response.setTimeout(idleMs, () =>
    response.destroy(new Error(`watch: nothing from the API server for ${Math.round(idleMs / 1000)} s`)),
  );
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  try {
    for await (const chunk of response as AsyncIterable<Buffer>) {
      let start = 0;
      for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
        const piece = chunk.subarray(start, nl);
        start = nl + 1;
        if (pendingBytes + piece.length > maxLine) throw lineTooLong(maxLine);
        const line = pendingBytes === 0 ? piece : Buffer.concat([...pending, piece]);
        pending = [];
        pendingBytes = 0;
        if (line.length === 0) continue;
        yield parseLine(line);
      }
      const rest = chunk.subarray(start);
      if (rest.length > 0) {
        pendingBytes += rest.length;
        if (pendingBytes > maxLine) throw lineTooLong(maxLine);
        pending.push(rest);
      }
    }
  } catch (error) {
    if (options.signal.aborted) return;
    throw error instanceof KubeHttpError || (error instanceof Error && error.message.startsWith('watch:'))
      ? error
      : new Error(`watch: ${describeError(error)}`);
  } finally {
    response.destroy();
  }
}

function lineTooLong(max: number): Error {
  return new Error(`watch: an event is larger than ${max} bytes`);
}

function parseLine(line: Buffer): unknown {
  try {
    return JSON.parse(line.toString('utf8')) as unknown;
  } catch {
    throw new Error('watch: an event line is not JSON');
  }
}
