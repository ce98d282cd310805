// The receptive form in a real Chromium (issue 15): a Maintainer types an endpoint with a wrong port and Test
// connection answers "connection refused" at the connect step; saved, the form shows the public key; an agentk
// (in this process, listening for kas with that key) is started; the port fixed, Test connection passes every step,
// and once saved the agent turns Connected — the dial-out badge and the page header — without a reload.

import { loadKubeConfig, startAgentk, type Agentk } from '@mooring/agentk';
import { kubeCluster } from '@mooring/kube-dev/testing';
import { generateSelfSignedTls } from '@mooring/modules/shared/certificates';
import { closedLoopbackPort } from '@mooring/modules/shared/testing/loopback';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { LoginPage } from './pages/login-page';
import { startAgentk as startAgentkProcess, type AgentkProcess } from './support/agentk';
import { launchChromium, newContext, screenshot } from './support/browser';
import { kasSession, registerAgent } from './support/kas-api';
import { adminPassword, adminUsername, startStack, type Stack } from './support/stack';

const SERVER_NAME = 'agentk.receptive.e2e';

describe('receptive endpoint form with Test connection', () => {
  let stack: Stack;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let agentk: Agentk | undefined;
  let dialedIn: AgentkProcess | undefined;
  let agentId = 0;
  let token = '';
  const listenerTls = generateSelfSignedTls([SERVER_NAME]);

  beforeAll(async () => {
    stack = await startStack();
    browser = await launchChromium();
    context = await newContext(browser, stack.consoleUrl);
    page = await context.newPage();
    page.setDefaultTimeout(20_000);
    const api = await kasSession(stack.kasUrl, adminUsername, adminPassword);
    ({ agentId } = await registerAgent(api, { group: 'Edge', project: 'Sites', agent: 'behind-nat' }));
    const made = await api.post(`/api/v1/agents/${agentId}/tokens`, { name: 'receptive' });
    expect(made.status).toBe(201);
    token = (made.body as { secret: string }).secret;
  }, 300_000);

  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail' && page)
      await screenshot(page, `failed-receptive-${ctx.task.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 50)}`);
  });

  afterAll(async () => {
    await agentk?.stop(2_000);
    await dialedIn?.stop();
    await browser?.close();
    await stack?.stop();
  });

  it('says "connection refused" for a wrong port, then connects once the port is fixed, without a reload', async () => {
    await page.goto(`/agents/${agentId}?tab=receptive`);
    await new LoginPage(page).logIn(adminUsername, adminPassword);
    await page.waitForURL((url) => url.pathname === `/agents/${agentId}`);
    await page.getByRole('form', { name: 'Receptive endpoint' }).waitFor();

    const wrong = await closedLoopbackPort();
    await page.getByLabel('Agent URL').fill(`grpcs://127.0.0.1:${wrong}`);
    await page.getByLabel('CA certificate', { exact: true }).fill(listenerTls.caPem);
    await page.getByLabel('TLS server name').fill(SERVER_NAME);
    await page.getByRole('button', { name: 'Test connection' }).click();
    const result = page.getByTestId('receptive-test-result');
    await result.getByText('connection refused', { exact: false }).waitFor();
    expect(await result.locator('[data-step="connect"]').getAttribute('data-status')).toBe('failed');
    expect(await result.innerText()).toContain('default 8082');
    await screenshot(page, 'agent-receptive-test-refused');

    // Saved as it is, the form shows the public key agentk needs; kas's dialer fails in words meanwhile.
    await page.getByRole('button', { name: 'Save endpoint' }).click();
    const saved = page.getByTestId('receptive-saved');
    const publicKey = await saved.locator('pre').innerText();
    expect(publicKey).toContain('BEGIN PUBLIC KEY');
    await page.locator('[data-testid="receptive-dial-out"][data-state="failing"]').waitFor();

    const cluster = kubeCluster();
    agentk = await startAgentk({
      receptive: {
        listenAddress: '127.0.0.1:0',
        certPem: listenerTls.certPem,
        keyPem: listenerTls.keyPem,
        auth: { jwtPublicKeyPem: publicKey },
      },
      token,
      kubeConfig: loadKubeConfig(cluster.agentKubeconfigPath),
      podName: 'agentk-receptive-e2e',
      podNamespace: cluster.agentNamespace,
    });
    await page.getByLabel('Agent URL').fill(`grpcs://127.0.0.1:${agentk.receptivePort!}`);
    await page.getByRole('button', { name: 'Test connection' }).click();
    await result.getByText('Test connection passed').waitFor();
    for (const step of ['resolve', 'connect', 'tls', 'handshake'])
      expect(await result.locator(`[data-step="${step}"]`).getAttribute('data-status')).toBe('ok');
    await screenshot(page, 'agent-receptive-test-passed');

    await page.getByRole('button', { name: 'Save endpoint' }).click();
    await page.locator('[data-testid="receptive-dial-out"][data-state="connected"]').waitFor();
    await page.locator('[data-testid="agent-status"][data-status="connected"]').waitFor();
    await screenshot(page, 'agent-receptive-connected');

    // A second pod of the same agent dials in: both ways serve, and the tab says so.
    dialedIn = startAgentkProcess(stack, token, 'agentk-dial-in-e2e');
    await page.getByTestId('receptive-also-dialed-in').getByText('1 more pod dials in').waitFor();
    await page.getByText('2 pods connected').first().waitFor();

    // The clusters overview says the same for the row.
    await page.getByRole('navigation').getByRole('link', { name: 'Clusters' }).first().click();
    await page
      .locator('tr[data-agent="behind-nat"] [data-testid="receptive-badge"][data-state="connected"]')
      .waitFor();
    await screenshot(page, 'clusters-receptive-connected');
  });
});
