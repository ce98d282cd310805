// The console's shell in a real Chromium against a real kas: the phone layout (menu, scrolling tabs, dialogs that
// fit), kas going away and coming back behind a gate (e2e/support/kas-gate.ts), and a session that ends while a
// live page is open in another tab. Screenshots go to e2e/artifacts/shell-*.png.
import { startConsole, type RunningConsole } from '@mooring/console/server/start';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';

import { LoginPage } from './pages/login-page';
import { kasSession, registerAgent } from './support/kas-api';
import { launchChromium, newContext, screenshot } from './support/browser';
import { expectNoHorizontalOverflow } from './support/overflow';
import { adminPassword, adminUsername, startStack, type Stack } from './support/stack';

const phone = { width: 390, height: 844 };

/** Every page the menu leads to, with the heading it shows. */
const pages = [
  { link: 'Clusters', heading: 'Clusters', path: '/' },
  { link: 'Projects', heading: 'Projects', path: '/projects' },
  { link: 'Groups', heading: 'Groups', path: '/groups' },
  { link: 'Tokens', heading: 'Personal access tokens', path: '/tokens' },
  { link: 'Versions', heading: 'Kubernetes version policy', path: '/versions' },
  { link: 'Users', heading: 'Users', path: '/admin/users' },
  { link: 'Audit log', heading: 'Audit log', path: '/admin/audit' },
  { link: 'Replicas', heading: 'Replicas', path: '/admin/replicas' },
];

async function signIn(page: Page): Promise<void> {
  await page.goto('/login');
  await new LoginPage(page).logIn(adminUsername, adminPassword);
  await page.waitForURL((url) => url.pathname === '/');
  await page.getByRole('heading', { name: 'Clusters' }).waitFor();
}

