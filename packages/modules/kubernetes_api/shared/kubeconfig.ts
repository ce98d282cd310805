// kubeconfig files that point kubectl at the proxy. The proxy's CA is embedded (unless its certificate chains to the
// system roots); TLS checks are never skipped.
import { stringify } from 'yaml';
import { z } from 'zod';

const KubeconfigInput = z.object({
  proxyUrl: z
    .string()
    .url()
    .refine(
      (u) => u.startsWith('https://'),
      'must be an https:// URL (kubectl does not send tokens over http)',
    ),
  /** The proxy's CA; null or omitted when its certificate chains to the system roots (kubectl then uses those). */
  caPem: z
    .string()
    .includes('-----BEGIN CERTIFICATE-----', { message: 'must be a PEM certificate' })
    .nullish(),
  agentId: z.number().int().positive(),
  /** The token after the `pat:<id>:` / `ci:<id>:` prefix. */
  token: z.string().min(1),
  credentialKind: z.enum(['pat', 'ci']).default('pat'),
  /** e.g. `<project path>:<agent name>`; default `agent:<id>`. */
  context: z.string().min(1).optional(),
  namespace: z.string().min(1).optional(),
  clusterName: z.string().min(1).default('mooring'),
});

export type ProxyKubeconfigInput = z.input<typeof KubeconfigInput>;

export function buildProxyKubeconfig(input: ProxyKubeconfigInput): string {
  const parsed = KubeconfigInput.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`buildProxyKubeconfig: ${issue.path.join('.') || 'input'} ${issue.message}`);
  }
  const o = parsed.data;
  const user = `agent:${o.agentId}`;
  const context = o.context ?? user;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: o.clusterName,
        cluster: {
          server: o.proxyUrl,
          ...(o.caPem ? { 'certificate-authority-data': Buffer.from(o.caPem).toString('base64') } : {}),
        },
      },
    ],
    users: [{ name: user, user: { token: `${o.credentialKind}:${o.agentId}:${o.token}` } }],
    contexts: [
      {
        name: context,
        context: { cluster: o.clusterName, user, ...(o.namespace ? { namespace: o.namespace } : {}) },
      },
    ],
    'current-context': context,
    preferences: {},
  });
}
