// The cluster explorer's views, as the developer of e2e/support/developer-world.ts, light and dark, at desktop and
// phone width: a screenshot each (e2e/artifacts/a11y-explorer-*.png, for a person to look at), axe-core's WCAG 2.1 AA
// rules with no serious or critical violation (contrast included), and no sideways scrolling at phone width.
import { appendPodLog } from '@mooring/kube-dev';
import { kubeCluster } from '@mooring/kube-dev/testing';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  clusterHref,
  execHref,
  explorerHomeHref,
  logsHref,
  objectHref,
} from '../apps/console/lib/explorer/urls';
import { LoginPage } from './pages/login-page';
import { seriousAccessibilityProblems, type AxeProblem } from './support/accessibility';
import { launchChromium, newContext, screenshot } from './support/browser';
import { kubectlOk, startDeveloperWorld, type DeveloperWorld } from './support/developer-world';
import { horizontalOverflow } from './support/overflow';
import { startStack, type Stack } from './support/stack';

const widths = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } } as const;
const POD = 'web-1';

interface View {
  name: string;
  url: string;
  /** What shows that the view has its data, beyond "no Loading… left". */
  ready: (page: Page) => Promise<unknown>;
}

describe('accessibility and screenshots of the explorer', () => {
  let stack: Stack;
  let world: DeveloperWorld;
  let browser: Browser;
  let views: View[] = [];
  const started = Date.now();

  beforeAll(async () => {
    stack = await startStack();
    world = await startDeveloperWorld(stack, 'a11y');
    const ns = world.namespace;
    await kubectlOk(['create', 'deployment', 'web', '-n', ns, '--image=registry.invalid/web:1']);
    await kubectlOk(['run', POD, '--image=registry.invalid/web:1', '--labels=app=web', '-n', ns]);
    await kubectlOk(['create', 'service', 'clusterip', 'web', '-n', ns, '--tcp=80:8080']);
    await kubectlOk(['create', 'ingress', 'web', '-n', ns, '--rule=web.example.com/*=web:80']);
    await kubectlOk(['create', 'configmap', 'web-settings', '-n', ns, '--from-literal=mode=production']);
    await kubectlOk(['apply', '-n', ns, '-f', '-'], {
      stdin: JSON.stringify({
        apiVersion: 'v1',
        kind: 'List',
        items: [
          {
            apiVersion: 'v1',
            kind: 'PersistentVolumeClaim',
            metadata: { name: 'web-data' },
            spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
          },
          {
            apiVersion: 'v1',
            kind: 'Event',
            metadata: { name: 'web-1.back-off' },
            involvedObject: { apiVersion: 'v1', kind: 'Pod', name: POD, namespace: ns },
            type: 'Warning',
            reason: 'BackOff',
            message: 'Back-off restarting failed container web in pod web-1',
            count: 3,
            source: { component: 'kubelet' },
          },
        ],
      }),
    });
    await kubectlOk(['wait', '--for=condition=Ready', `pod/${POD}`, '-n', ns, '--timeout=60s']);
    await appendPodLog(kubeCluster(), {
      namespace: ns,
      pod: POD,
      lines: ['starting web', 'listening on :8080', 'GET /healthz 200'],
    });
    const table = (name: RegExp) => (page: Page) => page.getByRole('table', { name }).waitFor();
    views = [
      { name: 'home', url: explorerHomeHref(), ready: (p) => p.getByText(ns).first().waitFor() },
      { name: 'workloads', url: clusterHref(world.agentId, { view: 'workloads', ns }), ready: table(/^Deployments in/) },
      { name: 'pods', url: clusterHref(world.agentId, { view: 'pods', ns }), ready: table(/^Pods in/) },
      { name: 'network', url: clusterHref(world.agentId, { view: 'network', ns }), ready: table(/^Services in/) },
      { name: 'config', url: clusterHref(world.agentId, { view: 'config', ns }), ready: table(/^ConfigMaps in/) },
      { name: 'events', url: clusterHref(world.agentId, { view: 'events', ns }), ready: table(/^Events in/) },
      {
        name: 'object',
        url: objectHref(world.agentId, { resource: 'apps/v1/deployments', namespace: ns, name: 'web' }),
        ready: (p) => p.getByRole('group', { name: /Actions on/ }).getByRole('button', { name: 'Scale' }).waitFor(),
      },
      {
        name: 'logs',
        url: logsHref(world.agentId, { ns, pod: POD }),
        ready: (p) => p.getByRole('log', { name: 'Log lines' }).getByText('listening on :8080').waitFor(),
      },
      {
        name: 'terminal',
        url: execHref(world.agentId, { ns, pod: POD }),
        ready: (p) => p.locator('.xterm-rows').getByText(/\$|#/).first().waitFor(),
      },
    ]; // prettier-ignore
    browser = await launchChromium();
    console.log(`explorer a11y: stack, world and objects ready in ${Date.now() - started} ms`);
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await world?.stop();
    await stack?.stop();
    console.log(`explorer a11y: the file took ${Date.now() - started} ms`);
  });

  /** The view's data is there and nothing says it is still loading or connecting. */
  async function settled(page: Page, view: View): Promise<void> {
    await page.locator('h1').first().waitFor();
    await view.ready(page);
    await expect
      .poll(() => page.getByText(/^(Loading|Connecting|Checking|Reading|Counting)\b/).count(), {
        timeout: 20_000,
      })
      .toBe(0);
  }

  for (const scheme of ['light', 'dark'] as const) {
    it(`has no serious accessibility problem in ${scheme} mode, at desktop and phone width`, async () => {
      const begun = Date.now();
      const context = await newContext(browser, stack.consoleUrl, scheme);
      const page = await context.newPage();
      page.setDefaultTimeout(30_000);
      const problems: (AxeProblem & { page: string })[] = [];
      const overflows: string[] = [];
      try {
        await page.goto('/login');
        await new LoginPage(page).logIn(world.username, world.password);
        await page.waitForURL((url) => url.pathname === '/');
        for (const view of views) {
          for (const [width, viewport] of Object.entries(widths)) {
            await page.setViewportSize(viewport);
            await page.goto(view.url);
            await settled(page, view);
            await screenshot(page, `a11y-explorer-${scheme}-${width}-${view.name}`);
            problems.push(
              ...(await seriousAccessibilityProblems(page)).map((p) => ({
                ...p,
                page: `${view.name} (${width})`,
              })),
            );
            if (width === 'phone') {
              const { scrollWidth, innerWidth, widest } = await horizontalOverflow(page);
              if (scrollWidth > innerWidth)
                overflows.push(`${view.name}: ${scrollWidth} px in ${innerWidth}: ${widest.join('; ')}`);
            }
          }
        }
      } finally {
        await context.close();
      }
      for (const p of problems)
        console.log(
          `[a11y explorer ${scheme}] ${p.page}: ${p.rule} — ${p.help}: ${p.targets.join(', ')}\n  ${p.summary.replace(/\n/g, ' ')}`,
        );
      console.log(`explorer a11y: ${scheme}, ${views.length} views × 2 widths in ${Date.now() - begun} ms`);
      expect(problems.map((p) => `${p.page}: ${p.rule} ${p.targets.join(', ')}`)).toEqual([]);
      expect(overflows).toEqual([]);
    }, 600_000);
  }
});
