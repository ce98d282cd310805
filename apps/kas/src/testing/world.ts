// A small world over real HTTP: an admin session, users with each role on one group/project.
import { expect } from 'vitest';
import { RestClient } from './api-client';
import type { TestKas } from './test-kas';

export type TestRole = 'guest' | 'reporter' | 'developer' | 'maintainer' | 'owner';

export interface HttpWorld {
  admin: RestClient;
  /** A logged-in client per role on `groupId` (inherited by `projectId`). */
  as: Record<TestRole, RestClient>;
  userIds: Record<TestRole, number>;
  groupId: number;
  projectId: number;
  agentId: number;
}

let counter = 0;
export function uniqueName(prefix: string): string {
  counter++;
  return `${prefix}-${counter}-${Math.random().toString(36).slice(2, 6)}`;
}

export async function buildHttpWorld(
  kas: Pick<TestKas, 'apiUrl' | 'adminUsername' | 'adminPassword'>,
): Promise<HttpWorld> {
  const admin = new RestClient(kas.apiUrl);
  expect((await admin.login(kas.adminUsername, kas.adminPassword)).status).toBe(200);
  const group = await admin.post<{ id: number }>('/api/v1/groups', {
    name: 'Platform',
    path: uniqueName('platform'),
  });
  expect(group.status, group.text).toBe(201);
  const project = await admin.post<{ id: number }>('/api/v1/projects', {
    groupId: group.body.id,
    name: 'Prod',
    path: 'prod',
  });
  expect(project.status, project.text).toBe(201);
  const agent = await admin.post<{ id: number }>(`/api/v1/projects/${project.body.id}/agents`, {
    name: uniqueName('cluster'),
  });
  expect(agent.status, agent.text).toBe(201);

  const roles: TestRole[] = ['guest', 'reporter', 'developer', 'maintainer', 'owner'];
  const as = {} as Record<TestRole, RestClient>;
  const userIds = {} as Record<TestRole, number>;
  for (const role of roles) {
    const username = uniqueName(role);
    const password = `${role}-password-1`;
    const user = await admin.post<{ id: number }>('/api/v1/users', { username, password });
    expect(user.status, user.text).toBe(201);
    const member = await admin.put(`/api/v1/groups/${group.body.id}/members/${user.body.id}`, { role });
    expect(member.status, member.text).toBe(200);
    const client = new RestClient(kas.apiUrl);
    expect((await client.login(username, password)).status).toBe(200);
    as[role] = client;
    userIds[role] = user.body.id;
  }
  return {
    admin,
    as,
    userIds,
    groupId: group.body.id,
    projectId: project.body.id,
    agentId: agent.body.id,
  };
}
