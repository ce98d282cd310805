// The agent page's tabs in a real Chromium against a real kas and the real Next.js server: a tab switch stays in
// the browser (no request for the page, Back and Forward work, deep links open the tab), keeps working offline
// from data fetched ahead, and the page's first content and each switch are timed and printed (never asserted:
// the figures go to docs/decisions.md).
import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { AgentPage } from './pages/agent-page';
import { LoginPage } from './pages/login-page';
import { kasSession, registerAgent } from './support/kas-api';
import { launchChromium, newContext, screenshot } from './support/browser';
import { adminPassword, adminUsername, startStack, type Stack } from './support/stack';

const tabLabels = [
  'Overview',
  'Activity',
  'Tokens',
  'Configuration',
  'Access',
  'Receptive',
  'Connect a cluster',
] as const;

/**
 * Installed before any page script: records (performance.now(), i.e. ms since navigation start) when the agent
 * header and when a tab's content (a panel without a loading line) first appear.
 */
const firstContentProbe = `(() => {
  window.__marks = {};
  const check = () => {
    const m = window.__marks;
    if (m.header === undefined && document.querySelector('[data-testid="agent-status"]')) m.header = performance.now();
    const panel = document.querySelector('[role="tabpanel"]');
    if (m.content === undefined && panel && panel.textContent.trim() && !/Loading/.test(panel.textContent))
      m.content = performance.now();
  };
  new MutationObserver(check).observe(document, { subtree: true, childList: true, characterData: true });
  document.addEventListener('DOMContentLoaded', check);
})()`;

