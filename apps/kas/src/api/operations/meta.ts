import { z } from 'zod';
import { kasVersion } from '../../version';
import { NotFoundError } from '../../services/errors';
import { defineOperation } from '../operation';
import { proxyOf } from './kubeconfigs';

export const metaOperations = {
  version: defineOperation({
    name: 'meta.version',
    type: 'query',
    access: 'public',
    method: 'GET',
    path: '/version',
    summary: 'kas version (no authentication)',
    input: z.strictObject({}),
    output: z.object({
      kasVersion: z.string(),
      apiVersion: z.literal('v1'),
      agentAddress: z
        .string()
        .optional()
        .describe('address agentk dials (MOORING_KAS_URL or the agent listener)'),
    }),
    async handler(_input, ctx) {
      const agentAddress = ctx.kas.agentAddress();
      return { kasVersion, apiVersion: 'v1' as const, ...(agentAddress ? { agentAddress } : {}) };
    },
  }),
  agentInstall: defineOperation({
    name: 'meta.agentInstall',
    type: 'query',
    method: 'GET',
    path: '/agent-install',
    summary:
      "what agentk's install instructions need: kas's agent addresses, its CA, a local agent kubeconfig",
    input: z.strictObject({}),
    output: z.object({
      localAddress: z
        .string()
        .describe("address agentk on kas's own machine dials, e.g. grpcs://127.0.0.1:8150"),
      publicAddress: z
        .string()
        .nullable()
        .describe(
          'address agentk in a cluster dials (MOORING_KAS_URL); null when kas cannot be reached from one',
        ),
      publicAddressProblem: z
        .string()
        .nullable()
        .describe(
          'why publicAddress is null and which settings change it (e.g. kas listens on loopback only)',
        ),
      loopbackOnly: z.boolean().describe('MOORING_LISTEN_HOST is a loopback address'),
      caPem: z
        .string()
        .nullable()
        .describe("kas's self-signed agent API CA (PEM) for --ca-cert-file; null with a public certificate"),
      caFile: z.string().nullable().describe("that CA's path on kas's machine"),
      localKubeconfig: z
        .string()
        .nullable()
        .describe(
          "path of the demo's agent kubeconfig on kas's machine (<data dir>/demo/agent.kubeconfig.yaml)",
        ),
    }),
    async handler(_input, ctx) {
      const facts = ctx.kas.agentInstall?.();
      if (!facts)
        throw new NotFoundError(
          'kas runs without its agent listener (no agent API module), so agentk has nothing to connect to',
        );
      return facts;
    },
  }),
  kubernetesProxy: defineOperation({
    name: 'meta.kubernetesProxy',
    type: 'query',
    // The console's server asks for it before any user is involved; every kubeconfig kas writes carries the same.
    access: 'public',
    method: 'GET',
    path: '/kubernetes-proxy',
    summary:
      "where kas's Kubernetes API proxy listens and the CA its certificate chains to (no authentication)",
    input: z.strictObject({}),
    output: z.object({
      url: z.string().describe('e.g. https://127.0.0.1:8154/k8s-proxy'),
      caPem: z
        .string()
        .nullable()
        .describe("the proxy's CA (PEM) to pin; null when its certificate chains to the system roots"),
    }),
    async handler(_input, ctx) {
      const { url, caPem } = proxyOf(ctx.kas);
      return { url, caPem };
    },
  }),
};
