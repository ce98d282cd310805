'use client';
// The browser's way to the cluster, as the signed-in user: /api/k8s-proxy/<agent id>/<Kubernetes path>, same
// origin, the session cookie and the CSRF token (docs/console.md, "The Kubernetes API from the browser").

import { getCsrfToken } from '../csrf';

export function k8sProxyPath(agentId: number, path: `/${string}`): string {
  return `/api/k8s-proxy/${agentId}${path}`;
}

/** A request to the cluster through kas's proxy as the user. */
export function k8sFetch(agentId: number, path: `/${string}`, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const csrf = getCsrfToken();
  if (csrf) headers.set('x-csrf-token', csrf);
  if (!headers.has('accept')) headers.set('accept', 'application/json');
  return fetch(k8sProxyPath(agentId, path), { ...init, headers, credentials: 'same-origin' });
}

/** The message of a Kubernetes Status answer (the cluster's words, or kas's, which name the fix). */
export async function k8sErrorMessage(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  try {
    const status = JSON.parse(text) as { message?: unknown };
    if (typeof status.message === 'string' && status.message) return status.message;
  } catch {
    // not JSON: fall through
  }
  return `the cluster answered HTTP ${response.status}${text ? `: ${text.slice(0, 300)}` : ''}`;
}

/** GET a JSON document through the proxy; throws an Error with the cluster's message otherwise. */
export async function k8sGetJson<T>(agentId: number, path: `/${string}`, signal?: AbortSignal): Promise<T> {
  const response = await k8sFetch(agentId, path, signal ? { signal } : {});
  if (!response.ok) throw new Error(await k8sErrorMessage(response));
  return (await response.json()) as T;
}

/**
 * The WebSocket URL of a proxied path (exec, attach): same origin, ws or wss as the page. A browser's WebSocket
 * cannot send headers, so the CSRF token rides in the `mooring-csrf-token` query parameter (kas strips it).
 */
export function k8sWebSocketUrl(agentId: number, path: `/${string}`): string {
  const scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  const url = new URL(`${scheme}//${window.location.host}${k8sProxyPath(agentId, path)}`);
  const csrf = getCsrfToken();
  if (csrf) url.searchParams.set('mooring-csrf-token', csrf);
  return url.toString();
}
