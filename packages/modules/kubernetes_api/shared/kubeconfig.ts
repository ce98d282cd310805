// kubeconfig files that point kubectl at the proxy. The proxy's CA is embedded (unless its certificate chains to the
// system roots); TLS checks are never skipped.
import { stringify } from 'yaml';
import { z } from 'zod';

const ContextInput = z.object({
  agentId: z.number().int().positive(),
  /** e.g. `<project path>/<agent name>`; default `agent:<id>`. */
  context: z.string().min(1).optional(),
  namespace: z.string().min(1).optional(),
});

const KubeconfigBase = z.object({
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
  /** The token after the `pat:<id>:` / `ci:<id>:` prefix. */
  token: z.string().min(1),
  credentialKind: z.enum(['pat', 'ci']).default('pat'),
  clusterName: z.string().min(1).default('mooring'),
});

const KubeconfigInput = KubeconfigBase.extend(ContextInput.shape);
const MultiKubeconfigInput = KubeconfigBase.extend({ agents: z.array(ContextInput).min(1).max(1000) });

export type ProxyKubeconfigInput = z.input<typeof KubeconfigInput>;
export type AgentsKubeconfigInput = z.input<typeof MultiKubeconfigInput>;

function parsed<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw new Error(`buildProxyKubeconfig: ${issue.path.join('.') || 'input'} ${issue.message}`);
}

/** One agent's kubeconfig: one context, current. */
export function buildProxyKubeconfig(input: ProxyKubeconfigInput): string {
  const { agentId, context, namespace, ...rest } = parsed(KubeconfigInput, input);
  return buildAgentsKubeconfig({ ...rest, agents: [{ agentId, context, namespace }] });
}

/**
 * One context per agent (the proxy picks the agent from the token's `pat:<agent id>:` prefix, so each agent has
 * its own user entry with the same token); the first context is current.
 */
export function buildAgentsKubeconfig(input: AgentsKubeconfigInput): string {
  const o = parsed(MultiKubeconfigInput, input);
  const contexts = o.agents.map((a) => ({
    ...a,
    user: `agent:${a.agentId}`,
    name: a.context ?? `agent:${a.agentId}`,
  }));
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
    users: contexts.map((c) => ({
      name: c.user,
      user: { token: `${o.credentialKind}:${c.agentId}:${o.token}` },
    })),
    contexts: contexts.map((c) => ({
      name: c.name,
      context: { cluster: o.clusterName, user: c.user, ...(c.namespace ? { namespace: c.namespace } : {}) },
    })),
    'current-context': contexts[0]!.name,
    preferences: {},
  });
}
