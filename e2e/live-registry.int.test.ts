// Registry changes are live: two open Clusters lists, an agent registered and deleted through kas's API (as another
// user or script would) appears and disappears in both without a reload; the sparkline's tooltip says where its
// samples start; a tap on the status shows its reason (touch has no hover).
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { LoginPage } from './pages/login-page';
import { launchChromium, newContext, screenshot } from './support/browser';
import { kasSession, type KasApiSession, registerAgent } from './support/kas-api';
import { adminPassword, adminUsername, startStack, type Stack } from './support/stack';

describe('live registry changes in the Clusters list', () => {
  let stack: Stack;
  let browser: Browser;
  let context: BrowserContext;
  let pages: Page[] = [];
  let api: KasApiSession;
  let projectId = 0;

  beforeAll(async () => {
    stack = await startStack();
    browser = await launchChromium();
    context = await newContext(browser, stack.consoleUrl);
    pages = [await context.newPage(), await context.newPage()];
    for (const page of pages) page.setDefaultTimeout(20_000);
    api = await kasSession(stack.kasUrl, adminUsername, adminPassword);
    ({ projectId } = await registerAgent(api, { group: 'Live', project: 'Registry', agent: 'first' }));
  }, 300_000);

  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail')
      for (const [i, page] of pages.entries())
        await screenshot(
          page,
          `failed-live-registry-${i}-${ctx.task.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 50)}`,
        );
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  const row = (page: Page, name: string) =>
    page.locator(`[data-testid="clusters-table"] tr[data-agent="${name}"]`);

  it('adds an agent registered elsewhere to every open list, and removes it when deleted', async () => {
    const [a, b] = pages as [Page, Page];
    await a.goto('/');
    await new LoginPage(a).logIn(adminUsername, adminPassword);
    await a.waitForURL((url) => url.pathname === '/');
    await b.goto('/');
    for (const page of pages) {
      await row(page, 'first').waitFor();
      await page.locator('[data-live-state="live"]').waitFor();
    }

    const created = await api.post(`/api/v1/projects/${projectId}/agents`, { name: 'added-live' });
    expect(created.status).toBe(201);
    for (const page of pages) await row(page, 'added-live').waitFor();

    const deleted = await api.delete(`/api/v1/agents/${(created.body as { id: number }).id}`);
    expect(deleted.status).toBe(200);
    for (const page of pages) await row(page, 'added-live').waitFor({ state: 'detached' });
    expect(await row(a, 'first').count()).toBe(1);
  });

  it('shows the status reason on a tap, and closes it with Escape', async () => {
    const page = pages[0]!;
    const badge = row(page, 'first').getByTestId('status-badge');
    await badge.tap().catch(() => badge.click());
    const tip = page
      .getByRole('tooltip')
      .filter({ hasText: /No agentk has connected as first yet: create a token/ });
    await tip.waitFor();
    // Still on the list: the tap opened the tip, not the agent.
    expect(new URL(page.url()).pathname).toBe('/');
    await page.keyboard.press('Escape');
    await tip.waitFor({ state: 'hidden' });
  });
});
