// What the console's hop to kas adds to a tRPC call (`pnpm exec tsx bench/console/proxy-hop.ts [--n 200]`): the
// same streamed batch the console's pages send (session.me and agents.list, httpBatchStreamLink's jsonl), straight to kas and
// through the console (real kas, the console's own server around `next start`), interleaved one by one on warm
// keep-alive connections. Prints medians and p90 in ms; asserts nothing.
import http from 'node:http';

import { adminPassword, adminUsername, startStack } from '../../e2e/support/stack';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const N = arg('n', 200);
const WARMUP = 30;

function get(url: string, agent: http.Agent, cookie: string): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent, headers: { cookie, 'trpc-accept': 'application/jsonl' } }, (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode === 200
            ? resolve(performance.now() - started)
            : reject(new Error(`${url}: ${res.statusCode}`)),
        );
      })
      .on('error', reject);
  });
}

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
};

const stack = await startStack();
try {
  const login = await fetch(`${stack.kasUrl}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: adminUsername, password: adminPassword }),
  });
  if (!login.ok) throw new Error(`login failed: ${login.status}`);
  const cookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
  const input = encodeURIComponent(JSON.stringify({ 0: {}, 1: {} }));
  const call = `session.me,agents.list?batch=1&input=${input}`;
  const paths = { direct: `${stack.kasUrl}/trpc/${call}`, console: `${stack.consoleUrl}/api/trpc/${call}` };
  const agents = {
    direct: new http.Agent({ keepAlive: true }),
    console: new http.Agent({ keepAlive: true }),
  };
  const samples: Record<'direct' | 'console', number[]> = { direct: [], console: [] };
  for (let i = 0; i < N + WARMUP; i++) {
    for (const path of i % 2 ? (['direct', 'console'] as const) : (['console', 'direct'] as const)) {
      const ms = await get(paths[path], agents[path], cookie);
      if (i >= WARMUP) samples[path].push(ms);
    }
  }
  const row = (path: 'direct' | 'console') =>
    `| ${path} | ${quantile(samples[path], 0.5).toFixed(2)} | ${quantile(samples[path], 0.9).toFixed(2)} |`;
  process.stdout.write(`| path (${N} calls each, interleaved) | p50 ms | p90 ms |\n|---|---|---|\n`);
  process.stdout.write(`${row('direct')}\n${row('console')}\n`);
  process.stdout.write(
    `console hop adds ${(quantile(samples.console, 0.5) - quantile(samples.direct, 0.5)).toFixed(2)} ms at p50\n`,
  );
} finally {
  await stack.stop();
}
