// The explorer's world holds what its browser tests rely on: a developer whose RBAC covers one namespace reaches
// that namespace through the console's proxy path as themselves, and the other namespace is refused by the cluster.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startDeveloperWorld, type DeveloperWorld } from './support/developer-world';
import { startStack, type Stack } from './support/stack';

describe('the developer world', () => {
  let stack: Stack;
  let world: DeveloperWorld;
  let session: { cookie: string; csrfToken: string };

  const asDeveloper = (path: string) =>
    fetch(`${stack.consoleUrl}${path}`, {
      headers: { cookie: session.cookie, 'x-csrf-token': session.csrfToken },
    });

  beforeAll(async () => {
    stack = await startStack();
    world = await startDeveloperWorld(stack, 'world');
    const login = await fetch(`${stack.consoleUrl}/api/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: world.username, password: world.password }),
    });
    expect(login.status, await login.clone().text()).toBe(200);
    session = {
      cookie: login.headers.getSetCookie()[0]!.split(';')[0]!,
      csrfToken: ((await login.json()) as { csrfToken: string }).csrfToken,
    };
  }, 400_000);

  afterAll(async () => {
    await world?.stop();
    await stack?.stop();
  });

  it('lets the developer list pods in their namespace as themselves, and not in the other', async () => {
    const own = await asDeveloper(
      `/api/k8s-proxy/${world.agentId}/api/v1/namespaces/${world.namespace}/pods`,
    );
    expect(own.status, await own.clone().text()).toBe(200);
    const other = await asDeveloper(
      `/api/k8s-proxy/${world.agentId}/api/v1/namespaces/${world.forbiddenNamespace}/pods`,
    );
    expect(other.status).toBe(403);
    expect(await other.text()).toContain(`mooring:user:${world.username}`);
  });
});
