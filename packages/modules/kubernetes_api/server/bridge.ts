// Relays one proxied request between the client's HTTP connection and the agent's MakeRequest call.
import {
  validateHeaderName,
  validateHeaderValue,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { Duplex } from 'node:stream';
import type { OutgoingCall } from '../../reverse_tunnel/shared/tunnel-api';
import {
  decodeResponse,
  encodeRequestData,
  encodeRequestTrailer,
  encodeRequestUpgradeData,
  isHopByHop,
  namedInConnection,
  valuesToHeaders,
  type ValuesMap,
} from '../shared/http-frames';
import { kubeStatusBody, STATUS_TEXT } from '../shared/kube-status';
import {
  corkForBurst,
  describeError,
  listenForErrors,
  readCoalesced,
  writeWithBackpressure,
} from '../../shared/streams';
import { ProxyFailure } from './prepare-request';
import { WatchResumeTracker } from './watch-resume';

/** The tunnel's OutgoingCall may expose drain() (resolves once its stream takes more); the contract does not require it. */
async function send(call: OutgoingCall, data: Uint8Array): Promise<void> {
  call.sendMessage(data);
  await (call as OutgoingCall & { drain?: () => Promise<void> }).drain?.();
}

export interface BridgeResult {
  /** The status code the client saw (0 if it went away before any). */
  code: number;
}

/** How bridgeHttp re-opens a watch whose tunnel ended, from the last resourceVersion it passed on. */
export interface WatchResume {
  resourceVersion: string | undefined;
  /** A new call carrying the resumed request's Header frame (body and CloseSend are the bridge's job). */
  reopen(resourceVersion: string): Promise<OutgoingCall>;
}

/** Ordinary request: body frames up, response frames down. Long responses (watch, logs -f) run until either side ends. */
export async function bridgeHttp(
  agentId: number,
  call: OutgoingCall,
  req: IncomingMessage,
  res: ServerResponse,
  resume?: WatchResume,
  /** Re-sends the request on a new call; used for GET/HEAD whose tunnel ended before the agent answered. */
  retry?: () => Promise<OutgoingCall>,
): Promise<BridgeResult> {
  let current = call;
  res.on('close', () => {
    if (!res.writableFinished) current.cancel('the client closed the connection');
  });
  const hasBody =
    req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  if (!hasBody) {
    // GET, DELETE without a body…: end the request at once instead of waiting for the empty body's end event
    // (that wait costs milliseconds per request).
    endEmptyRequest(call);
    req.resume();
  } else {
    void (async () => {
      for await (const chunk of readCoalesced(req)) await send(call, encodeRequestData(chunk));
      call.sendMessage(encodeRequestTrailer());
      call.closeSend();
    })().catch(() => call.cancel('the client request body broke off'));
  }

  let code = 0;
  let contentType = '';
  let tracker: WatchResumeTracker | undefined;
  let resumed = false;
  // An idle tunnel that agentk closes (graceful stop, pool shrink) just as kas picks it fails before any answer.
  // agentk never abandons a call it has seen, so a safe request (GET, HEAD, no body) is sent again on another tunnel.
  const safe = !hasBody && (req.method === 'GET' || req.method === 'HEAD');
  let retries = 0;
  for (;;) {
    try {
      for await (const bytes of current.messages) {
        corkForBurst(res);
        const m = decodeResponse(bytes);
        if (m.$case === 'header' && m.value.response && resumed) {
          // The resumed watch could not start (410 Gone, RBAC changed…): end the stream as the API server
          // ends a watch; the client re-lists as it does after any watch ends.
          if (m.value.response.statusCode !== 200) {
            current.cancel('the resumed watch was refused');
            break;
          }
        } else if (m.$case === 'header' && m.value.response && !res.headersSent) {
          const headers = responseHeaders(m.value.response.header);
          const invalid = unrelayableResponse(m.value.response.statusCode, m.value.response.status, headers);
          if (invalid) {
            current.cancel('the agent answered with an invalid response header');
            return {
              code: sendStatus(res, 502, `agent ${agentId} sent an answer kas cannot relay: ${invalid}`),
            };
          }
          code = m.value.response.statusCode;
          contentType = m.value.response.header['content-type']?.value[0] ?? '';
          if (resume && !hasBody && code === 200 && /json/.test(contentType))
            tracker = new WatchResumeTracker(resume.resourceVersion);
          res.writeHead(code, m.value.response.status || undefined, headers);
          res.flushHeaders();
        } else if (m.$case === 'data') {
          const data = tracker ? tracker.take(m.value.data) : m.value.data;
          if (data.length) await writeWithBackpressure(res, data);
        } else if (m.$case === 'trailer') {
          res.end(tracker?.rest());
        }
      }
      break;
    } catch (callError) {
      let error = callError;
      if (!res.headersSent && safe && retry && retries < 2 && !res.destroyed) {
        retries++;
        try {
          current = await retry();
          endEmptyRequest(current);
          continue;
        } catch (retryError) {
          error = retryError;
          if (retryError instanceof ProxyFailure)
            return { code: sendStatus(res, retryError.code, retryError.message) };
        }
      }
      if (!res.headersSent) return { code: sendStatus(res, 502, agentFailed(agentId, error)) };
      const from = tracker?.resumeFrom;
      if (resume && from && !res.destroyed) {
        try {
          tracker!.discardPartial();
          current = await resume.reopen(from);
          endEmptyRequest(current);
          resumed = true;
          continue;
        } catch (reopenError) {
          error = reopenError;
        }
      }
      // Mid-stream: say why in the stream's own format, then break the connection so the client sees a failure.
      const note = midStreamNote(
        req,
        contentType,
        `agent ${agentId} stopped serving this stream: ${describeError(error)}`,
      );
      if (note && !res.destroyed) res.write(note, () => res.destroy());
      else res.destroy();
      return { code };
    }
  }
  if (!res.headersSent)
    return { code: sendStatus(res, 502, `agent ${agentId} ended the request without an answer`) };
  if (!res.writableEnded) res.end(tracker?.rest());
  return { code };
}

function endEmptyRequest(call: OutgoingCall): void {
  call.sendMessage(encodeRequestTrailer());
  call.closeSend();
}

/**
 * Upgrade request (exec, attach, port-forward): after the agent relays the API server's 101, kas writes it to the
 * client socket and both sides only copy bytes; SPDY and WebSocket frames pass through untouched.
 */
export async function bridgeUpgrade(
  agentId: number,
  call: OutgoingCall,
  socket: Duplex,
  head: Buffer,
  onUpgraded: () => void,
): Promise<BridgeResult> {
  call.sendMessage(encodeRequestTrailer());
  if (head.length) call.sendMessage(encodeRequestUpgradeData(head));
  listenForErrors(socket);
  // Client bytes flow with backpressure: the socket is read only as fast as the tunnel takes them.
  void (async () => {
    for await (const chunk of readCoalesced(socket)) await send(call, encodeRequestUpgradeData(chunk));
    call.closeSend();
  })().catch(() => call.cancel('the client connection broke'));
  socket.on('close', () => call.cancel('the client closed the connection'));

  let code = 0;
  try {
    for await (const bytes of call.messages) {
      corkForBurst(socket);
      const m = decodeResponse(bytes);
      if (m.$case === 'header' && m.value.response && code === 0) {
        const invalid = unrelayableResponse(
          m.value.response.statusCode,
          m.value.response.status,
          valuesToHeaders(m.value.response.header),
        );
        if (invalid) {
          call.cancel('the agent answered with an invalid response header');
          writeRawStatus(socket, 502, `agent ${agentId} sent an answer kas cannot relay: ${invalid}`);
          return { code: 502 };
        }
        code = m.value.response.statusCode;
        const headers = m.value.response.header;
        if (code === 101) {
          socket.write(
            rawHead(101, m.value.response.status || 'Switching Protocols', valuesToHeaders(headers)),
          );
          onUpgraded();
        } else {
          // Refused upgrade: an ordinary response, delimited by closing the connection.
          const plain = responseHeaders(headers);
          delete plain['content-length'];
          socket.write(rawHead(code, m.value.response.status, { ...plain, connection: ['close'] }));
        }
      } else if (m.$case === 'data' || m.$case === 'upgradeData') {
        await writeWithBackpressure(socket, m.value.data);
      } else if (m.$case === 'trailer' && code !== 101) {
        break;
      }
    }
  } catch (error) {
    if (code === 0) {
      writeRawStatus(socket, 502, agentFailed(agentId, error));
      return { code: 502 };
    }
    socket.destroy();
    return { code };
  }
  if (code === 0) {
    writeRawStatus(socket, 502, `agent ${agentId} ended the request without an answer`);
    return { code: 502 };
  }
  socket.end();
  return { code };
}

/** A watch gets an ERROR event with a Status (what client-go expects); text streams such as logs get a line. */
function midStreamNote(req: IncomingMessage, type: string, message: string): string | null {
  const watch = /[?&]watch=(true|1)(&|$)/.test(req.url ?? '');
  if (watch && type.includes('json'))
    return `${JSON.stringify({ type: 'ERROR', object: JSON.parse(kubeStatusBody(503, message).toString()) })}\n`;
  if (type.startsWith('text/plain')) return `\n[mooring] ${message}\n`;
  return null;
}

function agentFailed(agentId: number, error: unknown): string {
  return `agent ${agentId} failed the request: ${describeError(error)}`;
}

function responseHeaders(map: ValuesMap): Record<string, string[]> {
  const headers = valuesToHeaders(map);
  const named = namedInConnection(map['connection']?.value);
  for (const name of Object.keys(headers))
    if (isHopByHop(name) || named.has(name.toLowerCase())) delete headers[name];
  return headers;
}

/**
 * The first response header Node would refuse to write (bad name characters, CR/LF or NUL in a value), as a message
 * naming it; undefined when all are valid. Checked before writing so a malicious or broken agent gets the client a
 * clear 502 at once instead of a failure halfway through the response.
 */
export function unrelayableResponse(
  code: number,
  reason: string,
  headers: Record<string, string[]>,
): string | undefined {
  if (!Number.isInteger(code) || code < 100 || code > 999)
    return `its status code ${code} is not an HTTP status`;
  if (reason && !/^[\t\x20-\x7e\x80-\xff]*$/.test(reason))
    return 'its status reason phrase contains invalid characters';
  for (const [name, values] of Object.entries(headers)) {
    try {
      validateHeaderName(name);
      for (const value of values) validateHeaderValue(name, value);
    } catch {
      return `its response header ${JSON.stringify(name.slice(0, 64))} has an invalid name or value`;
    }
  }
  return undefined;
}

function rawHead(code: number, reason: string, headers: Record<string, string[]>): string {
  let text = `HTTP/1.1 ${code} ${reason || STATUS_TEXT[code] || ''}\r\n`;
  for (const [name, values] of Object.entries(headers)) for (const v of values) text += `${name}: ${v}\r\n`;
  return `${text}\r\n`;
}

export function sendStatus(
  res: ServerResponse,
  code: number,
  message: string,
  headers: Record<string, string> = {},
): number {
  const body = kubeStatusBody(code, message);
  if (res.headersSent) {
    res.destroy();
    return code;
  }
  res.writeHead(code, STATUS_TEXT[code], {
    ...headers,
    'content-type': 'application/json',
    'content-length': String(body.length),
    ...(code === 401 ? { 'mooring-unauthorized': 'true' } : {}),
  });
  res.end(body);
  return code;
}

export function writeRawStatus(
  socket: Duplex,
  code: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  const body = kubeStatusBody(code, message);
  socket.end(
    rawHead(code, STATUS_TEXT[code] ?? '', {
      ...Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]])),
      'content-type': ['application/json'],
      'content-length': [String(body.length)],
      connection: ['close'],
    }) + body.toString(),
  );
}
