// Where kas's Kubernetes API proxy listens and the CA to pin, asked of kas (GET /api/v1/kubernetes-proxy, the same
// facts every kubeconfig kas writes carries) and kept briefly, so a proxied request does not cost a second call.
import { z } from 'zod';
import { kasUrl } from './kas-proxy';

export interface KubernetesProxyEndpoint {
  /** e.g. https://127.0.0.1:8154/k8s-proxy */
  url: URL;
  /** PEM; null when the proxy's certificate chains to the system roots. */
  caPem: string | null;
}

/** The console cannot use kas's proxy; the message says what to fix. */
export class ProxyEndpointError extends Error {
  override readonly name = 'ProxyEndpointError';
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

const answer = z.object({
  url: z.string().url().max(2048),
  caPem: z
    .string()
    .max(64 * 1024)
    .nullable(),
});

/** How long the console keeps kas's answer: a rotated CA or a moved port is picked up within this. */
export const ENDPOINT_CACHE_MS = 30_000;
const ASK_TIMEOUT_MS = 10_000;

let cached: { endpoint: KubernetesProxyEndpoint; until: number } | undefined;
let inFlight: Promise<KubernetesProxyEndpoint> | undefined;

export async function kubernetesProxyEndpoint(now = Date.now()): Promise<KubernetesProxyEndpoint> {
  if (cached && cached.until > now) return cached.endpoint;
  inFlight ??= ask().finally(() => (inFlight = undefined));
  const endpoint = await inFlight;
  cached = { endpoint, until: now + ENDPOINT_CACHE_MS };
  return endpoint;
}

/** Forgets kas's answer (after a TLS failure: the CA may have rotated). */
export function forgetKubernetesProxyEndpoint(): void {
  cached = undefined;
}

async function ask(): Promise<KubernetesProxyEndpoint> {
  const where = `${kasUrl()}/api/v1/kubernetes-proxy`;
  let response: Response;
  try {
    response = await fetch(where, { cache: 'no-store', signal: AbortSignal.timeout(ASK_TIMEOUT_MS) });
  } catch (error) {
    const reason =
      error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
    throw new ProxyEndpointError(
      502,
      `the console cannot reach kas at ${kasUrl()} to learn where its Kubernetes API proxy is (${reason}); check that kas is running and MOORING_KAS_URL points at its console API port (8153)`,
    );
  }
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const shaped = body as { message?: unknown; error?: { message?: unknown } } | null;
    const message = shaped?.message ?? shaped?.error?.message;
    throw new ProxyEndpointError(
      response.status === 503 ? 503 : 502,
      typeof message === 'string'
        ? message
        : `kas answered ${response.status} to ${where}; check that MOORING_KAS_URL points at kas's console API port (8153) and that kas is this console's version`,
    );
  }
  const parsed = answer.safeParse(body);
  if (!parsed.success)
    throw new ProxyEndpointError(
      502,
      `kas's answer to ${where} is not a proxy URL and CA; check that kas is this console's version`,
    );
  return { url: new URL(parsed.data.url), caPem: parsed.data.caPem };
}
