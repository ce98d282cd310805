// One click to a kubeconfig for every agent the user may reach (like `glab cluster agent update-kubeconfig`): kas
// mints a personal access token for the purpose (scope k8s_proxy only, with an expiry) and writes one context per
// agent, each starting in the namespace its user_access entry names. The console's user menu and the CLI both call it.
import { buildAgentsKubeconfig } from '@mooring/modules/kubernetes_api/shared/kubeconfig';
import { z } from 'zod';
import { NotFoundError } from '../../services/errors';
import { MAX_REACHABLE_CANDIDATES, type ReachableAgent } from '../../services/agent-access';
import { actorOf } from '../actor';
import { ApiError } from '../errors';
import { defineOperation, type KasInfo } from '../operation';
import { id } from '../views';
import { patView, toPatView } from './personal-access-tokens';

const DAY_MS = 24 * 60 * 60 * 1000;

const reachableView = z.object({
  agentId: id,
  agentName: z.string(),
  projectPath: z.string(),
  context: z.string().describe('the kubeconfig context name: <project path>/<agent name>'),
  defaultNamespace: z
    .string()
    .nullable()
    .describe('from the user_access entry that lets you in; null: none set'),
});

const contextOf = (a: ReachableAgent) => `${a.projectPath}/${a.agentName}`;
const toReachableView = (a: ReachableAgent): z.input<typeof reachableView> => ({
  ...a,
  context: contextOf(a),
});

/** kas's Kubernetes API proxy (URL and CA), or a 503 that says how to start kas with it. */
export function proxyOf(kas: KasInfo) {
  const proxy = kas.proxyEndpoint();
  if (!proxy)
    throw new ApiError(
      503,
      'unavailable',
      'this kas runs without the Kubernetes API proxy (kubernetes_api module), so there is no proxy for kubeconfigs or the console’s cluster views; start kas with its default modules',
    );
  return proxy;
}

const nothingToReach = () =>
  new NotFoundError(
    'you may not use any agent through the Kubernetes API proxy yet: ask a Maintainer of the project that registered ' +
      'the agent to make you Developer there, or to list your project or group under user_access in the agent’s configuration',
  );

export const kubeconfigOperations = {
  agents: defineOperation({
    name: 'kubeconfig.agents',
    type: 'query',
    method: 'GET',
    path: '/kubeconfig/agents',
    summary: `The agents you may use through the Kubernetes API proxy, as contexts of a kubeconfig (at most ${MAX_REACHABLE_CANDIDATES} are checked)`,
    input: z.strictObject({}),
    output: z.array(reachableView),
    async handler(_input, ctx) {
      return (await ctx.services.agentAccess.reachableByUser(actorOf(ctx))).map(toReachableView);
    },
  }),

  create: defineOperation({
    name: 'kubeconfig.create',
    type: 'mutation',
    method: 'POST',
    path: '/kubeconfig',
    successStatus: 201,
    summary:
      'Mint a personal access token (scope k8s_proxy, with an expiry) and answer a kubeconfig with one context per agent you may reach (or per agentIds); the token is in this answer only',
    input: z.strictObject({
      agentIds: z
        .array(id)
        .min(1, 'list at least one agent, or leave agentIds out for every agent you may reach')
        .max(MAX_REACHABLE_CANDIDATES, `at most ${MAX_REACHABLE_CANDIDATES} agents`)
        .optional(),
      expiresInDays: z
        .number()
        .int('must be a whole number of days')
        .min(1, 'must be at least 1 day')
        .max(365, 'must be at most 365 days')
        .default(30),
    }),
    output: z.object({
      filename: z.string(),
      yaml: z.string().describe('the kubeconfig, token included: store it as a private file (chmod 600)'),
      token: patView,
      contexts: z.array(reachableView),
    }),
    async handler(input, ctx) {
      const proxy = proxyOf(ctx.kas);
      const actor = actorOf(ctx);
      const reachable = await ctx.services.agentAccess.reachableByUser(actor, input.agentIds);
      if (reachable.length === 0) throw nothingToReach();
      const missing = (input.agentIds ?? []).filter((a) => !reachable.some((r) => r.agentId === a));
      if (missing.length)
        throw new NotFoundError(
          `agent${missing.length > 1 ? 's' : ''} ${missing.join(', ')} not found among the agents you may use; GET /api/v1/kubeconfig/agents lists them`,
        );
      const expiresAt = new Date(ctx.services.clock.now().getTime() + input.expiresInDays * DAY_MS);
      const { token, info } = await ctx.services.personalAccessTokens.create(actor, {
        name: `kubeconfig (${reachable.length} agent${reachable.length > 1 ? 's' : ''})`,
        scopes: ['k8s_proxy'],
        expiresAt,
      });
      const yaml = buildAgentsKubeconfig({
        proxyUrl: proxy.url,
        caPem: proxy.caPem,
        token,
        agents: reachable.map((a) => ({
          agentId: a.agentId,
          context: contextOf(a),
          ...(a.defaultNamespace ? { namespace: a.defaultNamespace } : {}),
        })),
      });
      return {
        filename: 'mooring.kubeconfig',
        yaml,
        token: toPatView(info),
        contexts: reachable.map(toReachableView),
      };
    },
  }),
};
