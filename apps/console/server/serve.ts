// The console's HTTP server: Next.js's request handler behind a Node server of ours, so that
// - every socket has the same time limits as kas's listeners (headers 10 s, refused bodies 30 s, keep-alive 60 s),
//   which `next start` does not let us set;
// - the browser's address reaches kas in X-Mooring-Client-Address, written here from the socket (or from
//   X-Forwarded-For when a configured trusted proxy sent it), after dropping any copy the browser sent.
// - WebSocket upgrades on /api/k8s-proxy/<agent id>/… (exec, attach, port-forward) are piped to kas's Kubernetes
//   API proxy (k8s-proxy-upgrade.ts), which Next's handler cannot do; other upgrades are refused.
// Run by server/start.ts (`node --import tsx server/serve.ts`), or bundled in the standalone build
// (scripts/build/console.ts); settings come from the environment.
import http from 'node:http';
import { isIP } from 'node:net';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import next from 'next';
import {
  boundRejectedBodies,
  httpTimeoutOptions,
  listenerTimeoutsFrom,
} from '@mooring/modules/shared/listener-timeouts';
import { CLIENT_ADDRESS_HEADER, markClientAddressWritten } from './client-address';
import { isProxyTarget } from './k8s-proxy-target';
import { relayUpgrade, writeUpgradeStatus } from './k8s-proxy-upgrade';
import { useStandaloneConfig } from './standalone';

/** Defined (true) only inside a production bundle, by scripts/build/bundles.ts. */
declare const __MOORING_BUNDLE__: boolean | undefined;

const consoleDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function numberFromEnv(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    process.stderr.write(
      `console: ${name} must be a whole number of milliseconds, at least 1 (got "${raw}")\n`,
    );
    process.exit(2);
  }
  return value;
}

function addressesFromEnv(name: string): Set<string> {
  const list = (process.env[name] ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  for (const address of list) {
    if (isIP(address) === 0) {
      process.stderr.write(
        `console: ${name} must list IP addresses separated by commas (got "${address}")\n`,
      );
      process.exit(2);
    }
  }
  return new Set(list.map(normalize));
}

function normalize(address: string): string {
  const lower = address.toLowerCase();
  return lower.startsWith('::ffff:') && isIP(lower.slice(7)) === 4 ? lower.slice(7) : lower;
}

/**
 * The browser's address: the socket's peer, unless that peer is a trusted proxy (MOORING_TRUSTED_PROXIES); then
 * the right-most X-Forwarded-For entry that is not itself a trusted proxy.
 */
export function browserAddress(
  peer: string | undefined,
  forwardedFor: string | string[] | undefined,
  trustedProxies: ReadonlySet<string>,
): string {
  let address = peer ?? 'unknown';
  if (!trustedProxies.has(normalize(address))) return address;
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : (forwardedFor ?? ''))
    .split(',')
    .map((hop) => hop.trim())
    .filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i]!;
    if (isIP(hop) === 0) break;
    address = hop;
    if (!trustedProxies.has(normalize(hop))) break;
  }
  return address;
}

function decodablePath(url: string): boolean {
  try {
    decodeURIComponent(url.split('?')[0] ?? '/');
    return true;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  const host = process.env.HOSTNAME ?? '127.0.0.1';
  const port = Number(process.env.PORT ?? 3000);
  const trustedProxies = addressesFromEnv('MOORING_TRUSTED_PROXIES');
  const timeouts = listenerTimeoutsFrom({
    headersTimeoutMs: numberFromEnv('MOORING_HEADERS_TIMEOUT_MS'),
    rejectedBodyTimeoutMs: numberFromEnv('MOORING_REJECTED_BODY_TIMEOUT_MS'),
    keepAliveTimeoutMs: numberFromEnv('MOORING_KEEP_ALIVE_TIMEOUT_MS'),
    firstCallTimeoutMs: numberFromEnv('MOORING_FIRST_CALL_TIMEOUT_MS'),
  });
  // Bundled (apps/console/.next/standalone/apps/console/server/console.mjs): Next's standalone tree.
  if (typeof __MOORING_BUNDLE__ !== 'undefined') useStandaloneConfig(consoleDir);
  // Next attaches an 'upgrade' listener of its own to the server a first request came through, and it ends every
  // upgrade to an app route; given a server that never listens, ours (below) is the only one that acts.
  const app = next({ dev: false, dir: consoleDir, hostname: host, port, httpServer: http.createServer() });
  await app.prepare();
  const handle = app.getRequestHandler();
  markClientAddressWritten();
  const server = http.createServer(httpTimeoutOptions(timeouts, 0), (req, res) => {
    // Probes (the image's HEALTHCHECK, a kubelet): this server listens only once Next is prepared, so both mean
    // "serving"; answered here, without a page render or a call to kas.
    const probe = (req.url ?? '').split('?')[0];
    if (probe === '/livez' || probe === '/readyz') {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('ok\n');
      return;
    }
    // Next answers a path it cannot decode with a 500; say what is wrong instead.
    if (!decodablePath(req.url ?? '/')) {
      res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(
        'the request path is not valid percent-encoding: every % must be followed by two hex digits of UTF-8\n',
      );
      return;
    }
    const address = browserAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], trustedProxies);
    delete req.headers['x-forwarded-for'];
    req.headers[CLIENT_ADDRESS_HEADER] = address;
    void handle(req, res);
  });
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!isProxyTarget(req.url ?? '/')) {
      writeUpgradeStatus(
        socket,
        404,
        'the console accepts WebSocket upgrades only under /api/k8s-proxy/<agent id>/',
      );
      return;
    }
    relayUpgrade(req, socket, head).catch((error: unknown) => {
      writeUpgradeStatus(
        socket,
        500,
        `the console failed the upgrade: ${error instanceof Error ? error.message : String(error)}`,
      );
    });
  });
  boundRejectedBodies(server, timeouts);
  server.listen(port, host, () => process.stdout.write(`console ready on http://${host}:${port}\n`));
  const stop = () => server.close(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    process.stderr.write(
      `console: could not start: ${error instanceof Error ? error.stack : String(error)}\n`,
    );
    process.exit(1);
  });
}
