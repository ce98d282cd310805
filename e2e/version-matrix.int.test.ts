// A mixed fleet in the console: three agents on three real clusters of different pinned Kubernetes minors (the run's
// shared cluster and two started here, built on first use), each row's version badge asserted against the version
// policy function for an injected date. The verdict is computed in the browser from its clock, so the date is
// injected there (Playwright's clock), at two dates that between them give every status.
import { clusterKubeVersions, startCluster, type KubeCluster, type KubeClusterInfo } from '@mooring/kube-dev';
import { kubeCluster } from '@mooring/kube-dev/testing';
import { kubernetesVersionSupport } from '@mooring/modules/version_policy/shared/index';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { ClustersPage } from './pages/clusters-page';
import { LoginPage } from './pages/login-page';
import { startAgentk, type AgentkProcess } from './support/agentk';
import { launchChromium, newContext, screenshot } from './support/browser';
import { kasSession, registerAgent } from './support/kas-api';
import { adminPassword, adminUsername, startStack, type Stack } from './support/stack';

/** What the badge says for each status (apps/console/lib/agent-status.ts). */
const badgeText = { supported: 'Supported', too_new: 'Too new', unsupported: 'Unsupported' } as const;

/** 1.37 too new, 1.36 and 1.35 supported; then 1.35 past support once 1.38 has matured. */
const DATES = ['2026-10-01T12:00:00Z', '2027-04-01T12:00:00Z'];

describe('three agents on three Kubernetes minors', () => {
  const shared = kubeCluster();
  const own: KubeCluster[] = [];
  const fleet: { name: string; cluster: KubeClusterInfo }[] = [];
  const agentks: AgentkProcess[] = [];
  let stack: Stack;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    const started = Date.now();
    // One cluster per pinned minor: the shared one where it matches, the others started (and built) here.
    for (const pin of clusterKubeVersions) {
      const cluster =
        shared.version === pin.kubernetes
          ? shared
          : own[
              own.push(
                await startCluster({
                  version: pin.minor,
                  nodes: 1,
                  name: `e2e-${pin.minor.replace('.', '-')}`,
                }),
              ) - 1
            ]!;
      fleet.push({ name: `k8s-${pin.minor.replace('.', '-')}`, cluster });
    }
    console.log(
      `[e2e versions] ${own.length} extra clusters ready in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    stack = await startStack();
    const api = await kasSession(stack.kasUrl, adminUsername, adminPassword);
    const [first, ...rest] = fleet;
    const { projectId, agentId } = await registerAgent(api, {
      group: 'Fleet',
      project: 'Mixed',
      agent: first!.name,
    });
    const ids = [agentId];
    for (const { name } of rest) {
      const created = await api.post(`/api/v1/projects/${projectId}/agents`, { name });
      expect(created.status).toBe(201);
      ids.push((created.body as { id: number }).id);
    }
    for (const [i, { name, cluster }] of fleet.entries()) {
      const token = await api.post(`/api/v1/agents/${ids[i]}/tokens`, { name: 'e2e' });
      expect(token.status).toBe(201);
      agentks.push(startAgentk(stack, (token.body as { secret: string }).secret, `agentk-${name}`, cluster));
    }
    browser = await launchChromium();
    context = await newContext(browser, stack.consoleUrl);
    page = await context.newPage();
    page.setDefaultTimeout(20_000);
    await page.goto('/');
    await page.waitForURL(/\/login/);
    await new LoginPage(page).logIn(adminUsername, adminPassword);
    await page.waitForURL((url) => url.pathname === '/');
  }, 3_600_000);

  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail' && page)
      await screenshot(page, `failed-versions-${ctx.task.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 50)}`);
  });

  afterAll(async () => {
    await Promise.all(agentks.map((a) => a.stop()));
    await browser?.close();
    await stack?.stop();
    await Promise.all(own.map((c) => c.stop()));
  });

  for (const iso of DATES) {
    it(`shows each cluster's version and the policy's verdict for ${iso.slice(0, 10)}`, async () => {
      const date = new Date(iso);
      await page.clock.setFixedTime(date);
      const clusters = new ClustersPage(page);
      await page.goto('/');
      const seen = new Set<string>();
      for (const { name, cluster } of fleet) {
        const expected = badgeText[kubernetesVersionSupport(cluster.version, date).status];
        seen.add(expected);
        await expect
          .poll(() => clusters.row(name).innerText(), { timeout: 60_000, interval: 500 })
          // \W* steps over the badge's icon (● or ×); "Supported" cannot match inside "Unsupported".
          .toMatch(new RegExp(`${cluster.version.replace(/\./g, '\\.')}\\W*${expected}\\b`));
      }
      console.log(`[e2e versions] ${iso.slice(0, 10)}: ${[...seen].join(', ')}`);
      await screenshot(page, `versions-${iso.slice(0, 10)}`);
    }, 120_000);
  }

  it('between the two dates, every status appears', () => {
    const statuses = DATES.flatMap((iso) =>
      fleet.map(({ cluster }) => kubernetesVersionSupport(cluster.version, new Date(iso)).status),
    );
    expect(new Set(statuses)).toEqual(new Set(['supported', 'too_new', 'unsupported']));
  });
});
