// Reads the caller's credential from a proxy request (docs/kubernetes-api-proxy.md; checked in this order):
// `Bearer ci:<agent id>:<job token>`, `Bearer pat:<agent id>:<token>`, then the browser session
// (cookie + agent id in `Mooring-Agent-Id` or `?mooring-agent-id` + CSRF in `X-Csrf-Token` or `?mooring-csrf-token`).
import type { IncomingHttpHeaders } from 'node:http';

export type ProxyCredential =
  | { kind: 'ci_job'; agentId: number; jobToken: string }
  | { kind: 'pat'; agentId: number; token: string }
  | { kind: 'session'; agentId: number; cookieHeader: string; csrfToken: string };

export const AGENT_ID_HEADER = 'mooring-agent-id';
export const CSRF_HEADER = 'x-csrf-token';
export const AGENT_ID_QUERY = 'mooring-agent-id';
export const CSRF_QUERY = 'mooring-csrf-token';

/** Query parameters that carry kas credentials and are never forwarded to the cluster. */
export const CREDENTIAL_QUERY_PARAMS: ReadonlySet<string> = new Set([AGENT_ID_QUERY, CSRF_QUERY]);

/** Thrown for any credential problem; the proxy answers 401 with the message. */
export class ProxyAuthError extends Error {
  override readonly name = 'ProxyAuthError';
}

const BEARER_FORMS =
  'use "Authorization: Bearer pat:<agent id>:<personal access token>" (scope k8s_proxy) or "Bearer ci:<agent id>:<CI job token>"';

export function readCredential(
  headers: IncomingHttpHeaders,
  rawHeaders: string[],
  query: URLSearchParams,
): ProxyCredential {
  const authorizations = rawHeaders.filter(
    (_, i) => i % 2 === 0 && rawHeaders[i]!.toLowerCase() === 'authorization',
  );
  if (authorizations.length > 1)
    throw new ProxyAuthError(`send exactly one Authorization header; ${BEARER_FORMS}`);
  const authorization = headers.authorization;
  if (authorization !== undefined) return readBearer(authorization);

  const cookieHeader = headers.cookie;
  if (!cookieHeader) {
    throw new ProxyAuthError(`no credentials: ${BEARER_FORMS}, or sign in to the console (session cookie)`);
  }
  const agentIdText = headerValue(headers[AGENT_ID_HEADER]) ?? query.get(AGENT_ID_QUERY) ?? undefined;
  if (!agentIdText) {
    throw new ProxyAuthError(
      `a session request must name the agent in the Mooring-Agent-Id header or the ${AGENT_ID_QUERY} query parameter`,
    );
  }
  const agentId = parseAgentId(agentIdText, 'Mooring-Agent-Id');
  const csrfToken = headerValue(headers[CSRF_HEADER]) ?? query.get(CSRF_QUERY) ?? undefined;
  if (!csrfToken) {
    throw new ProxyAuthError(
      `a session request must carry the CSRF token in the X-Csrf-Token header or the ${CSRF_QUERY} query parameter`,
    );
  }
  return { kind: 'session', agentId, cookieHeader, csrfToken };
}

function readBearer(authorization: string): ProxyCredential {
  const match = /^Bearer\s+(ci|pat):([^:]*):(.+)$/i.exec(authorization.trim());
  if (!match)
    throw new ProxyAuthError(`the Authorization header is not in a form kas accepts; ${BEARER_FORMS}`);
  const [, kind, idText, secret] = match as unknown as [string, string, string, string];
  const agentId = parseAgentId(idText, 'the agent id in the token');
  return kind.toLowerCase() === 'ci'
    ? { kind: 'ci_job', agentId, jobToken: secret }
    : { kind: 'pat', agentId, token: secret };
}

function parseAgentId(text: string, where: string): number {
  if (!/^[1-9][0-9]{0,15}$/.test(text)) {
    throw new ProxyAuthError(`${where} must be a positive integer agent id, got "${text.slice(0, 32)}"`);
  }
  return Number(text);
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
