// Every API operation, grouped by domain. The tRPC router (trpc/router.ts), the REST routes and the
// OpenAPI document are all derived from this one list.
import type { AnyOperation, OperationGroup } from '../operation';
import { activityOperations } from './activity';
import { agentConfigOperations } from './agent-configs';
import { agentOperations, agentTokenOperations } from './agents';
import { auditOperations } from './audit';
import { ciJobTokenOperations } from './ci-job-tokens';
import { kubeconfigOperations } from './kubeconfigs';
import { groupMemberOperations, projectMemberOperations } from './members';
import { groupOperations, projectOperations } from './namespaces';
import { personalAccessTokenOperations } from './personal-access-tokens';
import { receptiveOperations } from './receptive';
import { replicaOperations } from './replicas';
import { sessionOperations } from './session';
import { userOperations } from './users';
import { metaOperations } from './meta';
import { objectOperations } from './objects';

export const operationGroups = {
  meta: metaOperations,
  session: sessionOperations,
  users: userOperations,
  personalAccessTokens: personalAccessTokenOperations,
  kubeconfig: kubeconfigOperations,
  groups: groupOperations,
  projects: projectOperations,
  groupMembers: groupMemberOperations,
  projectMembers: projectMemberOperations,
  agents: agentOperations,
  agentTokens: agentTokenOperations,
  agentConfigs: agentConfigOperations,
  activity: activityOperations,
  ciJobTokens: ciJobTokenOperations,
  receptive: receptiveOperations,
  audit: auditOperations,
  replicas: replicaOperations,
  objects: objectOperations,
} satisfies Record<string, OperationGroup>;

export const allOperations: AnyOperation[] = Object.values(operationGroups).flatMap(
  (group) => Object.values(group) as AnyOperation[],
);
