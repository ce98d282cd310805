// Where and as whom agentk talks to its cluster's API server: the server URL, TLS material and credentials taken
// from its kubeconfig (token, token file or client certificate). Credentials are re-read every minute so rotated
// service-account tokens are picked up.
import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

export interface KubeApiTarget {
  readonly url: URL;
  /** Keep-alive agent for ordinary requests (HTTP/1.1; sockets reused). */
  readonly agent: http.Agent;
  /** TLS options for a fresh connection (upgrades get their own socket). */
  readonly tls: https.AgentOptions;
  /** Current credential headers (e.g. `authorization`). */
  authHeaders(): Promise<Record<string, string>>;
  close(): void;
}

const REFRESH_MS = 60_000;

export async function kubeApiTargetFromKubeConfig(kc: KubeConfig): Promise<KubeApiTarget> {
  const cluster = kc.getCurrentCluster();
  if (!cluster)
    throw new Error('the kubeconfig has no current cluster; set current-context or pass --kubeconfig');
  const url = new URL(cluster.server);
  const opts: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  const tls: https.AgentOptions = {
    ca: opts.ca,
    cert: opts.cert,
    key: opts.key,
    pfx: opts.pfx,
    passphrase: opts.passphrase,
    servername: cluster.tlsServerName,
    rejectUnauthorized: !cluster.skipTLSVerify,
  };
  const agent =
    url.protocol === 'https:'
      ? new https.Agent({ ...tls, keepAlive: true, maxSockets: Infinity, maxFreeSockets: 64 })
      : new http.Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 64 });

  let cached = headersOf(opts);
  let fetchedAt = Date.now();
  return {
    url,
    agent,
    tls,
    async authHeaders() {
      if (Date.now() - fetchedAt > REFRESH_MS) {
        const fresh: https.RequestOptions = {};
        await kc.applyToHTTPSOptions(fresh);
        cached = headersOf(fresh);
        fetchedAt = Date.now();
      }
      return cached;
    },
    close: () => agent.destroy(),
  };
}

function headersOf(opts: https.RequestOptions): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.headers ?? {})) {
    if (typeof v === 'string' || typeof v === 'number') out[k.toLowerCase()] = String(v);
  }
  if (opts.auth) out['authorization'] = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
  return out;
}
