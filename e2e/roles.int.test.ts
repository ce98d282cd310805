// Roles in a real Chromium against a real kas and the real console: a Developer is offered no change kas would
// refuse, a Maintainer is offered them, people are named, and an administrator confirms role changes.
import { RestClient } from '@mooring/kas/testing/api-client';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { AgentPage } from './pages/agent-page';
import { LoginPage } from './pages/login-page';
import { launchChromium, newContext, screenshot } from './support/browser';
import { adminPassword, adminUsername, startStack, type Stack } from './support/stack';

describe('roles in the console', () => {
  let stack: Stack;
  let browser: Browser;
  let page: Page | undefined;
  let agentId = 0;
  let projectId = 0;
  const users = { developer: 'dana-dev', maintainer: 'max-maint', owner: 'olga-owner' } as const;
  const password = (username: string) => `${username}-password-1`;

  beforeAll(async () => {
    stack = await startStack();
    browser = await launchChromium();
    const admin = new RestClient(stack.kasUrl);
    expect((await admin.login(adminUsername, adminPassword)).status).toBe(200);
    const group = await admin.post<{ id: number }>('/api/v1/groups', { name: 'Platform', path: 'platform' });
    const project = await admin.post<{ id: number }>('/api/v1/projects', {
      groupId: group.body.id,
      name: 'Infra',
      path: 'infra',
    });
    const agent = await admin.post<{ id: number }>(`/api/v1/projects/${project.body.id}/agents`, {
      name: 'roles-cluster',
    });
    expect(agent.status, agent.text).toBe(201);
    agentId = agent.body.id;
    projectId = project.body.id;
    expect((await admin.post(`/api/v1/agents/${agentId}/tokens`, { name: 'deploy' })).status).toBe(201);
    for (const [role, username] of Object.entries(users)) {
      const user = await admin.post<{ id: number }>('/api/v1/users', {
        username,
        password: password(username),
      });
      expect(user.status, user.text).toBe(201);
      const member = await admin.put(`/api/v1/groups/${group.body.id}/members/${user.body.id}`, { role });
      expect(member.status, member.text).toBe(200);
    }
  }, 300_000);

  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail' && page) {
      await screenshot(page, `failed-roles-${ctx.task.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}`);
    }
    await page?.context().close();
    page = undefined;
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  async function signIn(username: string, secret: string): Promise<Page> {
    const context = await newContext(browser, stack.consoleUrl);
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    await page.goto('/login');
    await new LoginPage(page).logIn(username, secret);
    await page.waitForURL((url) => url.pathname !== '/login');
    return page;
  }

  /** Opens a tab and waits for its content, so that a missing button is missing and not just late. */
  async function openTab(p: Page, tab: 'tokens' | 'configuration' | 'receptive', ready: string) {
    await new AgentPage(p, agentId).openTab(tab);
    await p.getByText(ready).first().waitFor();
  }

  it('offers a Developer no change: no Delete, Create token, Revoke, Save, Save endpoint or New user', async () => {
    const p = await signIn(users.developer, password(users.developer));
    await openTab(p, 'tokens', 'active tokens');
    await p.locator('tr[data-token="deploy"]').waitFor();
    // The creator by name, not "user 1".
    expect(await p.locator('tr[data-token="deploy"] td').nth(2).innerText()).toBe(adminUsername);
    expect(await p.getByRole('button', { name: 'Delete' }).count()).toBe(0);
    expect(await p.getByRole('button', { name: 'Create token' }).count()).toBe(0);
    expect(await p.getByRole('button', { name: /^Revoke/ }).count()).toBe(0);
    await screenshot(p, 'roles-developer-tokens');

    await openTab(p, 'configuration', 'Read-only: saving needs the Maintainer role');
    expect(await p.getByRole('button', { name: 'Save as new version' }).count()).toBe(0);

    await openTab(p, 'receptive', 'Changing the endpoint needs the Maintainer role');
    expect(await p.getByRole('button', { name: 'Save endpoint' }).count()).toBe(0);

    await p.goto(`/projects/${projectId}`);
    await p.getByRole('heading', { name: 'Agents' }).waitFor();
    await p.getByText('Owners manage the members here.').waitFor();
    expect(await p.getByRole('form', { name: 'Register an agent' }).count()).toBe(0);

    await p.goto('/admin/users');
    await p.getByText('Users are managed by administrators').waitFor();
    expect(await p.getByRole('heading', { name: 'New user' }).count()).toBe(0);
    await screenshot(p, 'roles-developer-users');
  });

  it('offers a Maintainer the agent changes, and still no New user', async () => {
    const p = await signIn(users.maintainer, password(users.maintainer));
    await openTab(p, 'tokens', 'active tokens');
    await p.getByRole('button', { name: 'Delete' }).waitFor();
    await p.getByRole('button', { name: 'Create token' }).waitFor();
    await p.getByRole('button', { name: 'Revoke token deploy' }).waitFor();
    await screenshot(p, 'roles-maintainer-tokens');

    await new AgentPage(p, agentId).openTab('configuration');
    await p.getByRole('button', { name: 'Save as new version' }).waitFor();
    await openTab(p, 'receptive', 'Saved endpoint');
    await p.getByRole('button', { name: 'Save endpoint' }).waitFor();

    await p.goto(`/projects/${projectId}`);
    await p.getByRole('form', { name: 'Register an agent' }).waitFor();

    await p.goto('/admin/users');
    await p.getByText('Users are managed by administrators').waitFor();
    expect(await p.getByRole('heading', { name: 'New user' }).count()).toBe(0);
  });

  it('lets an Owner who is not an administrator add a member by username, and names a username that does not exist', async () => {
    const admin = new RestClient(stack.kasUrl);
    expect((await admin.login(adminUsername, adminPassword)).status).toBe(200);
    expect(
      (await admin.post('/api/v1/users', { username: 'nina-new', password: password('nina-new') })).status,
    ).toBe(201);
    const p = await signIn(users.owner, password(users.owner));
    await p.goto(`/projects/${projectId}`);
    const members = p.getByRole('region', { name: 'Members' });
    await members.getByLabel('Username').fill('nina-nobody');
    await members.getByRole('button', { name: 'Add member' }).click();
    await members
      .getByText('there is no user "nina-nobody"; check the spelling, or ask an administrator')
      .waitFor();
    await members.getByLabel('Username').fill('nina-new');
    await members.getByRole('button', { name: 'Add member' }).click();
    await members.getByRole('cell', { name: 'nina-new', exact: true }).waitFor();
    const listed = await admin.get<{ username: string; directRole: string | null }[]>(
      `/api/v1/projects/${projectId}/members`,
    );
    expect(listed.body.find((m) => m.username === 'nina-new')?.directRole).toBe('developer');
  });

  it('asks an administrator before Make admin, and offers nothing on their own row', async () => {
    const p = await signIn(adminUsername, adminPassword);
    await p.goto('/admin/users');
    const own = p.locator(`tr[data-user="${adminUsername}"]`);
    await own.getByTestId('own-row').waitFor();
    expect(await own.getByRole('button').count()).toBe(0);
    await p.getByRole('heading', { name: 'New user' }).waitFor();

    const developer = p.locator(`tr[data-user="${users.developer}"]`);
    await developer.getByRole('button', { name: 'Make admin' }).click();
    const dialog = p.getByRole('dialog');
    await dialog.getByText(`Make ${users.developer} an administrator?`).waitFor();
    await screenshot(p, 'roles-confirm-make-admin');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect(await developer.getByRole('cell', { name: 'User', exact: true }).count()).toBe(1);

    await developer.getByRole('button', { name: 'Disable' }).click();
    await dialog.getByRole('button', { name: `Disable ${users.developer}` }).click();
    await dialog.waitFor({ state: 'hidden' });
    await developer.getByText('Disabled').waitFor();
  });
});
