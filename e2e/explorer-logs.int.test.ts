// A pod's logs in the explorer, in a real Chromium, as a developer whose RBAC covers one namespace (issue 14, "Done
// means"): follow a pod's logs and see a new line arrive, search highlights, and a pod in a namespace the developer
// may not read says so. kwok pods have no containers: kube-dev's appendPodLog writes their log files (pod-io.ts).
import { appendPodLog } from '@mooring/kube-dev';
import { kubeCluster } from '@mooring/kube-dev/testing';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { logsHref } from '../apps/console/lib/explorer/urls';
import { LoginPage } from './pages/login-page';
import { launchChromium, newContext, screenshot } from './support/browser';
import { kubectlOk, startDeveloperWorld, type DeveloperWorld } from './support/developer-world';
import { startStack, type Stack } from './support/stack';

const POD = 'web-1';

async function runPod(namespace: string, name: string, labels = 'app=web'): Promise<void> {
  await kubectlOk(['run', name, '--image=registry.invalid/web:1', `--labels=${labels}`, '-n', namespace]);
  await kubectlOk(['wait', '--for=condition=Ready', `pod/${name}`, '-n', namespace, '--timeout=60s']);
}

describe('explorer: pod logs as a developer', () => {
  let stack: Stack;
  let world: DeveloperWorld;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const cluster = kubeCluster();

  beforeAll(async () => {
    stack = await startStack();
    world = await startDeveloperWorld(stack, 'logs');
    await runPod(world.namespace, POD);
    await runPod(world.namespace, 'web-2');
    await runPod(world.forbiddenNamespace, 'secret-1');
    await appendPodLog(cluster, {
      namespace: world.namespace,
      pod: POD,
      lines: ['starting web', 'listening on :8080', 'GET /healthz 200'],
    });
    await appendPodLog(cluster, { namespace: world.namespace, pod: 'web-2', lines: ['web-2 says hello'] });
    browser = await launchChromium();
    context = await newContext(browser, stack.consoleUrl);
    page = await context.newPage();
    page.setDefaultTimeout(20_000);
    await page.goto('/login');
    await new LoginPage(page).logIn(world.username, world.password);
    await page.waitForURL((url) => url.pathname === '/');
  }, 300_000);

  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail' && page)
      await screenshot(page, `failed-logs-${ctx.task.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}`);
  });

  afterAll(async () => {
    await browser?.close();
    await world?.stop();
    await stack?.stop();
  });

  it('follows a pod log and shows a line appended later', async () => {
    await page.goto(logsHref(world.agentId, { ns: world.namespace, pod: POD }));
    const lines = page.getByRole('log', { name: 'Log lines' });
    await lines.getByText('listening on :8080').waitFor();
    await appendPodLog(cluster, { namespace: world.namespace, pod: POD, lines: 'GET /orders 201 new line' });
    await lines.getByText('GET /orders 201 new line').waitFor();
    await page.getByText('4 lines loaded').waitFor();
    await screenshot(page, 'explorer-logs-populated');
  });

  it('highlights search matches and steps between them', async () => {
    const box = page.getByLabel('Search loaded lines');
    await box.fill('get /');
    await page.getByText('2 matches').waitFor();
    await box.press('Enter');
    await page.getByText('1 of 2').waitFor();
    const marks = page.getByRole('log', { name: 'Log lines' }).locator('mark');
    await expect.poll(() => marks.count()).toBe(2);
    expect(await marks.first().innerText()).toBe('GET /');
    await page.getByRole('button', { name: 'Next match' }).click();
    await page.getByText('2 of 2').waitFor();
    await page.getByLabel('Timestamps').check();
    await screenshot(page, 'explorer-logs-search');
    await page.getByLabel('Search loaded lines').fill('');
  });

  it('merges the logs of pods matching a label selector, each line tagged with its pod', async () => {
    await page.goto(logsHref(world.agentId, { ns: world.namespace, selector: 'app=web' }));
    await page.getByText('Following 2 pods').waitFor();
    const lines = page.getByRole('log', { name: 'Log lines' });
    await lines.getByText('web-2 says hello').waitFor();
    await lines.getByText('[web-1]').first().waitFor();
    await screenshot(page, 'explorer-logs-selector');
  });

  it('follows at most 20 pods of a selector and says how many match', async () => {
    await kubectlOk([
      'create',
      'deployment',
      'many',
      '--image=registry.invalid/many:1',
      '--replicas=22',
      '-n',
      world.namespace,
    ]);
    await page.goto(logsHref(world.agentId, { ns: world.namespace, selector: 'app=many' }));
    await page.getByText('showing 20 of 22 pods').waitFor({ timeout: 60_000 });
    // Every one of the 20 streams is live at once (a browser allows six HTTP/1.1 connections per origin, so the
    // logs ride WebSockets): a line written to each shown pod arrives.
    const names = (await kubectlOk(['get', 'pods', '-n', world.namespace, '-l', 'app=many', '-o', 'name']))
      .trim()
      .split('\n')
      .map((line) => line.replace('pod/', ''))
      .sort((a, b) => a.localeCompare(b))
      .slice(0, 20);
    for (const pod of names)
      await appendPodLog(cluster, { namespace: world.namespace, pod, lines: `hello from ${pod}` });
    await page.getByText('20 lines loaded').waitFor({ timeout: 60_000 });
    await screenshot(page, 'explorer-logs-selector-capped');
  });

  it("says that the developer's RBAC does not allow the forbidden namespace's pod logs", async () => {
    await page.goto(logsHref(world.agentId, { ns: world.forbiddenNamespace, pod: 'secret-1' }));
    const alert = page.getByRole('alert').filter({ hasText: 'your RBAC does not allow pods/log in' });
    await alert.waitFor();
    expect(await alert.innerText()).toContain(world.forbiddenNamespace);
    await screenshot(page, 'explorer-logs-forbidden');
  });

  it('reads well in dark mode and at phone width', async () => {
    const dark = await newContext(browser, stack.consoleUrl, 'dark');
    await dark.addCookies(await context.cookies());
    const darkPage = await dark.newPage();
    darkPage.setDefaultTimeout(20_000);
    // The CSRF token lives in sessionStorage; reads need only the session cookie.
    await darkPage.goto(logsHref(world.agentId, { ns: world.namespace, pod: POD }));
    await darkPage.getByRole('log', { name: 'Log lines' }).getByText('listening on :8080').waitFor();
    await screenshot(darkPage, 'explorer-logs-populated-dark');
    await darkPage.goto(logsHref(world.agentId, { ns: world.forbiddenNamespace, pod: 'secret-1' }));
    await darkPage.getByRole('alert').filter({ hasText: 'your RBAC does not allow' }).waitFor();
    await screenshot(darkPage, 'explorer-logs-forbidden-dark');
    await darkPage.setViewportSize({ width: 390, height: 844 });
    await darkPage.goto(logsHref(world.agentId, { ns: world.namespace, pod: POD }));
    await darkPage.getByRole('log', { name: 'Log lines' }).getByText('listening on :8080').waitFor();
    await screenshot(darkPage, 'explorer-logs-phone-dark');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(logsHref(world.agentId, { ns: world.forbiddenNamespace, pod: 'secret-1' }));
    await page.getByRole('alert').filter({ hasText: 'your RBAC does not allow' }).waitFor();
    await screenshot(page, 'explorer-logs-forbidden-phone');
    await dark.close();
  });
});
