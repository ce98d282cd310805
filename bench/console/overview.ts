// Clusters overview in Chromium with 1,000 registered agents: time to first row and to interactive (the
// filter answers), from navigation start, over several warm page loads. Prints figures; asserts nothing.
// Goals from issue 6: first row ≤ 300 ms, interactive ≤ 1.5 s.
// Run: pnpm exec tsx bench/console/overview.ts   (BENCH_AGENTS, BENCH_LOADS to change the sizes)
// BENCH_CONNECTED of them (default 500) are connected: real agentk instances (no cluster) in a child process.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { launchChromium, newContext, screenshot } from '../../e2e/support/browser';
import { adminPassword, adminUsername, startStack } from '../../e2e/support/stack';

const AGENTS = Number(process.env.BENCH_AGENTS ?? 1000);
const LOADS = Number(process.env.BENCH_LOADS ?? 7);
const CONNECTED = Number(process.env.BENCH_CONNECTED ?? 500);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const started = Date.now();
  const stack = await startStack();
  console.log(
    `[bench] kas ${stack.kasUrl}, console ${stack.consoleUrl} up in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  const browser = await launchChromium();
  let agents: ChildProcess | undefined;
  try {
    const login = await fetch(`${stack.kasUrl}/api/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: adminUsername, password: adminPassword }),
    });
    const { csrfToken } = (await login.json()) as { csrfToken: string };
    const cookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
    // Plain tRPC-over-HTTP mutations (POST /trpc/<path> with the input as the body).
    const mutate = async <T>(path: string, input: unknown): Promise<T> => {
      const response = await fetch(`${stack.kasUrl}/trpc/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken },
        body: JSON.stringify(input),
      });
      const body = (await response.json()) as { result?: { data: T }; error?: { message: string } };
      if (!body.result) throw new Error(`${path}: ${body.error?.message ?? response.status}`);
      return body.result.data;
    };
    const group = await mutate<{ id: number }>('groups.create', { name: 'Bench', path: 'bench' });
    const projects = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        mutate<{ id: number }>('projects.create', {
          groupId: group.id,
          name: `Fleet ${i}`,
          path: `fleet-${i}`,
        }),
      ),
    );
    const t0 = Date.now();
    const agentIds: number[] = [];
    for (let i = 0; i < AGENTS; i += 50) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(50, AGENTS - i) }, (_, j) =>
          mutate<{ id: number }>('agents.register', {
            projectId: projects[(i + j) % projects.length]!.id,
            name: `agent-${String(i + j).padStart(4, '0')}`,
          }),
        ),
      );
      agentIds.push(...batch.map((a) => a.id));
    }
    console.log(`[bench] registered ${AGENTS} agents in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    if (CONNECTED > 0) {
      const t1 = Date.now();
      const tokens: string[] = [];
      for (let i = 0; i < CONNECTED; i += 50) {
        const batch = await Promise.all(
          Array.from({ length: Math.min(50, CONNECTED - i) }, (_, j) =>
            mutate<{ secret: string }>('agentTokens.create', { agentId: agentIds[i + j]!, name: 'bench' }),
          ),
        );
        tokens.push(...batch.map((b) => b.secret));
      }
      const tokensFile = path.join(stack.dataDir, 'bench-tokens.json');
      writeFileSync(tokensFile, JSON.stringify(tokens), { mode: 0o600 });
      const here = path.dirname(fileURLToPath(import.meta.url));
      agents = spawn(
        process.execPath,
        [
          '--import', 'tsx', path.join(here, 'agents-connected.ts'),
          `grpcs://127.0.0.1:${stack.kas.ports.agent}`,
          path.join(stack.dataDir, 'tls', 'agent-api', 'ca.crt'),
          tokensFile,
        ], // prettier-ignore
        { cwd: path.join(here, '..'), stdio: ['ignore', 'pipe', 'inherit'] },
      );
      await new Promise<void>((resolve, reject) => {
        agents!.stdout!.on('data', (d: Buffer) => d.toString().includes('started') && resolve());
        agents!.once('exit', (code) => reject(new Error(`agents child exited with ${code}`)));
      });
      console.log(
        `[bench] ${CONNECTED} real agentk instances connected in ${((Date.now() - t1) / 1000).toFixed(1)} s`,
      );
    }

    const context = await newContext(browser, stack.consoleUrl);
    const [name, value] = cookie.split('=') as [string, string];
    await context.addCookies([{ name, value, url: stack.consoleUrl }]);
    const page = await context.newPage();
    const firstRow: number[] = [];
    const interactive: number[] = [];
    for (let load = 0; load <= LOADS; load++) {
      const navStart = Date.now();
      await page.goto('/', { waitUntil: 'commit' });
      await page.locator('tr[data-agent]').first().waitFor();
      const rowAt = Date.now() - navStart;
      const rendered = await page.evaluate<number>("document.querySelectorAll('tr[data-agent]').length");
      const target = `agent-${String(AGENTS - 1).padStart(4, '0')}`;
      await page.getByLabel('Filter clusters').fill(target);
      await page.waitForFunction("document.querySelectorAll('tr[data-agent]').length === 1");
      const readyAt = Date.now() - navStart;
      if (load === 1) {
        await page.getByLabel('Filter clusters').fill('');
        await page.locator('tr[data-agent]').nth(20).waitFor();
        console.log(
          `[bench] connected rows shown: ${await page.locator('tr[data-status="connected"]').count()} of those in view`,
        );
        console.log(`[bench] screenshot ${await screenshot(page, 'bench-overview-1000')}`);
      }
      if (load === 0) {
        console.log(`[bench] cold load (not counted): first row ${rowAt} ms, interactive ${readyAt} ms`);
        continue;
      }
      firstRow.push(rowAt);
      interactive.push(readyAt);
      if (load === 1)
        console.log(
          `[bench] agent rows in the DOM before filtering: ${rendered} of ${AGENTS} (virtualised above 200)`,
        );
    }
    console.log(`[bench] clusters overview, ${AGENTS} agents, ${LOADS} warm loads in Chromium (1280×800):`);
    console.log(
      `[bench]   time to first row:   median ${median(firstRow)} ms, min ${Math.min(...firstRow)}, max ${Math.max(...firstRow)}  (goal ≤ 300 ms)`,
    );
    console.log(
      `[bench]   time to interactive: median ${median(interactive)} ms, min ${Math.min(...interactive)}, max ${Math.max(...interactive)}  (goal ≤ 1500 ms)`,
    );
  } finally {
    agents?.kill('SIGKILL');
    await browser.close();
    await stack.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
