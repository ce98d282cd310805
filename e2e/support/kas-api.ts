// Talks to kas directly (not through the console), as another user, script or CI job would.
export interface KasApiSession {
  get(path: string): Promise<{ status: number; body: unknown }>;
  post(path: string, body: unknown): Promise<{ status: number; body: unknown }>;
  put(path: string, body: unknown): Promise<{ status: number; body: unknown }>;
  delete(path: string): Promise<{ status: number; body: unknown }>;
}

export async function kasSession(kasUrl: string, username: string, password: string): Promise<KasApiSession> {
  const login = await fetch(`${kasUrl}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (!login.ok) throw new Error(`login to kas failed: ${login.status} ${await login.text()}`);
  const { csrfToken } = (await login.json()) as { csrfToken: string };
  const cookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
  const send = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${kasUrl}${path}`, {
      method,
      headers: {
        cookie,
        'x-csrf-token': csrfToken,
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: await response.json().catch(() => null) };
  };
  return {
    get: (path) => send('GET', path),
    post: (path, body) => send('POST', path, body),
    put: (path, body) => send('PUT', path, body),
    delete: (path) => send('DELETE', path),
  };
}

/**
 * A group, a project in it and an agent in the project, through kas's REST API; fails with kas's answer when a step
 * is refused.
 */
export async function registerAgent(
  kas: KasApiSession,
  names: { group: string; project: string; agent: string },
): Promise<{ groupId: number; projectId: number; agentId: number }> {
  const created = async (path: string, body: unknown) => {
    const res = await kas.post(path, body);
    if (res.status !== 201) throw new Error(`POST ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return (res.body as { id: number }).id;
  };
  const groupId = await created('/api/v1/groups', { name: names.group, path: names.group.toLowerCase() });
  const projectId = await created('/api/v1/projects', {
    groupId,
    name: names.project,
    path: names.project.toLowerCase(),
  });
  const agentId = await created(`/api/v1/projects/${projectId}/agents`, { name: names.agent });
  return { groupId, projectId, agentId };
}
