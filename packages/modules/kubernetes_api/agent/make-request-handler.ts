// agentk's half of the Kubernetes API proxy: serves KubernetesApi.MakeRequest arriving through the tunnel by
// replaying the HTTP request against the cluster's API server with agentk's own credentials plus the impersonation
// kas computed, and streaming the answer back. Upgraded connections (exec, attach, port-forward over SPDY or
// WebSocket) are relayed as raw bytes after the 101; no frame of either protocol is parsed here.
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import type { ImpersonationConfig } from '@mooring/proto/gen/mooring/kubernetes_api/rpc/rpc';
import type { IncomingCall, TunnelHandler } from '../../reverse_tunnel/shared/tunnel-api';
import {
  decodeHeaderExtra,
  decodeRequest,
  encodeResponseData,
  encodeResponseHeader,
  encodeResponseTrailer,
  encodeResponseUpgradeData,
  headersToValues,
  isUpgradeRequest,
  valuesToHeaders,
  valuesToQueryString,
} from '../shared/http-frames';
import { impersonationHeaders, isImpersonationHeader } from '../shared/impersonation';
import { kubeStatusBody } from '../shared/kube-status';
import { describeError, listenForErrors, readCoalesced, writeWithBackpressure } from '../../shared/streams';
import type { KubeApiTarget } from './kube-api-target';
import { GrpcStatus } from '../../shared/grpc-status';

export interface ProxyLogger {
  debug(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface MakeRequestHandlerOptions {
  target: KubeApiTarget;
  log?: ProxyLogger;
  /** Called when a request starts (+1) and ends (-1), for agentk's in-flight gauge. */
  onActive?: (delta: 1 | -1) => void;
}

export function makeRequestHandler(options: MakeRequestHandlerOptions): TunnelHandler {
  return async (call) => {
    options.onActive?.(1);
    try {
      await serve(call, options);
    } finally {
      options.onActive?.(-1);
    }
  };
}

interface RequestFrames {
  next(): Promise<IteratorResult<Uint8Array>>;
}

async function serve(call: IncomingCall, options: MakeRequestHandlerOptions): Promise<void> {
  const frames: RequestFrames = call.messages[Symbol.asyncIterator]();
  const first = await frames.next();
  const message = first.done ? undefined : decodeRequest(first.value);
  if (message?.$case !== 'header' || !message.value.request) {
    call.fail({
      code: GrpcStatus.INVALID_ARGUMENT,
      message: 'MakeRequest: the first frame must be a Header with a request',
    });
    return;
  }
  const line = message.value.request;
  const extra = decodeHeaderExtra(message.value.extra);
  const { target } = options;
  const headers = valuesToHeaders(line.header);
  const upgrade = isUpgradeRequest(headers);
  const outgoing = await outgoingHeaders(headers, target, extra.impConfig);
  const basePath = target.url.pathname.replace(/\/$/, '');
  const requestOptions: https.RequestOptions = {
    protocol: target.url.protocol,
    hostname: target.url.hostname.replace(/^\[|\]$/g, ''),
    port: target.url.port || (target.url.protocol === 'https:' ? 443 : 80),
    method: line.method,
    path: basePath + line.urlPath + valuesToQueryString(line.query),
    headers: outgoing,
    // Upgrades take a socket of their own; everything else reuses the keep-alive pool.
    ...(upgrade ? { ...target.tls, agent: false } : { agent: target.agent }),
  };
  const client = target.url.protocol === 'https:' ? https : http;
  // Outcomes are awaited with once(); later errors (a destroy after the response) must not crash agentk.
  const req = listenForErrors(client.request(requestOptions));
  const onAbort = () => req.destroy(new Error('kas cancelled the request'));
  call.signal.addEventListener('abort', onAbort, { once: true });
  try {
    if (upgrade) await relayUpgrade(call, frames, req, options);
    else await relayHttp(call, frames, req, options);
  } finally {
    call.signal.removeEventListener('abort', onAbort);
  }
}

async function outgoingHeaders(
  headers: Record<string, string[]>,
  target: KubeApiTarget,
  impersonation: ImpersonationConfig | undefined,
): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const [name, values] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (lower === 'authorization' || lower === 'host') continue;
    // kas refuses caller impersonation outside agent mode; dropping here keeps that true even if it did not.
    if (impersonation && isImpersonationHeader(lower)) continue;
    out[lower] = values;
  }
  if (impersonation) Object.assign(out, impersonationHeaders(impersonation));
  for (const [name, value] of Object.entries(await target.authHeaders())) out[name] = [value];
  out['via'] = [...(out['via'] ?? []), '1.1 mooring-agentk'];
  return out;
}

type Outcome = { kind: 'response'; res: http.IncomingMessage } | { kind: 'error'; error: Error };

function awaitResponse(req: http.ClientRequest): Promise<Outcome> {
  return new Promise((resolve) => {
    req.once('response', (res) => resolve({ kind: 'response', res }));
    req.once('error', (error) => resolve({ kind: 'error', error }));
  });
}

/** Feeds request frames into the API server request until the Trailer (or the end of the stream). */
async function pumpBody(frames: RequestFrames, req: http.ClientRequest): Promise<void> {
  for (;;) {
    const next = await frames.next();
    if (next.done) break;
    const m = decodeRequest(next.value);
    if (m.$case === 'data') await writeWithBackpressure(req, m.value.data);
    else if (m.$case === 'trailer') break;
  }
  if (!req.writableEnded && !req.destroyed) req.end();
}

