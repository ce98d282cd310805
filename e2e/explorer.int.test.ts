// The cluster explorer in a real Chromium, as a developer whose RBAC covers one namespace (issue 14, "Done
// means"): the namespace opens with its workloads and pods live — `kubectl scale` from outside makes rows appear and
// go without a reload — the drawer opens an object; another namespace and the nodes list are not offered, and the
// forbidden namespace's objects appear in no response the browser receives. The clusters overview shows the
// cluster's summary (its pods counted as the developer sees them) linking into the explorer, and the Custom resources
// view offers the CRD the agent's configuration watches.
import { randomBytes } from 'node:crypto';

import { setPodExec } from '@mooring/kube-dev';
import { kubeCluster, kubectl } from '@mooring/kube-dev/testing';
import type { Browser, BrowserContext, Page, Response } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { DEFAULT_RESOURCES, resourceId } from '@mooring/modules/object_watch/shared/resources';
import { until } from '@mooring/modules/shared/testing/until';

import { clusterHref, execHref, objectHref } from '../apps/console/lib/explorer/urls';
import { LoginPage } from './pages/login-page';
import { launchChromium, newContext, screenshot } from './support/browser';
import { kubectlOk, startDeveloperWorld, type DeveloperWorld } from './support/developer-world';
import { startStack, type Stack } from './support/stack';

