// `/api/k8s-proxy/<agent id>/…` for plain and streamed HTTP (lists, watches, logs -f): the browser's request goes to
// kas's Kubernetes API proxy with its session cookie and CSRF token and the agent named in Mooring-Agent-Id; the
// answer streams back as it arrives. Errors are Kubernetes Status objects whose message names the fix.
import https from 'node:https';
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { kubeStatusBody } from '@mooring/modules/kubernetes_api/shared/kube-status';
import { CLIENT_ADDRESS_HEADER } from './client-address';
import { kubernetesProxyEndpoint, ProxyEndpointError } from './k8s-proxy-endpoint';
import { parseProxyTarget, ProxyTargetError, upstreamTarget } from './k8s-proxy-target';
import { agentFor, unreachableMessage } from './k8s-proxy-tls';

export const AGENT_ID_HEADER = 'mooring-agent-id';

/** Request headers that describe one hop, or that the console writes itself. */
export const DROPPED_REQUEST_HEADERS: ReadonlySet<string> = new Set([
  'host',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'proxy-connection',
  'te',
  // The answer is passed through undecoded; asking for no encoding keeps it readable by the browser's fetch.
  'accept-encoding',
  CLIENT_ADDRESS_HEADER,
  'x-forwarded-for',
  AGENT_ID_HEADER,
]);
const DROPPED_RESPONSE_HEADERS = new Set(['connection', 'keep-alive', 'transfer-encoding']);

export function statusResponse(code: number, message: string): Response {
  return new Response(new Uint8Array(kubeStatusBody(code, message)), {
    status: code,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
  });
}

export async function proxyToKubernetes(request: Request): Promise<Response> {
  const incoming = new URL(request.url);
  let target;
  try {
    target = parseProxyTarget(`${incoming.pathname}${incoming.search}`);
  } catch (error) {
    if (error instanceof ProxyTargetError) return statusResponse(400, error.message);
    throw error;
  }
  let endpoint;
  try {
    endpoint = await kubernetesProxyEndpoint();
  } catch (error) {
    if (error instanceof ProxyEndpointError) return statusResponse(error.code, error.message);
    throw error;
  }

  const headers: Record<string, string> = {};
  request.headers.forEach((value, name) => {
    if (!DROPPED_REQUEST_HEADERS.has(name)) headers[name] = value;
  });
  headers[AGENT_ID_HEADER] = String(target.agentId);
  const hasBody = request.body !== null && request.method !== 'GET' && request.method !== 'HEAD';

  return new Promise<Response>((resolve) => {
    const upstream = https.request({
      agent: agentFor(endpoint),
      method: request.method,
      path: upstreamTarget(endpoint.url, target.rest),
      headers,
    });
    const onAbort = () => upstream.destroy();
    request.signal.addEventListener('abort', onAbort, { once: true });
    upstream.once('response', (answer: IncomingMessage) => {
      const responseHeaders = new Headers();
      for (const [name, value] of Object.entries(answer.headersDistinct)) {
        if (DROPPED_RESPONSE_HEADERS.has(name) || value === undefined) continue;
        for (const each of value) responseHeaders.append(name, each);
      }
      // Tells nginx-style proxies in front of the console not to buffer watches and followed logs.
      responseHeaders.set('x-accel-buffering', 'no');
      const noBody = request.method === 'HEAD' || answer.statusCode === 204 || answer.statusCode === 304;
      if (noBody) answer.resume();
      answer.once('close', () => request.signal.removeEventListener('abort', onAbort));
      resolve(
        new Response(noBody ? null : headersFirst(answer), {
          status: answer.statusCode ?? 502,
          statusText: answer.statusMessage,
          headers: responseHeaders,
        }),
      );
    });
    upstream.once('error', (error) => {
      request.signal.removeEventListener('abort', onAbort);
      resolve(statusResponse(502, unreachableMessage(endpoint, error)));
    });
    if (hasBody) Readable.fromWeb(request.body as NodeReadableStream).pipe(upstream);
    else upstream.end();
  });
}

/**
 * The answer's body, led by an empty chunk: Next sends the status and headers only with a first chunk, and a watch
 * or followed log may have none for minutes, so the browser would not know its request was accepted.
 */
function headersFirst(answer: IncomingMessage): ReadableStream<Uint8Array> {
  const reader = (Readable.toWeb(answer) as ReadableStream<Uint8Array>).getReader();
  let started = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!started) {
        started = true;
        controller.enqueue(new Uint8Array(0));
        return;
      }
      const { value, done } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}
