// The console in a real Chromium against a real kas and the real Next.js server.
// Each step saves a screenshot to e2e/artifacts/ (empty, populated and error states) for a person to look at.
import path from 'node:path';

import { kubectl } from '@mooring/kube-dev/testing';
import { generateSelfSignedTls } from '@mooring/modules/shared/certificates';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { AgentPage } from './pages/agent-page';
import { ClustersPage } from './pages/clusters-page';
import { LoginPage } from './pages/login-page';
import { startAgentk, type AgentkProcess } from './support/agentk';
import { kasSession } from './support/kas-api';
import { NamespacesPage } from './pages/namespaces-page';
import { launchChromium, newContext, screenshot } from './support/browser';
import { adminPassword, adminUsername, startStack, type Stack } from './support/stack';

describe('console in Chromium against real kas', () => {
  let stack: Stack;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let agent: AgentPage;
  let firstToken = '';
  let personalToken = '';
  let agentk: AgentkProcess | undefined;
  const agentName = 'e2e-cluster';

  beforeAll(async () => {
    stack = await startStack();
    browser = await launchChromium();
    context = await newContext(browser, stack.consoleUrl);
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
  }, 300_000);

  afterEach(async (ctx) => {
    // A failing step leaves a picture of what the browser showed.
    if (ctx.task.result?.state === 'fail' && page) {
      await screenshot(page, `failed-${ctx.task.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}`);
    }
  });

  afterAll(async () => {
    await agentk?.stop();
    await browser?.close();
    await stack?.stop();
  });

  it('sends a signed-out visitor to login and back to the page they asked for', async () => {
    await page.goto('/projects');
    await page.waitForURL(/\/login\?next=%2Fprojects/);
    const login = new LoginPage(page);
    await login.logIn(adminUsername, 'wrong-password');
    expect(await login.errorText()).toMatch(/wrong username or password/i);
    await screenshot(page, 'login-error');
    await login.logIn(adminUsername, adminPassword);
    await page.waitForURL((url) => url.pathname === '/projects');
    await page.getByRole('heading', { name: 'Projects' }).waitFor();
    // The sign-in went through kas's API: no credential ever entered a URL (or the history).
    expect(page.url()).not.toContain('password');
  });

  it('shows an empty clusters page that says what to do', async () => {
    const clusters = new ClustersPage(page);
    await clusters.open();
    await page.getByText('No clusters yet — connect one').waitFor();
    await screenshot(page, 'clusters-empty');
  });

  it('registers an agent in a new group and project', async () => {
    const namespaces = new NamespacesPage(page);
    await namespaces.createGroup('Platform', 'platform');
    await namespaces.createProject('platform', 'Infra', 'infra');
    await screenshot(page, 'projects-populated');
    await namespaces.openProject('platform/infra');
    const id = await namespaces.registerAgent(agentName);
    agent = new AgentPage(page, id);
    await page.getByText('No tokens yet').waitFor();
    await screenshot(page, 'agent-tokens-empty');
  });

  it('refuses an agent name that is not a DNS label, with kas’s message', async () => {
    await new NamespacesPage(page).openProject('platform/infra');
    const form = page.getByRole('form', { name: 'Register an agent' });
    await form.getByLabel('Agent name').fill('Not_A_Label');
    await form.getByRole('button', { name: 'Register agent' }).click();
    // kas names the field; the console puts its message under the input.
    const message = await form.getByRole('alert').innerText();
    expect(message).toContain('must be a DNS label');
    expect(await form.getByLabel('Agent name').getAttribute('aria-invalid')).toBe('true');
    await screenshot(page, 'project-register-agent-error');
  });

  it('creates a token, shows it once with the install command, and lists it', async () => {
    await agent.openTab('tokens');
    await agent.submitNewToken('first', 'created by the e2e test');
    const value = await agent.shownTokenValue();
    expect(value).toMatch(/^mgt-[A-Za-z0-9_-]{50}$/);
    firstToken = value;
    // The install commands read the token from a file (e2e/install.int.test.ts runs them): never the value itself.
    const commands = await page.getByTestId('install-commands').innerText();
    expect(commands).toContain('pnpm agentk --kas-address');
    expect(commands).not.toContain(value);
    await screenshot(page, 'agent-token-created');
    await agent.closeDialog('Done');
    await expect.poll(() => agent.tokenRow('first').innerText()).toContain('Active');
    // The value is not shown anywhere once the dialog is closed.
    expect(await page.content()).not.toContain(value);
  });

  it('refuses a third active token and says why', async () => {
    await agent.submitNewToken('second');
    await agent.shownTokenValue();
    await agent.closeDialog('Done');
    await page.getByText('This agent already has 2 active tokens').waitFor();
    await agent.submitNewToken('third');
    const refusal = await agent.dialogAlert().innerText();
    expect(refusal).toContain('already has 2 active tokens; revoke one (first, second)');
    await screenshot(page, 'agent-token-refused');
    await agent.closeDialog('Cancel');
    await screenshot(page, 'agent-tokens-populated');
  });

  it('records a real agentk connecting with the token, and going away', async () => {
    agentk = startAgentk(stack, firstToken, 'agentk-e2e-0');
    await agent.openTab('activity');
    // No reload: the rows arrive through live.onActivity as kas commits them.
    await page.getByRole('tabpanel').waitFor();
    const kinds = () =>
      page.locator('[data-kind]').evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')));
    await expect.poll(kinds, { timeout: 60_000, interval: 1_000 }).toContain('agent_connected');
    await screenshot(page, 'agent-activity-connected');
    await agentk.stop();
    await expect.poll(kinds, { timeout: 60_000, interval: 1_000 }).toContain('agent_disconnected');
    await screenshot(page, 'agent-activity-disconnected');
    agentk = startAgentk(stack, firstToken, 'agentk-e2e-1');
  }, 150_000);

  it('turns the overview row connected, and not connected, without a reload', async () => {
    const clusters = new ClustersPage(page);
    await clusters.open();
    const loadedAt = await page.evaluate<number>('performance.timeOrigin');
    await expect.poll(() => clusters.statusOf(agentName), { timeout: 30_000 }).toBe('connected');
    expect(await clusters.row(agentName).innerText()).toMatch(/Connected/);
    // The pod's Register brings agentk's and the cluster's versions, and with them the support verdict.
    await expect
      .poll(() => clusters.row(agentName).innerText(), { timeout: 30_000 })
      .toMatch(/v1\.36\.\d+[\s\S]*Supported/);
    await screenshot(page, 'clusters-connected');
    await agentk!.stop();
    await expect.poll(() => clusters.statusOf(agentName), { timeout: 30_000 }).toBe('disconnected');
    expect(await clusters.row(agentName).innerText()).toMatch(/Not connected for/);
    await screenshot(page, 'clusters-disconnected');
    // The same document all along: the changes arrived over the event stream.
    expect(await page.evaluate<number>('performance.timeOrigin')).toBe(loadedAt);
    agentk = startAgentk(stack, firstToken, 'agentk-e2e-2');
  }, 90_000);

  it('marks a configuration error at its line, then saves the fixed version', async () => {
    await agent.openTab('configuration');
    await agent.typeConfig('observability:\n  logging:\n    level: loud\n');
    await expect.poll(() => agent.errorLines()).toEqual([3]);
    expect(await agent.configErrors().innerText()).toMatch(/line 3/);
    await screenshot(page, 'agent-config-error');
    expect(await page.getByRole('button', { name: 'Save as new version' }).isDisabled()).toBe(true);

    await agent.typeConfig('observability:\n  logging:\n    level: debug\n');
    await expect.poll(() => agent.errorLines()).toEqual([]);
    await agent.saveConfig();
    await page.getByText('Saved as version 1').waitFor();
    await page.getByTestId('config-history').getByText('v1').waitFor();

    await agent.typeConfig(
      'ci_access:\n  groups:\n    - id: platform\nobservability:\n  logging:\n    level: warn\n',
    );
    await agent.saveConfig();
    await page.getByText('Saved as version 2').waitFor();
    await page.getByTestId('config-diff').getByText('level: warn').waitFor();
    await screenshot(page, 'agent-config-saved');

    // The Access tab reads who may use the agent from the live version.
    await agent.openTab('access');
    expect(await page.getByTestId('access-table').innerText()).toMatch(/group\s+platform\s+CI jobs\s+agent/);
    await screenshot(page, 'agent-access');
  });

  it('moves the live configuration version when it is saved elsewhere, without a reload', async () => {
    await agent.openTab('configuration');
    const panel = page.getByRole('tabpanel');
    await panel.getByText('Live: version 2').waitFor();
    await panel.locator('[data-live-state="live"]').waitFor();
    // Another client saves version 3 straight to kas's REST API.
    const other = await kasSession(stack.kasUrl, adminUsername, adminPassword);
    const saved = await other.post(`/api/v1/agents/${agent.agentId}/configs`, {
      yaml: 'observability:\n  logging:\n    level: error\n',
    });
    expect(saved.status).toBe(201);
    await panel.getByText('Live: version 3').waitFor();
    await panel.getByText('Version 3 was saved elsewhere while you edited version 2').waitFor();
    await screenshot(page, 'agent-config-changed-elsewhere');
  });

  it('lets the keyboard leave the editor with Escape then Tab, warns about unused keys, and reverts', async () => {
    await agent.openTab('configuration');
    const panel = page.getByRole('tabpanel');
    await panel.getByText('Live: version 3').waitFor();
    const editor = agent.editor();
    const focused = () => editor.evaluate((el) => el === el.ownerDocument.activeElement);

    // Tab indents and stays; Escape then Tab moves on, leaving the text as it was.
    await agent.typeConfig('object_watch:');
    await editor.press('End');
    await editor.press('Tab');
    await expect.poll(() => editor.inputValue()).toBe('object_watch:  ');
    expect(await focused()).toBe(true);
    await editor.press('Escape');
    await editor.press('Tab');
    await expect.poll(focused).toBe(false);
    expect(await editor.inputValue()).toBe('object_watch:  ');

    // A key the schema accepts but nothing uses yet is valid, with a warning as you type.
    await agent.typeConfig('flux: {}\n');
    await page
      .getByTestId('config-unused-keys')
      .getByText(/flux is accepted but not used yet/)
      .waitFor();

    // Version 1's text saved again as version 4; the editor shows it.
    await page.getByRole('button', { name: 'Revert to version 1' }).click();
    await page.getByText('Saved as version 4').waitFor();
    await panel.getByText('Live: version 4').waitFor();
    await expect.poll(() => editor.inputValue()).toBe('observability:\n  logging:\n    level: debug\n');
    await page.getByTestId('config-history').getByText('v4').waitFor();
    // The live version offers no revert to itself.
    expect(await page.getByRole('button', { name: 'Revert to version 4' }).count()).toBe(0);
    await screenshot(page, 'agent-config-reverted');
  });

  it('gives field-level messages for a bad receptive endpoint and saves a good one', async () => {
    await agent.openTab('receptive');
    await agent.fillReceptive('https://agent.example.com');
    expect(await agent.fieldError('Agent URL').innerText()).toContain('grpc:// or grpcs://');
    await screenshot(page, 'agent-receptive-error');
    // mTLS with unusable material: one message per field.
    // kas's messages appear as the user types, before any save.
    await page.getByLabel('Agent URL').fill('grpcs://user:secret@agent.example.com:8082');
    await expect
      .poll(() => agent.fieldError('Agent URL').innerText())
      .toContain('must not contain credentials');
    await page.getByLabel('Agent URL').fill('grpcs://agent.example.com:0');
    await expect.poll(() => agent.fieldError('Agent URL').innerText()).toContain('between 1 and 65535');
    await page.getByLabel('Agent URL').fill('grpcs://agent.example.com:8082?insecure=1');
    await expect.poll(() => agent.fieldError('Agent URL').innerText()).toContain('must not have a query');
    await page.getByLabel('Agent URL').fill('grpcs://bad_host!:8082');
    await expect.poll(() => agent.fieldError('Agent URL').innerText()).toContain('invalid host name');
    await page.getByLabel('Agent URL').fill('grpcs://agent.example.com:8082');
    // mTLS with unusable material: one message per field.
    await page.getByLabel('Mutual TLS', { exact: false }).check();
    await page.getByLabel('Client certificate', { exact: true }).fill('not a certificate');
    await page.getByLabel('CA certificate', { exact: true }).fill('not a CA');
    await page.getByLabel('TLS server name').fill('bad name!');
    await page.getByRole('button', { name: 'Save endpoint' }).click();
    for (const [field, text] of [
      ['Client certificate', 'not a valid PEM certificate'],
      ['Client key', 'is required for mutual TLS'],
      ['CA certificate', 'not a valid PEM certificate'],
      ['TLS server name', 'host name'],
    ] as const) {
      await expect.poll(() => agent.fieldError(field).innerText()).toContain(text);
    }
    // A real certificate with another certificate's key.
    const [mine, other] = [
      generateSelfSignedTls(['a.example.com']),
      generateSelfSignedTls(['b.example.com']),
    ];
    await page.getByLabel('Client certificate', { exact: true }).fill(mine.certPem);
    await page.getByLabel('Client key', { exact: true }).fill(other.keyPem);
    await page.getByLabel('CA certificate', { exact: true }).fill(mine.caPem);
    await page.getByLabel('TLS server name').fill('agent.example.com');
    await expect
      .poll(() => agent.fieldError('Client key').innerText())
      .toContain('does not belong to auth.clientCert');
    expect(await agent.fieldError('Client certificate').count()).toBe(0);
    await screenshot(page, 'agent-receptive-mtls-errors');
    await page.getByLabel('JWT signed by kas', { exact: false }).check();
    await agent.fillReceptive('grpcs://agent.example.com:8082');
    const saved = page.getByTestId('receptive-saved');
    await saved.getByText('grpcs://agent.example.com:8082').waitFor();
    expect(await saved.innerText()).toContain('BEGIN PUBLIC KEY');
    await screenshot(page, 'agent-receptive-saved');
  });

  it('shows the activity, connect instructions and overview of the agent', async () => {
    await agent.openTab('activity');
    await page.getByTestId('activity-list').locator('[data-kind="token_created"]').first().waitFor();
    await screenshot(page, 'agent-activity');
    await agent.openTab('connect');
    await page.getByTestId('local-command').waitFor();
    expect(await page.getByRole('tabpanel').innerText()).toContain('--kas-address');
    await screenshot(page, 'agent-connect');
    await agent.openTab('overview');
    // The picture is taken once kas's answer arrived, not while the page still asks.
    await expect
      .poll(() => page.getByTestId('agent-status').getAttribute('data-status'), { timeout: 30_000 })
      .toMatch(/^(connected|disconnected)$/);
    expect(await page.getByTestId('agent-status').innerText()).toMatch(
      /(^|\s)(Connected|Not connected for .+)$/,
    );
    expect(await page.getByTestId('status-reason').innerText()).not.toMatch(/does not report/);
    // agentk-e2e-0 and -1 went away and a new pod came back each time: the timeline shows those reconnects.
    const summary = await page.getByTestId('timeline-summary').innerText();
    expect(summary).toMatch(/^Connected .+ of the last 24 h; \d+ reconnects?/);
    expect(
      await page.locator('[data-testid="connection-timeline"] [data-reconnect]').count(),
    ).toBeGreaterThan(0);
    expect(await page.getByRole('img', { name: /of the last 24 h/ }).count()).toBe(1);
    await screenshot(page, 'agent-overview');
  });

  it('lists the agent on the clusters page and filters as you type', async () => {
    const clusters = new ClustersPage(page);
    await clusters.open();
    await clusters.row(agentName).waitFor();
    await screenshot(page, 'clusters-populated');
    await clusters.filter('no-such-agent');
    await page.getByText('No agent matches').waitFor();
    await clusters.filter('e2e');
    await clusters.row(agentName).waitFor();
    expect(page.url()).toContain('q=e2e');
  });

  it('shows the version policy, personal tokens, users and the audit log', async () => {
    await page.goto('/versions');
    await page.getByTestId('version-policy').getByText('1.36', { exact: true }).waitFor();
    await screenshot(page, 'versions');

    await page.goto('/tokens');
    await page.getByLabel('Name').fill('laptop');
    await page.getByRole('checkbox', { name: /k8s_proxy/ }).check();
    await page.getByRole('button', { name: 'Create token' }).click();
    personalToken = (await page.getByTestId('new-pat').innerText()).trim();
    expect(personalToken).toMatch(/^mpat-/);
    await screenshot(page, 'personal-tokens');

    await page.goto('/admin/users');
    await page.getByRole('cell', { name: adminUsername, exact: true }).waitFor();
    await screenshot(page, 'admin-users');

    await page.goto('/admin/audit');
    await page.getByTestId('audit-table').waitFor();
    await page.getByLabel('Action').fill('no_such_action');
    await page.getByText('No matching entries').waitFor();
    await page.getByLabel('Action').fill('');
    await page.getByTestId('audit-table').waitFor();
    // Part of a name, any case.
    await page.getByLabel('Actor').fill(adminUsername.slice(1).toUpperCase());
    await expect
      .poll(
        async () =>
          new Set(await page.getByTestId('audit-table').locator('tbody td:nth-child(2)').allInnerTexts()),
      )
      .toEqual(new Set([adminUsername]));
    await page.getByLabel('Actor').fill('');
    await screenshot(page, 'admin-audit');
  });

  it('names every page in its title, and answers an unknown address with its own 404 page', async () => {
    for (const [path, title] of [
      ['/', 'Clusters · Mooring'],
      ['/projects', 'Projects · Mooring'],
      ['/groups', 'Groups · Mooring'],
      ['/versions', 'Kubernetes version policy · Mooring'],
      ['/tokens', 'Personal access tokens · Mooring'],
      ['/admin/users', 'Users · Mooring'],
      ['/admin/audit', 'Audit log · Mooring'],
    ] as const) {
      await page.goto(path);
      await expect.poll(() => page.title(), { message: path }).toBe(title);
    }
    await agent.openTab('overview');
    await expect.poll(() => page.title()).toMatch(/^[a-z0-9-]+ · Agent · Mooring$/);
    const missing = await page.goto('/no-such-page');
    expect(missing?.status()).toBe(404);
    expect(await page.title()).toBe('Page not found · Mooring');
    await page.getByRole('link', { name: 'Clusters' }).first().waitFor();
    await screenshot(page, 'not-found');
  });

  it('downloads a kubeconfig with a personal access token filled in, and kubectl works with it', async () => {
    await agent.openTab('overview');
    await page.getByRole('button', { name: 'Download kubeconfig' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Personal access token').fill(personalToken);
    await screenshot(page, 'agent-kubeconfig-dialog');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      dialog.getByRole('button', { name: 'Download' }).click(),
    ]);
    const file = path.join(stack.dataDir, 'downloaded.kubeconfig');
    await download.saveAs(file);
    // Through kas's Kubernetes API proxy and the tunnel to the connected agentk, to the real cluster.
    const result = await kubectl(['get', 'namespaces', '-o', 'name'], {
      kubeconfig: file,
      timeoutMs: 60_000,
    });
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('namespace/default');
  }, 90_000);

  it('makes a kubeconfig for every agent in one click, with a k8s_proxy token it mints, and kubectl works', async () => {
    await page.goto('/kubeconfig');
    await expect.poll(() => page.title()).toBe('Get a kubeconfig · Mooring');
    const rows = page.getByTestId('kubeconfig-agents').locator('tbody tr');
    await rows.filter({ hasText: agentName }).waitFor();
    await screenshot(page, 'kubeconfig-page');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Create token and download kubeconfig' }).click(),
    ]);
    await page
      .getByTestId('kubeconfig-made')
      .getByText(/k8s_proxy|expires on/)
      .first()
      .waitFor();
    const file = path.join(stack.dataDir, 'all-agents.kubeconfig');
    await download.saveAs(file);
    const contexts = await kubectl(['config', 'get-contexts', '-o', 'name'], { kubeconfig: file });
    expect(contexts.stdout).toContain(`/${agentName}`);
    const result = await kubectl(
      [
        '--context',
        contexts.stdout.split('\n').find((c) => c.endsWith(`/${agentName}`))!,
        'get',
        'namespaces',
        '-o',
        'name',
      ],
      {
        kubeconfig: file,
        timeoutMs: 60_000,
      },
    );
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('namespace/default');
    await page.goto('/tokens');
    await page
      .getByRole('cell', { name: /^kubeconfig \(\d+ agents?\)$/ })
      .first()
      .waitFor();
  }, 90_000);

  it('sends a user whose session ended to login, then back to the page they were on', async () => {
    const target = `/agents/${agent.agentId}?tab=configuration`;
    await page.goto(target);
    await page.getByLabel('Agent configuration (YAML)').waitFor();
    // The page fetches the other tabs' data ahead; the session ends after that, so no prefetch is what finds out.
    await agent.waitForOtherTabsData();
    // The session ends behind the console's back (expired, or logged out in another tab). Whichever notices first,
    // the click or one of the page's live streams, sends the user to login with the page to come back to.
    await context.clearCookies();
    const pageUrl = (tab: string) => `/agents/${agent.agentId}?tab=${tab}`;
    await page
      .getByRole('tab', { name: 'Tokens' })
      .click({ timeout: 5_000 })
      .catch(() => undefined); // already on its way to login: a live stream found out before the click
    await page.waitForURL(/\/login\?next=/);
    const next = decodeURIComponent(new URL(page.url()).searchParams.get('next') ?? '');
    expect([pageUrl('tokens'), pageUrl('configuration')]).toContain(next);
    await new LoginPage(page).logIn(adminUsername, adminPassword);
    await page.waitForURL((url) => `${url.pathname}${url.search}` === next);
    await agent.openTab('tokens');
    await agent.tokenRow('first').waitFor();
  });

  it('renders in dark mode from the system setting', async () => {
    const dark = await newContext(browser, stack.consoleUrl, 'dark');
    await dark.addCookies(await context.cookies());
    const darkPage = await dark.newPage();
    await darkPage.goto(`/agents/${agent.agentId}?tab=tokens`);
    await darkPage.locator('tr[data-token="first"]').waitFor();
    await screenshot(darkPage, 'agent-tokens-dark');
    await dark.close();
  });
});
