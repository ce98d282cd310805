// The install instructions as a user follows them: read off the agent's "Connect a cluster" page, the token saved
// the way the page says (pasted into the command's standard input), the local command pasted into bash from the
// repository root — and the page turns Connected. Also: the in-cluster manifest is accepted by a real API server.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { kubeCluster, kubectl } from '@mooring/kube-dev/testing';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { manifest, type AgentInstallFacts } from '../apps/console/components/agent/install';
import { AgentPage } from './pages/agent-page';
import { LoginPage } from './pages/login-page';
import { launchChromium, newContext, screenshot } from './support/browser';
import { kasSession, registerAgent } from './support/kas-api';
import { adminPassword, adminUsername, startStack, type Stack } from './support/stack';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

describe('install instructions, pasted', () => {
  let stack: Stack;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let agent: AgentPage;
  let agentk: ChildProcess | undefined;
  let agentkOutput = '';
  const agentName = `e2e-install-${process.pid}`;
  const tokenFiles: string[] = [];

  beforeAll(async () => {
    stack = await startStack();
    browser = await launchChromium();
    context = await newContext(browser, stack.consoleUrl);
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    const kas = await kasSession(stack.kasUrl, adminUsername, adminPassword);
    const { agentId } = await registerAgent(kas, { group: 'Install', project: 'Infra', agent: agentName });
    agent = new AgentPage(page, agentId);
  }, 300_000);

  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail' && page) {
      await screenshot(page, `install-failed-${ctx.task.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}`);
      if (agentkOutput) console.log(`agentk output:\n${agentkOutput}`);
    }
  });

  afterAll(async () => {
    if (agentk?.pid !== undefined && agentk.exitCode === null) {
      const exited = new Promise((resolve) => agentk!.once('exit', resolve));
      // bash, pnpm, tsx and node: the whole process group the command started.
      process.kill(-agentk.pid, 'SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (agentk.exitCode === null) process.kill(-agentk.pid, 'SIGKILL');
    }
    for (const file of tokenFiles) fs.rmSync(file, { force: true });
    await browser?.close();
    await stack?.stop();
  });

  it('signs in', async () => {
    await page.goto('/login');
    await new LoginPage(page).logIn(adminUsername, adminPassword);
    await page.waitForURL((url) => url.pathname === '/');
  });

  it('says kas listens on loopback only instead of printing a manifest that points pods at 127.0.0.1', async () => {
    await agent.openTab('connect');
    const problem = await page.getByTestId('public-address-problem').innerText();
    expect(problem).toMatch(/MOORING_LISTEN_HOST=0\.0\.0\.0 and MOORING_KAS_URL=grpcs:\/\//);
    expect(await page.getByTestId('manifest').count()).toBe(0);
    // No agent kubeconfig in kas's data dir yet: a visible blank to fill in.
    expect(await page.getByTestId('local-command').innerText()).toMatch(/ --kubeconfig <path>$/);
    await screenshot(page, 'install-connect-loopback');
  });

  it('pastes the shown local command, with the token saved as the page says, and the agent connects', async () => {
    // What `pnpm start` does: the agent's own kubeconfig in <data dir>/demo/ (scripts/demo.ts).
    fs.mkdirSync(path.join(stack.dataDir, 'demo'), { recursive: true });
    fs.copyFileSync(
      kubeCluster().agentKubeconfigPath,
      path.join(stack.dataDir, 'demo', 'agent.kubeconfig.yaml'),
    );

    await agent.openTab('tokens');
    await agent.submitNewToken('laptop');
    const token = await agent.shownTokenValue();
    const dialogText = await page.getByTestId('install-commands').innerText();
    expect(dialogText).not.toContain(token);
    await agent.closeDialog('Done');

    await agent.openTab('connect');
    const saveToken = (await page.getByTestId('save-token-command').innerText()).trim();
    const command = (await page.getByTestId('local-command').innerText()).trim();
    await screenshot(page, 'install-connect-local');
    expect(command).not.toContain(token);
    expect(command).toContain(`--kubeconfig ${path.join(stack.dataDir, 'demo', 'agent.kubeconfig.yaml')}`);
    expect(dialogText).toContain(saveToken);
    expect(dialogText).toContain(command);

    // The token is pasted at the prompt the command leaves (standard input), then Ctrl-D.
    const saved = spawnSync('bash', ['-c', saveToken], { cwd: repoRoot, input: `${token}\n` });
    expect(saved.status, saved.stderr.toString()).toBe(0);
    const file = path.join(repoRoot, `.mooring/${agentName}.agent-token`);
    tokenFiles.push(file);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);

    agentk = spawn('bash', ['-c', command], {
      cwd: repoRoot,
      detached: true,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    agentk.stdout!.on('data', (d: Buffer) => (agentkOutput += d.toString()));
    agentk.stderr!.on('data', (d: Buffer) => (agentkOutput += d.toString()));

    await agent.openTab('overview');
    await expect
      .poll(() => page.getByTestId('agent-status').getAttribute('data-status'), { timeout: 90_000 })
      .toBe('connected');
    expect(agentkOutput).not.toContain(token);
    await screenshot(page, 'install-connected');
  });

  it('revoking the token: agentk says in one line that kas rejected it, and the page lists the refused attempt', async () => {
    await agent.openTab('tokens');
    await page.getByRole('button', { name: 'Revoke token laptop' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
    await page.getByRole('dialog').waitFor({ state: 'hidden' });
    await agent.openTab('connect');
    const refused = page.getByTestId('refused-attempts');
    await refused.waitFor({ timeout: 60_000 });
    expect(await refused.innerText()).toMatch(
      /agentk used token laptop, which is revoked: create a new token/,
    );
    await screenshot(page, 'install-refused');
    await expect
      .poll(() => agentkOutput.match(/"failure":"token_rejected"/g)?.length ?? 0, { timeout: 30_000 })
      .toBeGreaterThan(0);
    expect(agentkOutput).toMatch(
      /cannot connect to kas at grpcs:\/\/127\.0\.0\.1:\d+: kas rejected the token/,
    );
  });

  it("the in-cluster manifest, with kas's CA, is accepted by a real API server", async () => {
    // Through the console's REST proxy, with the signed-in session, as the page itself asks.
    const answer = await page.request.get('/api/v1/agent-install');
    expect(answer.status()).toBe(200);
    const facts = (await answer.json()) as AgentInstallFacts;
    expect(facts.caPem).toMatch(/BEGIN CERTIFICATE/);
    const yaml = manifest(agentName, { ...facts, publicAddress: 'grpcs://kas.example.com:8150' })!;
    const applied = await kubectl(['apply', '--dry-run=server', '-f', '-'], { stdin: yaml });
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(/namespace\/mooring-system .*\(server dry run\)/);
    expect(applied.stdout).toMatch(/deployment\.apps\/mooring-agent-.* created \(server dry run\)/);
  });
});