async function relayHttp(
  call: IncomingCall,
  frames: RequestFrames,
  req: http.ClientRequest,
  options: MakeRequestHandlerOptions,
): Promise<void> {
  const outcome = awaitResponse(req);
  const pumping = pumpBody(frames, req).catch((error: unknown) => req.destroy(error as Error));
  const result = await outcome;
  if (result.kind === 'error') {
    await sendUnreachable(call, options, result.error);
    return;
  }
  const res = result.res;
  await call.sendMessage(
    encodeResponseHeader({
      statusCode: res.statusCode ?? 502,
      status: res.statusMessage ?? '',
      header: headersToValues(res.headersDistinct),
    }),
  );
  try {
    for await (const chunk of readCoalesced(res)) await call.sendMessage(encodeResponseData(chunk));
  } catch (error) {
    if (call.signal.aborted) return;
    options.log?.warn({ err: describeError(error) }, 'Kubernetes API server response broke off');
    call.fail({
      code: GrpcStatus.UNAVAILABLE,
      message: `the Kubernetes API server's response broke off: ${describeError(error)}`,
    });
    return;
  }
  await call.sendMessage(encodeResponseTrailer());
  call.finish();
  void pumping;
}

async function relayUpgrade(
  call: IncomingCall,
  frames: RequestFrames,
  req: http.ClientRequest,
  options: MakeRequestHandlerOptions,
): Promise<void> {
  type UpgradeOutcome =
    Outcome | { kind: 'upgrade'; res: http.IncomingMessage; socket: Socket; head: Buffer };
  const outcome = new Promise<UpgradeOutcome>((resolve) => {
    req.once('upgrade', (res, socket: Socket, head: Buffer) => {
      // From now on the API server may reset the connection at any moment, also while the tunnel waits for drain
      // and nothing reads the socket: the error is kept (socket.errored) and ends the relay below.
      listenForErrors(socket);
      resolve({ kind: 'upgrade', res, socket, head });
    });
    req.once('response', (res) => resolve({ kind: 'response', res }));
    req.once('error', (error) => resolve({ kind: 'error', error }));
  });

  // Request frames: Header (done), Data* + Trailer end the HTTP request, then UpgradeData* are raw client bytes.
  const clientBytes = (async () => {
    let sentEnd = false;
    for (;;) {
      const next = await frames.next();
      if (next.done) break;
      const m = decodeRequest(next.value);
      if (m.$case === 'data') await writeWithBackpressure(req, m.value.data);
      else if (m.$case === 'trailer' && !sentEnd) {
        sentEnd = true;
        req.end();
      } else if (m.$case === 'upgradeData') {
        const result = await outcome;
        if (result.kind !== 'upgrade') continue;
        await writeWithBackpressure(result.socket, m.value.data);
      }
    }
    if (!sentEnd) req.end();
    // kas half-closed: the client finished sending.
    const result = await outcome;
    if (result.kind === 'upgrade' && !result.socket.destroyed) result.socket.end();
  })().catch((error: unknown) =>
    options.log?.debug({ err: describeError(error) }, 'upgrade request side ended'),
  );

  const result = await outcome;
  if (result.kind === 'error') {
    await sendUnreachable(call, options, result.error);
    return;
  }
  const res = result.res;
  if (result.kind === 'response') {
    // The API server refused the upgrade (e.g. RBAC 403): an ordinary response the client reads as such.
    await call.sendMessage(
      encodeResponseHeader({
        statusCode: res.statusCode ?? 502,
        status: res.statusMessage ?? '',
        header: headersToValues(res.headersDistinct),
      }),
    );
    for await (const chunk of readCoalesced(res)) await call.sendMessage(encodeResponseData(chunk));
    await call.sendMessage(encodeResponseTrailer());
    call.finish();
    return;
  }
  const { socket, head } = result;
  socket.setNoDelay(true);
  socket.setTimeout(0);
  const onAbort = () => socket.destroy();
  call.signal.addEventListener('abort', onAbort, { once: true });
  try {
    await call.sendMessage(
      encodeResponseHeader({
        statusCode: 101,
        status: res.statusMessage ?? 'Switching Protocols',
        // The upgrade pair (Connection, Upgrade) must reach the client, so keep every header of a 101.
        header: Object.fromEntries(
          Object.entries(res.headersDistinct).map(([k, v]) => [k, { value: v ?? [] }]),
        ),
      }),
    );
    await call.sendMessage(encodeResponseTrailer());
    if (head.length) await call.sendMessage(encodeResponseUpgradeData(head));
    for await (const chunk of readCoalesced(socket)) await call.sendMessage(encodeResponseUpgradeData(chunk));
  } catch (error) {
    options.log?.debug({ err: describeError(error) }, 'upgraded connection ended with an error');
  } finally {
    call.signal.removeEventListener('abort', onAbort);
    socket.destroy();
  }
  if (!call.signal.aborted) call.finish();
  void clientBytes;
}

async function sendUnreachable(
  call: IncomingCall,
  options: MakeRequestHandlerOptions,
  error: Error,
): Promise<void> {
  if (call.signal.aborted) return;
  const message = `agentk could not reach its Kubernetes API server at ${options.target.url.origin}: ${describeError(error)}`;
  options.log?.warn({ err: describeError(error) }, message);
  const body = kubeStatusBody(502, message);
  await call.sendMessage(
    encodeResponseHeader({
      statusCode: 502,
      status: 'Bad Gateway',
      header: {
        'content-type': { value: ['application/json'] },
        'content-length': { value: [String(body.length)] },
      },
    }),
  );
  await call.sendMessage(encodeResponseData(body));
  await call.sendMessage(encodeResponseTrailer());
  call.finish();
}
