// TLS to kas's Kubernetes API proxy with kas's CA pinned (or the system roots when kas reports none), and the words
// for a failure to reach it: shared by the HTTP route (k8s-proxy-http.ts) and the WebSocket pipe (k8s-proxy-upgrade.ts).
import https from 'node:https';
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { forgetKubernetesProxyEndpoint, type KubernetesProxyEndpoint } from './k8s-proxy-endpoint';

export function tlsOptionsFor(endpoint: KubernetesProxyEndpoint): ConnectionOptions {
  const host = endpoint.url.hostname.replace(/^\[|\]$/g, '');
  return {
    host,
    port: Number(endpoint.url.port || 443),
    ...(endpoint.caPem ? { ca: endpoint.caPem } : {}),
    ...(isIP(host) === 0 ? { servername: host } : {}),
    // Upgrades need HTTP/1.1; the route handler's requests use it too (one connection per stream is fine here).
    ALPNProtocols: ['http/1.1'],
  };
}

const agents = new Map<string, https.Agent>();

/** A keep-alive agent per proxy URL and CA (a rotated CA gets a new one). */
export function agentFor(endpoint: KubernetesProxyEndpoint): https.Agent {
  const key = `${endpoint.url.origin}\n${endpoint.caPem ?? ''}`;
  let agent = agents.get(key);
  if (!agent) {
    for (const old of agents.values()) old.destroy();
    agents.clear();
    agent = new https.Agent({ ...tlsOptionsFor(endpoint), keepAlive: true, maxSockets: 256 });
    agents.set(key, agent);
  }
  return agent;
}

/** What the user sees when the console cannot talk to kas's proxy, with what to check. */
export function unreachableMessage(endpoint: KubernetesProxyEndpoint, error: unknown): string {
  const err = error as NodeJS.ErrnoException;
  const reason = err instanceof Error ? err.message : String(error);
  if (typeof err?.code === 'string' && /CERT|SSL|SELF_SIGNED|ALTNAME|UNABLE_TO/.test(err.code)) {
    // The CA may have rotated since kas was asked: ask again next time.
    forgetKubernetesProxyEndpoint();
    return `kas's Kubernetes API proxy at ${endpoint.url.origin} presented a certificate the console does not trust (${reason}); the console pins the CA kas reports at GET /api/v1/kubernetes-proxy: check that MOORING_KAS_URL names the same kas, or retry after a certificate rotation`;
  }
  return `the console cannot reach kas's Kubernetes API proxy at ${endpoint.url.origin} (${reason}); check that kas is running with its proxy listener (MOORING_PROXY_PORT, default 8154) and that this address is reachable from the console`;
}
