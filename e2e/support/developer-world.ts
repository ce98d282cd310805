// The explorer's e2e world (issue 14's "Done means"): a developer whose Kubernetes RBAC covers one namespace only.
// An agent whose configuration says `user_access` with `access_as: {user: {}}` for its project, a real agentk on the
// run's cluster, a developer who is a Developer of the project's group, a RoleBinding of `edit` for
// `mooring:user:<name>` in their namespace — and a second namespace the developer may not see, holding objects
// that must never reach their browser.
import { randomBytes } from 'node:crypto';

import { RestClient } from '@mooring/kas/testing/api-client';
import {
  createFreshNamespace,
  deleteNamespace,
  kubectl,
  type KubectlRunOptions,
} from '@mooring/kube-dev/testing';
import { until } from '@mooring/modules/shared/testing/until';

import { startAgentk, type AgentkProcess } from './agentk';
import { adminPassword, adminUsername, type Stack } from './stack';

export interface DeveloperWorld {
  agentId: number;
  agentName: string;
  projectPath: string;
  /** The developer's own namespace (RoleBinding of `edit`). */
  namespace: string;
  /** A namespace the developer has no RBAC in. */
  forbiddenNamespace: string;
  username: string;
  password: string;
  /** A REST client signed in as the administrator (kas directly). */
  admin: RestClient;
  agentk: AgentkProcess;
  stop(): Promise<void>;
}

export async function kubectlOk(args: string[], options: KubectlRunOptions = {}): Promise<string> {
  const result = await kubectl(args, options);
  if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

export interface DeveloperWorldOptions {
  /** The agent configuration's `object_watch.resources` (absent: the default set). */
  objectWatchResources?: readonly string[];
}

export async function startDeveloperWorld(
  stack: Stack,
  name = 'explorer',
  options: DeveloperWorldOptions = {},
): Promise<DeveloperWorld> {
  const suffix = randomBytes(2).toString('hex');
  const admin = new RestClient(stack.kasUrl);
  const login = await admin.login(adminUsername, adminPassword);
  if (login.status !== 200) throw new Error(`admin login: ${login.status} ${login.text}`);
  const created = async (path: string, body: unknown) => {
    const res = await admin.post<{ id: number; secret?: string; fullPath?: string }>(path, body);
    if (res.status !== 201) throw new Error(`POST ${path}: ${res.status} ${res.text}`);
    return res.body;
  };
  const group = await created('/api/v1/groups', { name: `Team ${suffix}`, path: `team-${suffix}` });
  const project = await created('/api/v1/projects', { groupId: group.id, name: 'Apps', path: 'apps' });
  const projectPath = `team-${suffix}/apps`;
  const agentName = `${name}-${suffix}`;
  const agent = await created(`/api/v1/projects/${project.id}/agents`, { name: agentName });
  const watched = options.objectWatchResources
    ? `object_watch:\n  resources:\n${options.objectWatchResources.map((r) => `    - ${r}\n`).join('')}`
    : '';
  const config = await admin.post(`/api/v1/agents/${agent.id}/configs`, {
    yaml: `user_access:\n  access_as:\n    user: {}\n  projects:\n    - id: ${projectPath}\n${watched}`,
  });
  if (config.status !== 201) throw new Error(`saving the agent config: ${config.status} ${config.text}`);
  const username = `dev-${suffix}`;
  const password = `${username}-password-1`;
  const user = await created('/api/v1/users', { username, password });
  const member = await admin.put(`/api/v1/groups/${group.id}/members/${user.id}`, { role: 'developer' });
  if (member.status !== 200) throw new Error(`membership: ${member.status} ${member.text}`);

  const namespace = await createFreshNamespace();
  const forbiddenNamespace = await createFreshNamespace();
  await kubectlOk([
    'create', 'rolebinding', 'developer-edit', '-n', namespace, '--clusterrole=edit', `--user=mooring:user:${username}`,
  ]); // prettier-ignore
  const token = await created(`/api/v1/agents/${agent.id}/tokens`, { name: 'explorer' });
  const agentk = startAgentk(stack, token.secret!, `agentk-${agentName}`);
  await until(
    () => `agentk connected (its output: ${agentk.output().slice(-2000)})`,
    async () => {
      const res = await admin.get<{ podName: string }[]>(`/api/v1/agents/${agent.id}/connections`);
      return res.status === 200 && res.body.some((c) => c.podName === `agentk-${agentName}`);
    },
    90_000,
  );
  return {
    agentId: agent.id,
    agentName,
    projectPath,
    namespace,
    forbiddenNamespace,
    username,
    password,
    admin,
    agentk,
    async stop() {
      await agentk.stop();
      for (const ns of [namespace, forbiddenNamespace]) await deleteNamespace(ns).catch(() => undefined);
    },
  };
}
