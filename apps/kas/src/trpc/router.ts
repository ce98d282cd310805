// The console's API. The console imports `type AppRouter` from here; procedures are derived from
// the operations in api/operations (the same ones REST serves under /api/v1).
import { operationGroups } from '../api/operations/index';
import { proceduresFor } from './from-operations';
import { t } from './init';
import type { AnySubscription } from '../api/operation';
import { liveSubscriptions } from '../live/live-subscriptions';
import { subscriptionProceduresFor } from './from-subscriptions';
import { kubeconfigRouter, liveRouter, liveSourceOf } from './live';
import { agentConfigSubscriptions } from './subscriptions';
import { objectSubscriptions } from '../api/operations/objects';

export const appRouter = t.router({
  meta: t.router(proceduresFor(operationGroups.meta)),
  session: t.router(proceduresFor(operationGroups.session)),
  users: t.router(proceduresFor(operationGroups.users)),
  personalAccessTokens: t.router(proceduresFor(operationGroups.personalAccessTokens)),
  groups: t.router(proceduresFor(operationGroups.groups)),
  projects: t.router(proceduresFor(operationGroups.projects)),
  members: t.router({
    group: t.router(proceduresFor(operationGroups.groupMembers)),
    project: t.router(proceduresFor(operationGroups.projectMembers)),
  }),
  agents: t.router(proceduresFor(operationGroups.agents)),
  agentTokens: t.router(proceduresFor(operationGroups.agentTokens)),
  agentConfigs: t.router({
    ...proceduresFor(operationGroups.agentConfigs),
    ...subscriptionProceduresFor(agentConfigSubscriptions),
  }),
  activity: t.router(proceduresFor(operationGroups.activity)),
  ciJobTokens: t.router(proceduresFor(operationGroups.ciJobTokens)),
  receptive: t.router(proceduresFor(operationGroups.receptive)),
  audit: t.router(proceduresFor(operationGroups.audit)),
  replicas: t.router(proceduresFor(operationGroups.replicas)),
  objects: t.router({
    ...proceduresFor(operationGroups.objects),
    ...subscriptionProceduresFor(objectSubscriptions),
  }),
  live: liveRouter,
  kubeconfig: t.mergeRouters(kubeconfigRouter, t.router(proceduresFor(operationGroups.kubeconfig))),
});

export type AppRouter = typeof appRouter;

/** Every subscription the router serves, for checks generated from the list (as from allOperations). */
export const allSubscriptions: AnySubscription[] = [
  ...Object.values(agentConfigSubscriptions),
  ...Object.values(objectSubscriptions),
  ...Object.values(liveSubscriptions(liveSourceOf)),
];