describe('explorer: a cluster as a developer', () => {
  let stack: Stack;
  let world: DeveloperWorld;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  /** Every response body the browser got, and every server-sent event message. */
  const seen: string[] = [];
  const streamed: string[] = [];
  const record = (response: Response) => {
    void response
      .text()
      .then((text) => seen.push(text))
      .catch(() => undefined);
  };

  // A CRD of this run only (CRDs are cluster-wide; other files share the cluster), watched by the agent.
  const crdGroup = `e2e-${randomBytes(3).toString('hex')}.mooring.test`;
  const crdId = `${crdGroup}/v1/widgets`;

  const podRows = () => page.getByRole('table', { name: /Pods in/ }).getByRole('row');
  const podCount = async () => (await podRows().count()) - 1;

  beforeAll(async () => {
    stack = await startStack();
    // Installed before agentk starts, so its informer finds the CRD at once (an unknown one is looked at every 30 s).
    await kubectlOk(['apply', '-f', '-'], {
      stdin: JSON.stringify({
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: `widgets.${crdGroup}` },
        spec: {
          group: crdGroup,
          scope: 'Namespaced',
          names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
          versions: [
            {
              name: 'v1',
              served: true,
              storage: true,
              schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
            },
          ],
        },
      }),
    });
    await kubectlOk(['wait', '--for=condition=Established', `crd/widgets.${crdGroup}`, '--timeout=60s']);
    world = await startDeveloperWorld(stack, 'explorer', {
      objectWatchResources: [...DEFAULT_RESOURCES.map((r) => resourceId(r)), crdId],
    });
    // `edit` does not cover a new CRD: the developer may read widgets in their namespace by a Role of their own.
    await kubectlOk([
      'create',
      'role',
      'widget-reader',
      '-n',
      world.namespace,
      '--verb=get,list,watch',
      `--resource=widgets.${crdGroup}`,
    ]);
    await kubectlOk([
      'create',
      'rolebinding',
      'widget-reader',
      '-n',
      world.namespace,
      '--role=widget-reader',
      `--user=mooring:user:${world.username}`,
    ]);
    await kubectlOk(['apply', '-f', '-'], {
      stdin: JSON.stringify({
        apiVersion: `${crdGroup}/v1`,
        kind: 'Widget',
        metadata: { name: 'first-widget', namespace: world.namespace },
        spec: { size: 3 },
      }),
    });
    await kubectlOk([
      'create',
      'deployment',
      'web',
      '-n',
      world.namespace,
      '--image=registry.invalid/web:1',
      '--replicas=2',
    ]);
    await kubectlOk([
      'create',
      'deployment',
      'hidden-db',
      '-n',
      world.forbiddenNamespace,
      '--image=registry.invalid/db:1',
    ]);
    await kubectlOk([
      'create',
      'configmap',
      'hidden-settings',
      '-n',
      world.forbiddenNamespace,
      '--from-literal=k=v',
    ]);
    browser = await launchChromium();
    context = await newContext(browser, stack.consoleUrl);
    page = await context.newPage();
    page.setDefaultTimeout(30_000);
    page.on('response', record);
    // Live lists are server-sent events whose responses never end: their messages come from the DevTools protocol.
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    cdp.on('Network.eventSourceMessageReceived', (event: { data: string }) => {
      seen.push(event.data);
      streamed.push(event.data);
    });
    await page.goto('/login');
    await new LoginPage(page).logIn(world.username, world.password);
    await page.waitForURL((url) => url.pathname === '/');
    // The URL changes before the page has hydrated; a click on a link before then can be lost (CI saw the
    // Explorer click leave the page on Clusters once). The live indicator shows the page runs.
    await page.locator('[data-live-state="live"]').waitFor();
  }, 300_000);

  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail' && page)
      await screenshot(page, `failed-explorer-${ctx.task.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}`);
  });

  afterAll(async () => {
    await browser?.close();
    await world?.stop();
    await stack?.stop();
  });

  it("shows the cluster's summary in the overview, counting only the developer's pods, and links into its pods", async () => {
    // The summary counts what agentk's cache holds when asked; ask once the two pods of web run.
    await until(
      'the two pods of web Running',
      async () =>
        (
          await kubectlOk(['get', 'pods', '-n', world.namespace, '-o', 'jsonpath={.items[*].status.phase}'])
        ).trim() === 'Running Running',
      60_000,
    );
    const row = page.locator(`tr[data-agent="${world.agentName}"]`);
    const podsBadge = row.locator('[data-summary="pods"]');
    // An answer is kept 15 s in the page; a reload asks again if the first one came before the pods ran.
    await until(
      "the overview counting the two pods (and not the forbidden namespace's one)",
      async () => {
        await page.reload();
        await podsBadge.waitFor();
        return (await podsBadge.innerText()).includes('2 pods');
      },
      90_000,
    );
    const summary = row.getByRole('list', { name: `Health of ${world.agentName}` });
    await summary.getByText('2 Running').waitFor();
    // A row shows short words; each link's name is the whole sentence.
    expect(
      await summary.getByRole('link', { name: /^\d+ not ready: \d+ workloads? not ready$/ }).count(),
    ).toBe(1);
    expect(await summary.getByRole('link', { name: /^\d+ warnings? in the last hour$/ }).count()).toBe(1);
    await screenshot(page, 'overview-cluster-summary');
    await podsBadge.click();
    await page.waitForURL(
      (url) => url.pathname === `/explorer/${world.agentId}` && url.searchParams.get('view') === 'pods',
    );
    await page.getByRole('table', { name: /Pods in/ }).waitFor();
  });

  it('lands on my namespaces and opens mine, offering neither the other namespace nor nodes', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'Explorer' }).first().click();
    await page.getByRole('heading', { name: 'My namespaces' }).waitFor();
    // The landing's cards show the same summary (the overview's answer, from the page's cache).
    await page.locator('[data-summary="pods"]').first().waitFor();
    await screenshot(page, 'explorer-home');
    await page.getByRole('link', { name: world.namespace, exact: true }).click();
    await page
      .getByRole('table', { name: `Deployments in namespace ${world.namespace}` })
      .getByText('web')
      .first()
      .waitFor();
    const options = await page.getByLabel('Namespace').locator('option').allInnerTexts();
    expect(options).toContain(world.namespace);
    expect(options).not.toContain(world.forbiddenNamespace);
    expect(
      await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'Nodes' }).count(),
    ).toBe(0);
    await screenshot(page, 'explorer-workloads');
  });

  it('shows pods appear and go as kubectl scales the deployment, without a reload', async () => {
    await page.goto(clusterHref(world.agentId, { view: 'pods', ns: world.namespace }));
    await expect.poll(podCount, { timeout: 60_000 }).toBe(2);
    const marker = await page.evaluate(
      () => ((globalThis as unknown as { marker: number }).marker = Math.random()),
    );
    const started = Date.now();
    await kubectlOk(['scale', 'deployment', 'web', '-n', world.namespace, '--replicas=4']);
    await expect.poll(podCount, { timeout: 60_000 }).toBe(4);
    console.log(`explorer: kubectl scale 2→4 reached the list in ${Date.now() - started} ms`);
    await kubectlOk(['scale', 'deployment', 'web', '-n', world.namespace, '--replicas=1']);
    await expect.poll(podCount, { timeout: 60_000 }).toBe(1);
    // The same page: no reload happened.
    expect(await page.evaluate(() => (globalThis as unknown as { marker: number }).marker)).toBe(marker);
    await screenshot(page, 'explorer-pods');
  });

  it('filters as you type and opens an object in the drawer', async () => {
    await page.goto(clusterHref(world.agentId, { view: 'workloads', ns: world.namespace }));
    const table = page.getByRole('table', { name: `Deployments in namespace ${world.namespace}` });
    await table.getByText('web').first().waitFor();
    await page.getByLabel('Filter').fill('nothing-matches');
    await page.getByText('0 of 1 objects match').waitFor();
    await page.getByLabel('Filter').fill('');
    await table.getByRole('button', { name: 'web', exact: true }).click();
    await page.getByRole('complementary', { name: 'web details' }).waitFor();
    expect(new URL(page.url()).searchParams.get('open')).toBe(`apps/v1/deployments|${world.namespace}|web`);
    await page.keyboard.press('Escape');
    await page.getByRole('complementary', { name: 'web details' }).waitFor({ state: 'detached' });
  });

  it("opens a deployment's details with its status in words, its children and the actions the developer may take", async () => {
    await page.goto(
      clusterHref(world.agentId, {
        view: 'workloads',
        ns: world.namespace,
        object: { resource: 'apps/v1/deployments', namespace: world.namespace, name: 'web' },
      }),
    );
    const drawer = page.getByRole('complementary', { name: 'web details' });
    await drawer
      .getByText(/ReplicaSet/)
      .first()
      .waitFor();
    const actions = drawer.getByRole('group', { name: /Actions on/ });
    await actions.getByRole('button', { name: 'Scale' }).waitFor();
    await screenshot(page, 'explorer-drawer-deployment');
  });

  it('deletes a pod after a confirmation naming it and the cluster, and its replacement appears', async () => {
    await page.goto(clusterHref(world.agentId, { view: 'pods', ns: world.namespace }));
    await expect.poll(podCount, { timeout: 60_000 }).toBe(1);
    const table = page.getByRole('table', { name: /Pods in/ });
    const name = (await table.getByRole('row').nth(1).getByRole('button').first().innerText()).trim();
    await table.getByRole('button', { name, exact: true }).click();
    const drawer = page.getByRole('complementary', { name: `${name} details` });
    await drawer.getByRole('button', { name: 'Delete' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText(world.agentName).waitFor();
    await screenshot(page, 'explorer-confirm-delete');
    await dialog.getByRole('button', { name: 'Delete pod' }).click();
    await dialog.getByText(/accepted the deletion/).waitFor();
    await dialog.getByRole('button', { name: 'Close' }).click();
    await table.getByRole('button', { name, exact: true }).waitFor({ state: 'detached', timeout: 60_000 });
    await expect.poll(podCount, { timeout: 60_000 }).toBe(1);
    expect((await table.getByRole('row').nth(1).getByRole('button').first().innerText()).trim()).not.toBe(
      name,
    );
  });

  it('opens a terminal in a pod and runs a command', async () => {
    const pod = (
      await kubectlOk(['get', 'pods', '-n', world.namespace, '-o', 'jsonpath={.items[0].metadata.name}'])
    ).trim();
    await page.goto(execHref(world.agentId, { ns: world.namespace, pod }));
    const terminal = page.getByRole('application', { name: /Terminal in container/ });
    await terminal.waitFor();
    await terminal.click();
    await page.locator('.xterm-rows').getByText(/\$|#/).first().waitFor({ timeout: 30_000 });
    await page.keyboard.type('echo mooring-$((6*7))\n');
    await page.locator('.xterm-rows').getByText('mooring-42').waitFor({ timeout: 30_000 });
    await screenshot(page, 'explorer-terminal');
  });

  it('says the container has no shell when neither bash nor sh can start', async () => {
    // kwok v0.7.0 looks a command up on its own PATH (Go's exec.Command), not on the Exec rule's, so no rule hides
    // bash from it. A rule whose working directory does not exist makes every command fail to start with "no such
    // file or directory", as a runtime says of a program the image lacks (`stat /bin/bash: no such file or
    // directory`) — both shells fail the way they would in a distroless container.
    const begun = Date.now();
    const cluster = kubeCluster();
    await kubectlOk(['run', 'no-shell', '--image=registry.invalid/distroless:1', '-n', world.namespace]);
    await kubectlOk([
      'wait',
      '--for=condition=Ready',
      'pod/no-shell',
      '-n',
      world.namespace,
      '--timeout=60s',
    ]);
    await setPodExec(cluster, {
      namespace: world.namespace,
      pod: 'no-shell',
      workDir: `${cluster.execWorkDir}/no-such-dir`,
    });
    // kwok learns of the rule through a watch: wait until exec into the pod fails to start.
    await until(
      () => 'kwok to apply the no-shell Exec rule',
      async () =>
        (await kubectl(['exec', 'no-shell', '-n', world.namespace, '--', 'sh'])).stderr.includes(
          'no such file',
        ),
      30_000,
    );
    await page.goto(execHref(world.agentId, { ns: world.namespace, pod: 'no-shell' }));
    const alert = page.getByRole('alert').filter({ hasText: 'has no shell' });
    await alert.waitFor({ timeout: 30_000 });
    const text = await alert.innerText();
    expect(text).toContain('The container no-shell has no shell');
    expect(text).toContain('Tried bash, then sh');
    expect(text).toContain(`kubectl debug -it -n ${world.namespace} no-shell`);
    await page.getByRole('button', { name: 'Reconnect' }).waitFor();
    await screenshot(page, 'explorer-terminal-no-shell');
    console.log(`explorer: the no-shell message showed ${Date.now() - begun} ms after the pod was created`);
  });

  it('looks right dark and at phone width, and shows an empty view as what to do', async () => {
    const dark = await newContext(browser, stack.consoleUrl, 'dark');
    const darkPage = await dark.newPage();
    darkPage.on('response', record);
    await darkPage.goto('/login');
    await new LoginPage(darkPage).logIn(world.username, world.password);
    await darkPage.waitForURL((url) => url.pathname === '/');
    const darkSummary = darkPage.locator(`tr[data-agent="${world.agentName}"] [data-summary="pods"]`);
    await darkSummary.waitFor();
    await screenshot(darkPage, 'overview-summary-dark');
    await darkPage.goto(clusterHref(world.agentId, { view: 'pods', ns: world.namespace }));
    await darkPage.getByRole('table', { name: /Pods in/ }).waitFor();
    await screenshot(darkPage, 'explorer-pods-dark');
    await darkPage.setViewportSize({ width: 390, height: 844 });
    await screenshot(darkPage, 'explorer-pods-phone-dark');
    await darkPage.goto(clusterHref(world.agentId, { view: 'network', ns: world.namespace }));
    await darkPage.getByText(`No services in namespace ${world.namespace}`).waitFor();
    await screenshot(darkPage, 'explorer-empty-phone-dark');
    await darkPage.goto('/');
    await darkSummary.waitFor();
    await screenshot(darkPage, 'overview-summary-phone-dark');
    await darkPage.goto(clusterHref(world.agentId, { view: 'crd', ns: world.namespace, resource: crdId }));
    await darkPage.getByRole('table', { name: `Widgets in namespace ${world.namespace}` }).waitFor();
    await screenshot(darkPage, 'explorer-crd-phone-dark');
    await dark.close();
  });

  it('offers the CRD the agent watches in Custom resources and opens its list; a deep link opens it too', async () => {
    await page.goto(clusterHref(world.agentId, { view: 'crd', ns: world.namespace }));
    const picker = page.getByRole('navigation', { name: 'Watched custom resources' });
    await picker
      .getByRole('link', { name: new RegExp(`Widgets ${crdGroup.replace(/\./g, '\\.')}/v1`) })
      .click();
    const table = page.getByRole('table', { name: `Widgets in namespace ${world.namespace}` });
    await table.getByText('first-widget').waitFor();
    expect(new URL(page.url()).searchParams.get('resource')).toBe(crdId);
    await screenshot(page, 'explorer-crd-picker');
    await page.goto(clusterHref(world.agentId, { view: 'crd', ns: world.namespace, resource: crdId }));
    await table.getByText('first-widget').waitFor();
    expect(await picker.locator('a[aria-current="page"]').innerText()).toContain('Widgets');
  });

  it('never sent the browser anything of the forbidden namespace', async () => {
    // The pages above listed every namespace the developer may see, workloads, pods and the landing's summary.
    await page.goto(clusterHref(world.agentId, { view: 'config' }));
    await page.getByRole('table', { name: /ConfigMaps in any namespace/ }).waitFor();
    // Finished responses reach `seen` a moment after they end; wait for the ConfigMaps list's own stream message.
    await expect.poll(() => streamed.some((m) => m.includes('"snapshot"'))).toBe(true);
    expect(seen.length).toBeGreaterThan(10);
    // The capture works: the developer's own namespace came through the live streams.
    expect(streamed.some((m) => m.includes(world.namespace))).toBe(true);
    const leaks = seen.filter(
      (body) => body.includes(world.forbiddenNamespace) || body.includes('hidden-db'),
    );
    expect(leaks.map((b) => b.slice(0, 300))).toEqual([]);
  });

  // Last: it asks for the forbidden namespace on purpose (the leak check above has run).
  it("says the forbidden namespace's object may not be seen, and offers no delete button", async () => {
    await page.goto(
      objectHref(world.agentId, {
        resource: 'apps/v1/deployments',
        namespace: world.forbiddenNamespace,
        name: 'hidden-db',
      }),
    );
    await page.getByText('You may not see this object').waitFor();
    expect(await page.getByRole('button', { name: 'Delete' }).count()).toBe(0);
    await screenshot(page, 'explorer-object-forbidden');
  });

  it('opens no terminal where RBAC denies pods/exec, and says what to ask for', async () => {
    await page.goto(execHref(world.agentId, { ns: world.forbiddenNamespace, pod: 'hidden-db' }));
    const alert = page.getByRole('alert').filter({ hasText: 'does not allow a terminal' });
    await alert.waitFor();
    expect(await alert.innerText()).toContain(
      `create pods/exec in the namespace ${world.forbiddenNamespace}`,
    );
    expect(await page.getByRole('application', { name: /Terminal in container/ }).count()).toBe(0);
    await screenshot(page, 'explorer-terminal-forbidden');
  });
});
