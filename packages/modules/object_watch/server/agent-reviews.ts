// viewer-access.ts's two questions to a cluster, asked through the agent with agentk's own credentials (it needs
// `create subjectaccessreviews` and `list namespaces`): may this user do that, and which namespaces exist.
import { z } from 'zod';
import { kubeErrorMessage, type AgentKubeRequests } from '../../kubernetes_api/server/index';
import type { NamespaceLister, SubjectAccessReviewer } from './viewer-access';

const reviewAnswer = z.object({
  status: z
    .object({ allowed: z.boolean(), denied: z.boolean().optional(), reason: z.string().optional() })
    .optional(),
});

const namespaceList = z.object({
  items: z.array(z.object({ metadata: z.object({ name: z.string() }) })).max(100_000),
  metadata: z.object({ continue: z.string().optional() }).optional(),
});

/** More namespaces than this are not listed (viewer-access refuses an all-namespaces check beyond its own limit). */
export const NAMESPACE_LIST_LIMIT = 1_001;
/** How long one review or namespace list may take, tunnel wait included. */
export const REQUEST_TIMEOUT_MS = 15_000;

export function subjectAccessReviewer(requests: AgentKubeRequests): SubjectAccessReviewer {
  return async (agentId, user, attributes) => {
    const extra: Record<string, string[]> = {};
    for (const e of user.extra) extra[e.key] = [...e.val];
    const response = await requests.request(agentId, {
      method: 'POST',
      path: '/apis/authorization.k8s.io/v1/subjectaccessreviews',
      body: {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: {
          user: user.username,
          groups: user.groups,
          ...(user.uid && { uid: user.uid }),
          extra,
          resourceAttributes: attributes,
        },
      },
      maxResponseBytes: 64 * 1024,
      // A review that hangs would hold every viewer waiting on its cached answer: it fails instead.
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    if (response.statusCode !== 201 && response.statusCode !== 200)
      throw new Error(
        `agent ${agentId} could not create a SubjectAccessReview (HTTP ${response.statusCode}: ${kubeErrorMessage(response)}); agentk's service account needs create on subjectaccessreviews.authorization.k8s.io`,
      );
    const parsed = reviewAnswer.safeParse(JSON.parse(response.body.toString('utf8')));
    if (!parsed.success) throw new Error(`agent ${agentId} answered a SubjectAccessReview kas cannot read`);
    const status = parsed.data.status;
    return { allowed: status?.allowed === true && status.denied !== true, reason: status?.reason ?? '' };
  };
}

export function namespaceLister(requests: AgentKubeRequests): NamespaceLister {
  return async (agentId) => {
    const response = await requests.request(agentId, {
      method: 'GET',
      path: '/api/v1/namespaces',
      query: { limit: String(NAMESPACE_LIST_LIMIT) },
      // Names only: the API server sends metadata, not each namespace's spec and status.
      headers: { accept: 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1' },
      maxResponseBytes: 8 * 1024 * 1024,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    if (response.statusCode !== 200)
      throw new Error(
        `agent ${agentId} could not list namespaces (HTTP ${response.statusCode}: ${kubeErrorMessage(response)}); agentk's service account needs list on namespaces`,
      );
    const parsed = namespaceList.safeParse(JSON.parse(response.body.toString('utf8')));
    if (!parsed.success) throw new Error(`agent ${agentId} answered a namespace list kas cannot read`);
    return parsed.data.items.map((i) => i.metadata.name);
  };
}
