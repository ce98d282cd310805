// Every console page, light and dark, at desktop and phone width: a screenshot each (e2e/artifacts/a11y-*.png, for a
// person to look at) and axe-core's WCAG 2.1 AA rules with no serious or critical violation (contrast included).
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { LoginPage } from './pages/login-page';
import { seriousAccessibilityProblems, type AxeProblem } from './support/accessibility';
import { launchChromium, newContext, screenshot } from './support/browser';
import { kasSession, registerAgent } from './support/kas-api';
import { adminPassword, adminUsername, startStack, type Stack } from './support/stack';

const widths = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } } as const;

describe('accessibility and screenshots of every page', () => {
  let stack: Stack;
  let browser: Browser;
  let pages: [string, string][] = [];

  beforeAll(async () => {
    stack = await startStack();
    browser = await launchChromium();
    const kas = await kasSession(stack.kasUrl, adminUsername, adminPassword);
    const { projectId, agentId } = await registerAgent(kas, {
      group: 'Platform',
      project: 'Web',
      agent: 'a11y-cluster',
    });
    await kas.post(`/api/v1/agents/${agentId}/tokens`, { name: 'first' });
    const tabs = ['overview', 'activity', 'tokens', 'configuration', 'access', 'receptive', 'connect'];
    pages = [
      ['clusters', '/'],
      ['projects', '/projects'],
      ['project', `/projects/${projectId}`],
      ['groups', '/groups'],
      ['tokens', '/tokens'],
      ['versions', '/versions'],
      ['kubeconfig', '/kubeconfig'],
      ['users', '/admin/users'],
      ['audit', '/admin/audit'],
      ['replicas', '/admin/replicas'],
      ...tabs.map((t): [string, string] => [`agent-${t}`, `/agents/${agentId}?tab=${t}`]),
      ['not-found', '/no-such-page'],
    ];
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  /** Waits for the page's heading and for its data (no "Loading…" left). */
  async function settled(page: Page): Promise<void> {
    await page.locator('h1').first().waitFor();
    await expect.poll(() => page.getByText(/^Loading/).count(), { timeout: 15_000 }).toBe(0);
  }

  for (const scheme of ['light', 'dark'] as const) {
    it(`has no serious accessibility problem in ${scheme} mode, at desktop and phone width`, async () => {
      const context = await newContext(browser, stack.consoleUrl, scheme);
      const page = await context.newPage();
      page.setDefaultTimeout(15_000);
      const problems: (AxeProblem & { page: string })[] = [];
      try {
        await page.goto('/login');
        await page.getByLabel('Username').waitFor();
        for (const [width, viewport] of Object.entries(widths)) {
          await page.setViewportSize(viewport);
          await screenshot(page, `a11y-${scheme}-${width}-login`);
          if (width === 'desktop')
            problems.push(
              ...(await seriousAccessibilityProblems(page)).map((p) => ({ ...p, page: 'login' })),
            );
        }
        await page.setViewportSize(widths.desktop);
        await new LoginPage(page).logIn(adminUsername, adminPassword);
        await page.waitForURL((url) => url.pathname === '/');
        for (const [name, url] of pages) {
          for (const [width, viewport] of Object.entries(widths)) {
            await page.setViewportSize(viewport);
            await page.goto(url);
            await settled(page);
            await screenshot(page, `a11y-${scheme}-${width}-${name}`);
            problems.push(
              ...(await seriousAccessibilityProblems(page)).map((p) => ({
                ...p,
                page: `${name} (${width})`,
              })),
            );
          }
        }
      } finally {
        await context.close();
      }
      for (const p of problems)
        console.log(
          `[a11y ${scheme}] ${p.page}: ${p.rule} — ${p.help}: ${p.targets.join(', ')}\n  ${p.summary.replace(/\n/g, ' ')}`,
        );
      expect(problems.map((p) => `${p.page}: ${p.rule} ${p.targets.join(', ')}`)).toEqual([]);
    }, 600_000);
  }
});