describe('console shell in Chromium', () => {
  let stack: Stack;
  let browser: Browser;
  let phoneContext: BrowserContext;
  let page: Page;
  let agentId: number;
  /** The console started again on the same port by the console-outage step. */
  let restartedConsole: RunningConsole | undefined;

  beforeAll(async () => {
    stack = await startStack({ kasGate: true });
    browser = await launchChromium();
    phoneContext = await browser.newContext({ baseURL: stack.consoleUrl, viewport: phone, hasTouch: true });
    page = await phoneContext.newPage();
    page.setDefaultTimeout(15_000);
    const api = await kasSession(stack.kasUrl, adminUsername, adminPassword);
    ({ agentId } = await registerAgent(api, {
      group: 'Platform',
      project: 'Infra',
      agent: 'a-cluster-with-a-rather-long-name',
    }));
  }, 300_000);

  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail' && page) {
      await screenshot(page, `failed-shell-${ctx.task.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}`);
    }
  });

  afterAll(async () => {
    await restartedConsole?.stop();
    await browser?.close();
    await stack?.stop();
  });

  it('reaches every page from the menu at phone width, without sideways scrolling', async () => {
    await signIn(page);
    await expectNoHorizontalOverflow(page);
    for (const target of pages) {
      await page.getByRole('button', { name: 'Menu' }).click();
      const menu = page.getByRole('navigation', { name: 'Main' });
      if (target.link === 'Users') await screenshot(page, 'shell-phone-menu');
      await menu.getByRole('link', { name: target.link, exact: true }).click();
      await page.waitForURL((url) => url.pathname === target.path);
      await page.getByRole('heading', { name: target.heading, exact: true }).waitFor();
      // The menu closes once the page changed.
      await menu.waitFor({ state: 'hidden' });
      await expectNoHorizontalOverflow(page);
    }
  });

  it('keeps the agent page and its dialogs inside a phone screen', async () => {
    await page.goto(`/agents/${agentId}`);
    await page.getByRole('tablist', { name: 'Agent sections' }).waitFor();
    await expectNoHorizontalOverflow(page);
    // The tab bar scrolls sideways instead: its last tab is reachable, and so is the first again.
    await page.getByRole('tab', { name: 'Connect' }).click();
    await page.waitForURL(/tab=connect/);
    await page.getByRole('tab', { name: 'Overview' }).click();
    await page.waitForURL(/tab=overview/);
    await screenshot(page, 'shell-phone-agent');
    await expectNoHorizontalOverflow(page);

    await page.getByRole('button', { name: 'Download kubeconfig' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    const box = await dialog.boundingBox();
    expect(box).not.toBeNull();
    expect(box!.x).toBeGreaterThanOrEqual(0);
    expect(box!.x + box!.width).toBeLessThanOrEqual(phone.width);
    expect(box!.y + box!.height).toBeLessThanOrEqual(phone.height);
    await screenshot(page, 'shell-phone-kubeconfig-dialog');
    await expectNoHorizontalOverflow(page);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
  });

  it('has an account menu with the user, Get kubeconfig and Sign out', async () => {
    await page.goto('/projects');
    await page.getByRole('heading', { name: 'Projects' }).waitFor();
    await page.getByRole('button', { name: adminUsername }).click();
    const kubeconfig = page.getByRole('link', { name: 'Get kubeconfig' });
    expect(await kubeconfig.getAttribute('href')).toBe('/kubeconfig');
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    await expectNoHorizontalOverflow(page);
    await screenshot(page, 'shell-phone-account-menu');
    await page.keyboard.press('Escape');
    await kubeconfig.waitFor({ state: 'hidden' });

    const desktop = await (await newContext(browser, stack.consoleUrl)).newPage();
    await signIn(desktop);
    await desktop.getByRole('button', { name: adminUsername }).click();
    await desktop.getByRole('link', { name: 'Get kubeconfig' }).waitFor();
    await screenshot(desktop, 'shell-desktop-account-menu');
    await desktop.context().close();
  });

  it('says since when kas cannot be reached, keeps the shell, and recovers when kas is back', async () => {
    const desktop = await (await newContext(browser, stack.consoleUrl)).newPage();
    await signIn(desktop);
    await desktop.goto(`/agents/${agentId}`);
    await desktop.locator('[data-live-state="live"]').first().waitFor();
    await page.goto('/');
    const liveDot = page.locator('[data-live-state]').first();
    await page.locator('[data-live-state="live"]').first().waitFor();

    stack.kasGate!.shut();
    onTestFinished(() => stack.kasGate!.open());
    const banner = page.getByRole('alert').filter({ hasText: 'kas cannot be reached' });
    await banner.waitFor();
    expect(await banner.innerText()).toMatch(
      /kas cannot be reached since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/,
    );
    expect(await banner.locator('time').getAttribute('datetime')).toMatch(/^\d{4}-\d\d-\d\dT/);
    await expect.poll(() => liveDot.getAttribute('data-live-state')).toBe('kas-unreachable');
    expect(await page.content()).not.toContain('signal is aborted');
    await expectNoHorizontalOverflow(page);
    await screenshot(page, 'shell-phone-kas-unreachable');

    // Moving to another page keeps the shell and the notice; the page says it waits for the connection.
    await page.getByRole('button', { name: 'Menu' }).click();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Tokens' }).click();
    await page.waitForURL((url) => url.pathname === '/tokens');
    await banner.waitFor();
    await page.getByRole('button', { name: 'Menu' }).waitFor();

    await desktop.getByRole('alert').filter({ hasText: 'kas cannot be reached' }).waitFor();
    await screenshot(desktop, 'shell-desktop-kas-unreachable');

    stack.kasGate!.open();
    await banner.waitFor({ state: 'hidden', timeout: 60_000 });
    await page.getByRole('heading', { name: 'Personal access tokens' }).waitFor();
    await page.getByRole('button', { name: 'Create token' }).first().waitFor();
    await desktop.locator('[data-live-state="live"]').first().waitFor({ timeout: 60_000 });
    await desktop
      .getByRole('alert')
      .filter({ hasText: 'kas cannot be reached' })
      .waitFor({ state: 'hidden' });
    await desktop.context().close();
  });

  it('sends a live page to login, and back, when the session ends in another tab', async () => {
    const live = await phoneContext.newPage();
    await live.goto(`/agents/${agentId}?tab=overview`);
    await live.locator('[data-live-state="live"]').first().waitFor();

    await page.goto('/');
    await page.getByRole('button', { name: adminUsername }).click();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL((url) => url.pathname === '/login');

    await live.waitForURL(
      (url) =>
        url.pathname === '/login' && url.searchParams.get('next') === `/agents/${agentId}?tab=overview`,
    );
    await new LoginPage(live).logIn(adminUsername, adminPassword);
    await live.waitForURL((url) => url.pathname === `/agents/${agentId}`);
    await live.locator('[data-live-state="live"]').first().waitFor();
    await live.close();
  });

  it('keeps the page and its shell while the console server is gone, and opens the clicked page when it is back', async () => {
    await page.goto(`/agents/${agentId}`);
    await page.locator('[data-live-state="live"]').first().waitFor();
    const port = Number(new URL(stack.consoleUrl).port);
    await stack.console.stop();

    // The live stream broke with the server: the page knows before anyone clicks.
    const banner = page.getByRole('alert').filter({ hasText: 'The console server cannot be reached' });
    await banner.waitFor();
    await page.getByRole('button', { name: 'Menu' }).click();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Groups' }).click();
    await banner.filter({ hasText: 'opens /groups when the connection is back' }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/agents/${agentId}`);
    await page.getByRole('tablist', { name: 'Agent sections' }).waitFor();
    await screenshot(page, 'shell-phone-console-unreachable');

    restartedConsole = await startConsole({ port, kasUrl: stack.kasGate!.url, log: () => undefined });
    await page.waitForURL((url) => url.pathname === '/groups', { timeout: 60_000 });
    await page.getByRole('heading', { name: 'Groups', exact: true }).waitFor();
    await banner.waitFor({ state: 'hidden' });
  });
});