/** Clicks the tab in the page and resolves with the ms until its panel shows content (no loading line). */
function timeTabSwitch(page: Page, label: string): Promise<number> {
  return page.evaluate(`new Promise((resolve) => {
    const label = ${JSON.stringify(label)};
    const tab = [...document.querySelectorAll('[role="tab"]')].find((t) => t.textContent.trim() === label);
    const shown = () => {
      const panel = document.querySelector('[role="tabpanel"]');
      return panel && panel.getAttribute('aria-label') === label && panel.textContent.trim() &&
        !/Loading/.test(panel.textContent);
    };
    const t0 = performance.now();
    const observer = new MutationObserver(() => {
      if (shown()) { observer.disconnect(); resolve(performance.now() - t0); }
    });
    observer.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
    tab.click();
  })`);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

describe('agent page tabs in Chromium', () => {
  let stack: Stack;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let agentId: number;

  beforeAll(async () => {
    stack = await startStack();
    browser = await launchChromium();
    context = await newContext(browser, stack.consoleUrl);
    await context.addInitScript(firstContentProbe);
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    const api = await kasSession(stack.kasUrl, adminUsername, adminPassword);
    ({ agentId } = await registerAgent(api, { group: 'Tabs', project: 'Infra', agent: 'tabbed' }));
    await page.goto('/login');
    await new LoginPage(page).logIn(adminUsername, adminPassword);
    await page.waitForURL((url) => url.pathname === '/');
  }, 300_000);

  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail' && page) {
      await screenshot(page, `failed-tabs-${ctx.task.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}`);
    }
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('shows the agent page soon after navigation starts (timed, printed)', async () => {
    const header: number[] = [];
    const content: number[] = [];
    // The first load fills the browser's cache (scripts); every load is printed, the median is the warm figure.
    for (let i = 0; i < 5; i++) {
      await page.goto(`/agents/${agentId}?tab=overview`);
      await page.waitForFunction(
        'window.__marks.content !== undefined && window.__marks.header !== undefined',
      );
      const marks = await page.evaluate<{ header: number; content: number }>('window.__marks');
      header.push(Math.round(marks.header));
      content.push(Math.round(marks.content));
    }
    // Where the last load's time went: the HTML, the scripts, and each data call (start → end, ms).
    const where = await page.evaluate<string>(`(() => {
      const nav = performance.getEntriesByType('navigation')[0];
      const res = performance.getEntriesByType('resource');
      const scripts = res.filter((e) => e.initiatorType === 'script');
      const calls = res.filter((e) => e.name.includes('/api/trpc/')).map((e) =>
        decodeURIComponent(new URL(e.name).pathname.slice('/api/trpc/'.length)).slice(0, 80) + ' ' +
        Math.round(e.startTime) + '→' + Math.round(e.responseEnd));
      return 'html ' + Math.round(nav.responseEnd) + ' ms, DOMContentLoaded ' +
        Math.round(nav.domContentLoadedEventEnd) + ' ms, ' + scripts.length + ' scripts ending ' +
        Math.round(Math.max(0, ...scripts.map((e) => e.responseEnd))) + ' ms; calls: ' + calls.join('; ');
    })()`);
    // Whether the console's server put the header in the HTML (it does when kas answered within its budget).
    const inHtml = await page.evaluate<boolean>(
      `fetch(location.href, { credentials: 'same-origin' }).then((r) => r.text()).then((t) => t.includes('data-testid="agent-status"'))`,
    );
    console.log(`agent page load: ${where}; header in the HTML: ${inHtml ? 'yes' : 'no'}`);
    console.log(
      `agent page, navigation start → header: ${header.join(', ')} ms (median ${median(header)}); ` +
        `→ tab content: ${content.join(', ')} ms (median ${median(content)})`,
    );
  });

  it('switches tabs without asking the console server for a page, and Back and Forward follow', async () => {
    await page.goto(`/agents/${agentId}?tab=overview`);
    await page.getByRole('tabpanel', { name: 'Overview' }).waitFor();
    const pageRequests: string[] = [];
    const onRequest = (request: Request) => {
      const url = new URL(request.url());
      // Data calls (tRPC through /api/trpc) are fine, and so are the shell's link prefetches of other pages; a
      // request for the agent page itself (Next's RSC fetch of ?tab=…) is not.
      if (url.pathname === `/agents/${agentId}`)
        pageRequests.push(`${request.method()} ${url.pathname}${url.search}`);
    };
    page.on('request', onRequest);
    const times: string[] = [];
    for (const label of [...tabLabels.slice(1), 'Overview'] as const) {
      times.push(`${label} ${Math.round(await timeTabSwitch(page, label))}`);
      await page.getByRole('tab', { name: label, selected: true }).waitFor();
    }
    console.log(`agent tab switch, click → content: ${times.join(' ms, ')} ms`);

    // Real clicks on the links, then history.
    await page.getByRole('tab', { name: 'Tokens' }).click();
    await page.getByText('No tokens yet').waitFor();
    expect(new URL(page.url()).searchParams.get('tab')).toBe('tokens');
    await page.getByRole('tab', { name: 'Access' }).click();
    await page.getByRole('tab', { name: 'Access', selected: true }).waitFor();
    await page.goBack();
    await page.getByRole('tab', { name: 'Tokens', selected: true }).waitFor();
    await page.getByText('No tokens yet').waitFor();
    expect(new URL(page.url()).searchParams.get('tab')).toBe('tokens');
    await page.goForward();
    await page.getByRole('tab', { name: 'Access', selected: true }).waitFor();
    expect(new URL(page.url()).searchParams.get('tab')).toBe('access');
    page.off('request', onRequest);
    expect(pageRequests).toEqual([]);

    // Tabs stay real links (a middle-click opens the tab in a new browser tab) and a deep link opens the tab.
    expect(await page.getByRole('tab', { name: 'Receptive' }).getAttribute('href')).toBe(
      `/agents/${agentId}?tab=receptive`,
    );
    await page.goto(`/agents/${agentId}?tab=configuration`);
    await page.getByRole('tab', { name: 'Configuration', selected: true }).waitFor();
    await page.getByRole('tabpanel', { name: 'Configuration' }).waitFor();
  });

  it('switches to a tab while offline from data fetched ahead, never the browser error page', async () => {
    await page.goto(`/agents/${agentId}?tab=overview`);
    await page.getByRole('tabpanel', { name: 'Overview' }).waitFor();
    await new AgentPage(page, agentId).waitForOtherTabsData();
    await context.setOffline(true);
    try {
      await page.getByRole('tab', { name: 'Tokens' }).click();
      await page.getByRole('tab', { name: 'Tokens', selected: true }).waitFor();
      await page.getByText('No tokens yet').waitFor();
      await page.getByRole('tab', { name: 'Connect a cluster' }).click();
      await page.getByRole('tabpanel', { name: 'Connect a cluster' }).waitFor();
      await screenshot(page, 'tabs-offline');
      expect(page.url()).toBe(`${stack.consoleUrl}/agents/${agentId}?tab=connect`);
      expect(await page.evaluate('location.protocol')).toBe('http:');
    } finally {
      await context.setOffline(false);
    }
  });
});
