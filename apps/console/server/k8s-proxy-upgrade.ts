// WebSocket upgrades on `/api/k8s-proxy/<agent id>/…` (exec, attach, port-forward over v5.channel.k8s.io and the
// older protocols): Next cannot carry them, so the console's server (serve.ts) opens a TLS connection to kas's
// Kubernetes API proxy (its CA pinned), writes the browser's request head there (Host and the agent id rewritten,
// the cookie, Origin and CSRF query parameter kept for kas to check) and pipes both ways until either side ends.
import http, { type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { kubeStatusBody } from '@mooring/modules/kubernetes_api/shared/kube-status';
import { listenForErrors } from '@mooring/modules/shared/streams';
import { kubernetesProxyEndpoint, ProxyEndpointError } from './k8s-proxy-endpoint';
import { AGENT_ID_HEADER, DROPPED_REQUEST_HEADERS } from './k8s-proxy-http';
import { parseProxyTarget, ProxyTargetError, upstreamTarget } from './k8s-proxy-target';
import { tlsOptionsFor, unreachableMessage } from './k8s-proxy-tls';

/** Until kas's proxy answers the upgrade, both sockets are timed; an open session is then left to kas's checks. */
export const UPGRADE_ANSWER_TIMEOUT_MS = 30_000;
/** The head written to kas: what Node's parser let in plus the few headers the console adds. */
export const MAX_UPSTREAM_HEAD_BYTES = http.maxHeaderSize + 1024;

const KEPT_HOP_HEADERS = new Set(['connection', 'upgrade']);

export function writeUpgradeStatus(socket: Duplex, code: number, message: string): void {
  const body = kubeStatusBody(code, message);
  socket.end(
    `HTTP/1.1 ${code} ${http.STATUS_CODES[code] ?? ''}\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n` +
      `connection: close\r\n\r\n${body.toString()}`,
  );
}

export async function relayUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
  listenForErrors(socket);
  socket.on('timeout', () => socket.destroy());
  (socket as Duplex & { setTimeout?: (ms: number) => void }).setTimeout?.(UPGRADE_ANSWER_TIMEOUT_MS);
  let target;
  try {
    target = parseProxyTarget(req.url ?? '/');
  } catch (error) {
    if (error instanceof ProxyTargetError) return writeUpgradeStatus(socket, 400, error.message);
    throw error;
  }
  let endpoint;
  try {
    endpoint = await kubernetesProxyEndpoint();
  } catch (error) {
    if (error instanceof ProxyEndpointError) return writeUpgradeStatus(socket, error.code, error.message);
    throw error;
  }
  if (socket.destroyed) return;

  let text = `${req.method ?? 'GET'} ${upstreamTarget(endpoint.url, target.rest)} HTTP/1.1\r\nhost: ${endpoint.url.host}\r\n`;
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!;
    const lower = name.toLowerCase();
    if (DROPPED_REQUEST_HEADERS.has(lower) && !KEPT_HOP_HEADERS.has(lower)) continue;
    text += `${name}: ${req.rawHeaders[i + 1]!}\r\n`;
  }
  text += `${AGENT_ID_HEADER}: ${target.agentId}\r\n\r\n`;
  const upstreamHead = Buffer.from(text, 'latin1');
  if (upstreamHead.length > MAX_UPSTREAM_HEAD_BYTES)
    return writeUpgradeStatus(
      socket,
      400,
      `the upgrade request's head is ${upstreamHead.length} bytes; the console forwards at most ${MAX_UPSTREAM_HEAD_BYTES}`,
    );

  const upstream = tls.connect(tlsOptionsFor(endpoint));
  upstream.setTimeout(UPGRADE_ANSWER_TIMEOUT_MS);
  let answered = false;
  upstream.on('timeout', () => {
    if (!answered)
      writeUpgradeStatus(
        socket,
        504,
        `kas's Kubernetes API proxy at ${endpoint.url.origin} did not answer the upgrade within ${UPGRADE_ANSWER_TIMEOUT_MS / 1000} s; check kas's logs`,
      );
    upstream.destroy();
  });
  upstream.once('error', (error) => {
    if (!answered) writeUpgradeStatus(socket, 502, unreachableMessage(endpoint, error));
    else socket.destroy();
  });
  upstream.once('secureConnect', () => {
    upstream.write(upstreamHead);
    if (head.length) upstream.write(head);
    socket.pipe(upstream);
  });
  upstream.once('data', () => {
    // kas answered (101 or its own Status): from now on the session lives as long as both ends keep it.
    answered = true;
    upstream.setTimeout(0);
    (socket as Duplex & { setTimeout?: (ms: number) => void }).setTimeout?.(0);
  });
  upstream.pipe(socket);
  upstream.once('close', () => socket.destroy());
  socket.once('close', () => upstream.destroy());
}
