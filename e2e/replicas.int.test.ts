// The admin area's Replicas page in a real Chromium against what `pnpm start -- --replicas 2` runs: the local
// launcher's two kas processes on a throwaway PostgreSQL and Redis behind the TCP load balancer, and the built console
// on the balancer's console API. The page lists both replicas ready, reads well at phone width (no sideways page
// scroll), has no serious accessibility problem in light or dark mode, and tells a non-administrator whom to ask.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { freePort, startConsole, type RunningConsole } from '@mooring/console/server/start';
import { startLocalReplicas, type LocalReplicas } from '@mooring/kas/testing/local-replicas';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { LoginPage } from './pages/login-page';
import { seriousAccessibilityProblems } from './support/accessibility';
import { launchChromium, screenshot } from './support/browser';
import { kasSession } from './support/kas-api';
import { expectNoHorizontalOverflow } from './support/overflow';
import { adminPassword, adminUsername } from './support/stack';

const widths = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } } as const;

describe('the Replicas admin page', () => {
  let local: LocalReplicas | undefined;
  let consoleServer: RunningConsole | undefined;
  let browser: Browser | undefined;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mooring-e2e-replicas-'));

  beforeAll(async () => {
    const since = performance.now();
    const consolePort = await freePort('127.0.0.1');
    local = await startLocalReplicas({
      replicas: 2,
      dataDir,
      env: {
        MOORING_ADMIN_PASSWORD: adminPassword,
        MOORING_CONSOLE_URL: `http://127.0.0.1:${consolePort}`,
      },
    });
    consoleServer = await startConsole({ kasUrl: local.urls.api, port: consolePort, log: () => undefined });
    browser = await launchChromium();
    console.log(`2 replicas, the balancer and the console up in ${Math.round(performance.now() - since)} ms`);
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await consoleServer?.stop();
    await local?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  async function signedIn(username: string, password: string, scheme: 'light' | 'dark' = 'light') {
    const context = await browser!.newContext({
      baseURL: consoleServer!.url,
      viewport: widths.desktop,
      colorScheme: scheme,
    });
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    await page.goto('/login');
    await new LoginPage(page).logIn(username, password);
    await page.waitForURL((url) => url.pathname === '/');
    return { context, page };
  }

  /** Waits until the page lists `count` replicas, every one ready (each reports every 5 s); Refresh reads again. */
  async function replicasListed(page: Page, count: number) {
    const table = page.getByTestId('replicas-table');
    const rows = table.locator('tbody tr');
    let seen = '';
    try {
      await expect
        .poll(
          async () => {
            const ready = await table.locator('tbody tr[data-state="ready"]').count();
            seen = `${await rows.count()} rows, ${ready} ready: ${(await rows.allInnerTexts()).join(' | ')}`;
            if ((await rows.count()) === count && ready === count) return true;
            await page.getByRole('button', { name: 'Refresh' }).click();
            return false;
          },
          { timeout: 30_000, interval: 1_000 },
        )
        .toBe(true);
    } catch (error) {
      await screenshot(page, 'failed-replicas');
      throw new Error(`the page did not list ${count} ready replicas; last seen: ${seen}`, { cause: error });
    }
    return rows;
  }

  it('lists both replicas behind the balancer, at desktop and phone width, from the admin menu', async () => {
    const { context, page } = await signedIn(adminUsername, adminPassword);
    try {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Replicas' }).click();
      await page.waitForURL((url) => url.pathname === '/admin/replicas');
      await page.getByRole('heading', { name: 'Replicas', exact: true }).waitFor();
      const rows = await replicasListed(page, 2);
      const names = await rows.locator('th').allInnerTexts();
      expect(names.filter((n) => n.includes('(answered)'))).toHaveLength(1);
      // Each replica's private API is one of the launcher's kas processes.
      const privateApis = await rows.locator('td:nth-of-type(4)').allInnerTexts();
      expect(privateApis.every((u) => /^grpc:\/\/127\.0\.0\.1:\d+$/.test(u.trim()))).toBe(true);
      expect(new Set(privateApis).size).toBe(2);
      for (const [width, viewport] of Object.entries(widths)) {
        await page.setViewportSize(viewport);
        await screenshot(page, `replicas-${width}`);
        await expectNoHorizontalOverflow(page);
      }
    } finally {
      await context.close();
    }
  });

  it('has no serious accessibility problem in light or dark mode', async () => {
    for (const scheme of ['light', 'dark'] as const) {
      const { context, page } = await signedIn(adminUsername, adminPassword, scheme);
      try {
        await page.goto('/admin/replicas');
        await replicasListed(page, 2);
        for (const viewport of Object.values(widths)) {
          await page.setViewportSize(viewport);
          expect(await seriousAccessibilityProblems(page), `${scheme} ${viewport.width} px`).toEqual([]);
        }
      } finally {
        await context.close();
      }
    }
  });

  it('tells a non-administrator the page is for administrators', async () => {
    const kas = await kasSession(local!.urls.api, adminUsername, adminPassword);
    const created = await kas.post('/api/v1/users', {
      username: 'replicas-viewer',
      password: 'viewer-password-1',
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const { context, page } = await signedIn('replicas-viewer', 'viewer-password-1');
    try {
      await page.goto('/admin/replicas');
      await page.getByRole('alert').filter({ hasText: 'Replicas are shown to administrators' }).waitFor();
      expect(await page.getByRole('link', { name: 'Replicas' }).count()).toBe(0);
    } finally {
      await context.close();
    }
  });
});
