// One Kubernetes API request that kas itself makes through an agent (a SubjectAccessReview, one object for the
// console): the same KubernetesApi.MakeRequest call and frames the proxy relays, answered into memory, bounded.
// agentk replays it with its own credentials, plus the impersonation when one is given (as for a proxied request).
import type { AgentDialer } from '../../reverse_tunnel/shared/tunnel-api';
import { describeError } from '../../shared/streams';
import {
  decodeResponse,
  encodeRequestData,
  encodeRequestHeader,
  encodeRequestTrailer,
  valuesToHeaders,
  type ValuesMap,
} from '../shared/http-frames';
import type { ImpersonationConfig } from '../shared/impersonation';
import { KUBERNETES_API_MAKE_REQUEST } from '../shared/methods';

export interface AgentKubeRequest {
  method: 'GET' | 'POST';
  /** The API server path, e.g. /api/v1/namespaces/default/pods/web-0. */
  path: `/${string}`;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  /** Sent as JSON (content-type application/json). */
  body?: unknown;
  /** Who agentk acts as; absent: agentk's own service account. */
  impersonation?: ImpersonationConfig;
  signal?: AbortSignal;
  /** A longer answer is cancelled and refused (default 4 MiB). */
  maxResponseBytes?: number;
  /** How long to wait for a tunnel of the agent (default 10 s). */
  routingTimeoutMs?: number;
}

export interface AgentKubeResponse {
  statusCode: number;
  headers: Record<string, string[]>;
  body: Buffer;
}

/** The answer was longer than the request allowed; kas stopped reading it. */
export class AgentResponseTooLargeError extends Error {
  override readonly name = 'AgentResponseTooLargeError';
  constructor(readonly limit: number) {
    super(`the API server's answer is larger than ${limit} bytes`);
  }
}

const DEFAULT_MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

/** Makes `request` through agent `agentId`; rejects on tunnel trouble (AgentNotConnectedError, …) or a broken answer. */
export async function requestThroughAgent(
  dialer: AgentDialer,
  agentId: number,
  request: AgentKubeRequest,
): Promise<AgentKubeResponse> {
  const signal = request.signal ?? new AbortController().signal;
  const limit = request.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const body = request.body === undefined ? undefined : Buffer.from(JSON.stringify(request.body));
  const header: ValuesMap = { accept: { value: ['application/json'] } };
  for (const [name, value] of Object.entries(request.headers ?? {}))
    header[name.toLowerCase()] = { value: [value] };
  if (body) header['content-type'] = { value: ['application/json'] };
  const query: ValuesMap = {};
  for (const [name, value] of Object.entries(request.query ?? {})) query[name] = { value: [value] };

  const call = await dialer.openCall(agentId, KUBERNETES_API_MAKE_REQUEST, {
    signal,
    timeoutMs: request.routingTimeoutMs ?? 10_000,
  });
  const onAbort = () => call.cancel('kas gave up on the request');
  signal.addEventListener('abort', onAbort, { once: true });
  if (signal.aborted) onAbort();
  call.sendMessage(
    encodeRequestHeader(
      { method: request.method, urlPath: request.path, query, header, contentLength: body?.length ?? 0 },
      request.impersonation,
    ),
  );
  if (body) call.sendMessage(encodeRequestData(body));
  call.sendMessage(encodeRequestTrailer());
  call.closeSend();

  let statusCode = 0;
  let headers: Record<string, string[]> = {};
  const chunks: Buffer[] = [];
  let size = 0;
  let complete = false;
  try {
    for await (const bytes of call.messages) {
      const m = decodeResponse(bytes);
      if (m.$case === 'header' && m.value.response && statusCode === 0) {
        statusCode = m.value.response.statusCode;
        headers = valuesToHeaders(m.value.response.header);
      } else if (m.$case === 'data') {
        size += m.value.data.byteLength;
        if (size > limit) {
          call.cancel('the answer is over the size kas reads');
          throw new AgentResponseTooLargeError(limit);
        }
        chunks.push(Buffer.from(m.value.data));
      } else if (m.$case === 'trailer') {
        complete = true;
      }
    }
  } catch (error) {
    if (error instanceof AgentResponseTooLargeError) throw error;
    if (signal.aborted)
      throw new Error(`agent ${agentId} did not answer ${request.method} ${request.path} in time`, {
        cause: error,
      });
    throw new Error(`agent ${agentId} failed the request: ${describeError(error)}`, { cause: error });
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
  if (statusCode === 0 || !complete)
    throw new Error(
      `agent ${agentId} ended the request ${request.method} ${request.path} without a full answer`,
    );
  return { statusCode, headers, body: Buffer.concat(chunks) };
}

/** The `message` of a Kubernetes Status answer, or the body's first 300 characters. */
export function kubeErrorMessage(response: AgentKubeResponse): string {
  const text = response.body.toString('utf8');
  try {
    const status = JSON.parse(text) as { message?: unknown };
    if (typeof status.message === 'string') return status.message.slice(0, 1000);
  } catch {
    // not JSON: the text itself
  }
  return text.slice(0, 300) || `HTTP ${response.statusCode}`;
}

/** What the kubernetes_api module provides to the console API (KasModuleContext.provide) under this name. */
export const AGENT_KUBE_REQUESTS = 'agentKubeRequests';

export interface AgentKubeRequests {
  request(agentId: number, request: AgentKubeRequest): Promise<AgentKubeResponse>;
}
