// kas's Kubernetes API proxy listener (default port 8154, prefix /k8s-proxy): a plain Kubernetes API over HTTPS that
// authenticates the caller, then forwards the request to the agent's KubernetesApi.MakeRequest through the tunnel.
// One TLS port offers HTTP/2 and HTTP/1.1 (ALPN): kubectl and client-go multiplex their requests over one HTTP/2
// connection; upgrades (exec, attach, port-forward over SPDY or WebSocket) always come over HTTP/1.1 connections.
import http from 'node:http';
import http2 from 'node:http2';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Duplex } from 'node:stream';
import { Registry } from 'prom-client';
import {
  AgentNotConnectedError,
  AgentStreamLimitError,
  type AgentDialer,
  type OutgoingCall,
} from '../../reverse_tunnel/shared/tunnel-api';
import { KUBERNETES_API_MAKE_REQUEST } from '../shared/methods';
import {
  boundHttp2Server,
  boundRejectedBodies,
  DEFAULT_LISTENER_TIMEOUTS,
  httpTimeoutOptions,
  type ListenerTimeouts,
} from '../../shared/listener-timeouts';
import { isUpgradeRequest, upgradeProtocol } from '../shared/http-frames';
import { describeError, listenForErrors } from '../../shared/streams';
import type { ProxyAuthenticator } from './authenticator';
import { bridgeHttp, bridgeUpgrade, sendStatus, writeRawStatus } from './bridge';
import { ProxyAuthError } from './credentials';
import { prepareRequest, ProxyFailure, type PreparedRequest } from './prepare-request';
import { ProxyHttp2Request, ProxyHttp2Response, type ProxyRequest, type ProxyResponse } from './proxy-http';
import { proxyMetrics, statusCodeLabel, type ProxyMetrics } from './proxy-metrics';
import { credentialRateKey, unlimited, type RateLimiter } from './rate-limit';
import { generateSelfSignedTls } from '../../shared/certificates';
import { trackConnections } from '../../shared/graceful-close';
import { DEFAULT_MAX_CONCURRENT_STREAMS } from './settings';
import {
  DEFAULT_EXEC_SESSIONS_PER_USER,
  execSessionLimiter,
  isExecPath,
  sessionOwner,
} from './exec-sessions';
import type { ProxyTls, ProxyTlsSource } from './tls';

export interface ProxyLog {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface KubernetesApiProxyOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 8154; 0 picks a free port. */
  port?: number;
  /**
   * Server certificate and the CA clients trust, or a source asked again every `tlsRefreshMs` (a rotated file or a
   * renewed self-signed certificate is served from then on). Omitted: a throwaway self-signed CA.
   */
  tls?: ProxyTls | ProxyTlsSource;
  /** How often a TLS source is asked again; default 1 h. */
  tlsRefreshMs?: number;
  dialer: AgentDialer;
  authenticate: ProxyAuthenticator;
  metricsRegistry?: Registry;
  /** Default /k8s-proxy. */
  pathPrefix?: string;
  /** How long a request waits for a tunnel of its agent; default 20 s. */
  routingTimeoutMs?: number;
  /** Long requests re-check their credential this often and end when it is revoked; default 10 s. */
  credentialRecheckMs?: number;
  log?: ProxyLog;
  /** Socket time limits; watches and upgrades are not limited once their request is read. */
  timeouts?: ListenerTimeouts;
  /** MOORING_CONSOLE_URL: the Origin browser upgrades must come from (unset: this proxy's own host). */
  consoleUrl?: string;
  /** Requests per credential (default: none). */
  rateLimiter?: RateLimiter;
  /** HTTP/2 streams one connection may have open at once (MOORING_PROXY_HTTP2_MAX_STREAMS); default 250. */
  maxConcurrentStreams?: number;
  /** Exec and attach sessions one person may have open at once (MOORING_PROXY_USER_EXEC_SESSIONS); default 20. */
  execSessionsPerUser?: number;
}

export interface KubernetesApiProxy {
  port: number;
  /** e.g. https://127.0.0.1:8154/k8s-proxy */
  url: string;
  /** The CA to embed in kubeconfigs; null when the certificate chains to the system roots. */
  readonly caPem: string | null;
  /** The effective re-check period of long requests. */
  credentialRecheckMs: number;
  metrics: ProxyMetrics;
  /** Asks the TLS source again and serves what it returns from the next handshake on (the timer calls this). */
  refreshTls(): Promise<void>;
  /**
   * Re-checks the credential of every open long request (watch, log stream, exec) now, ending those revoked: kas calls
   * it on each access change it announces (sign-out, a disabled user, a revoked token), so a terminal does not stay
   * open until the next periodic re-check.
   */
  recheckCredentials(): void;
  /** Exec and attach sessions `owner` (`user:<id>`) has open. */
  execSessions(owner: string): number;
  /**
   * Drains: stops accepting, answers HTTP/1.1 keep-alive clients with `Connection: close` and sends HTTP/2 clients
   * GOAWAY (they reconnect, through a load balancer to another replica), lets requests in flight finish for up to
   * `graceMs` (default 0: cut at once), then ends what is still open. Called again, returns the same promise.
   */
  stop(graceMs?: number): Promise<void>;
  /** Open client connections, for the drain's log lines. */
  connections(): number;
}

export const DEFAULT_PROXY_PORT = 8154;
/** The one default (docs/kubernetes-api-proxy.md says it): how often long requests re-check their credential. */
export const DEFAULT_CREDENTIAL_RECHECK_MS = 10_000;
export const DEFAULT_TLS_REFRESH_MS = 3600_000;
/**
 * HTTP/2's header list limit: the bytes HTTP/1.1 allows (Node's --max-http-header-size, 16 KiB by default) plus
 * HTTP/2's accounting of 32 bytes per field for up to 64 fields, so a request that fits one fits the other.
 */
const MAX_HEADER_LIST_SIZE = http.maxHeaderSize + 64 * 32;

export async function startKubernetesApiProxy(
  options: KubernetesApiProxyOptions,
): Promise<KubernetesApiProxy> {
  const host = options.host ?? '127.0.0.1';
  const prefix = (options.pathPrefix ?? '/k8s-proxy').replace(/\/$/, '');
  const routingTimeoutMs = options.routingTimeoutMs ?? 20_000;
  const recheckMs = options.credentialRecheckMs ?? DEFAULT_CREDENTIAL_RECHECK_MS;
  const given = options.tls ?? generateSelfSignedTls([host]);
  const tlsSource: ProxyTlsSource = typeof given === 'function' ? given : () => given;
  let tls = await tlsSource();
  const metrics = proxyMetrics(options.metricsRegistry ?? new Registry());
  const log = options.log;
  const active = new Set<{ close(): void }>();
  const timeouts = options.timeouts ?? DEFAULT_LISTENER_TIMEOUTS;
  const rateLimiter = options.rateLimiter ?? unlimited;
  const execSessions = execSessionLimiter(options.execSessionsPerUser ?? DEFAULT_EXEC_SESSIONS_PER_USER);
  /** The credential checks of open long requests, for recheckCredentials. */
  const rechecks = new Set<() => void>();

  /** Authenticates, then charges the caller's credential one request of its budget. */
  async function prepare(req: ProxyRequest, upgrade: boolean): Promise<PreparedRequest> {
    const prepared = await prepareRequest(req, prefix, options.authenticate, upgrade, {
      consoleUrl: options.consoleUrl,
    });
    // Without a limit the credential's key (a SHA-256 of its secret) is not worth computing.
    if (rateLimiter === unlimited) return prepared;
    const decision = await rateLimiter.take(credentialRateKey(prepared.credential));
    if (!decision.allowed) {
      metrics.rateLimited.inc();
      throw new ProxyFailure(
        429,
        `this credential made more requests in the last minute than kas allows (MOORING_TOKEN_RATE_LIMIT_PER_MINUTE); retry in ${decision.retryAfterSeconds} s`,
        { 'retry-after': String(decision.retryAfterSeconds) },
      );
    }
    return prepared;
  }

  async function dial(prepared: PreparedRequest, signal: AbortSignal): Promise<OutgoingCall> {
    const started = performance.now();
    const wait = (outcome: string) =>
      metrics.routingWait.observe({ outcome }, (performance.now() - started) / 1000);
    try {
      const call = await options.dialer.openCall(prepared.agentId, KUBERNETES_API_MAKE_REQUEST, {
        signal,
        timeoutMs: routingTimeoutMs,
      });
      wait('found');
      return call;
    } catch (error) {
      if (error instanceof AgentNotConnectedError) {
        wait('not_connected');
        throw new ProxyFailure(503, error.message);
      }
      if (error instanceof AgentStreamLimitError) {
        wait('limit');
        throw new ProxyFailure(429, error.message);
      }
      wait('error');
      if (signal.aborted) throw new ProxyFailure(499, 'the client went away while kas looked for a tunnel');
      throw new ProxyFailure(
        502,
        `kas could not open a call to agent ${prepared.agentId}: ${describeError(error)}`,
      );
    }
  }

  /** Ends a long request when its credential is revoked (checked through the authenticator and its cache). */
  function watchCredential(prepared: PreparedRequest, end: () => void): () => void {
    let ended = false;
    const recheck = () => {
      options.authenticate(prepared.credential).then(
        () => undefined,
        (error: unknown) => {
          if (!(error instanceof ProxyAuthError) || ended) return;
          ended = true;
          log?.info({ agent_id: prepared.agentId }, 'credential revoked; ending the proxied request');
          end();
        },
      );
    };
    const timer = setInterval(recheck, recheckMs);
    timer.unref();
    rechecks.add(recheck);
    return () => {
      clearInterval(timer);
      rechecks.delete(recheck);
    };
  }

  async function onRequest(req: ProxyRequest, res: ProxyResponse): Promise<void> {
    const abort = new AbortController();
    // Only a client that went away cancels: after a complete response the agent's Trailer is still on its way,
    // and cancelling then would end a tunnel stream that can carry the next request.
    res.on('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    let code: number;
    try {
      const prepared = await prepare(req, false);
      // Not an upgrade, so not a session; but a refusal here is what the browser terminal reads to say why its
      // WebSocket was refused (a browser cannot read the answer to a refused upgrade).
      if (isExecPath(prepared.urlPath)) execSessions.check(sessionOwner(prepared.caller));
      const call = await dial(prepared, abort.signal);
      call.sendMessage(prepared.headerFrame);
      const entry = { close: () => res.destroy() };
      active.add(entry);
      const unwatch = watchCredential(prepared, () => {
        call.cancel('credential revoked');
        res.destroy();
      });
      try {
        const watch = prepared.watch;
        const resume = watch && {
          resourceVersion: watch.resourceVersion,
          reopen: async (resourceVersion: string) => {
            const next = await dial(prepared, abort.signal);
            next.sendMessage(watch.resumeHeaderFrame(resourceVersion));
            metrics.watchResumes.inc();
            log?.info(
              { agent_id: prepared.agentId, resource_version: resourceVersion },
              'the tunnel carrying a watch ended; resumed the watch through a fresh tunnel',
            );
            return next;
          },
        };
        const retry = async () => {
          const next = await dial(prepared, abort.signal);
          next.sendMessage(prepared.headerFrame);
          return next;
        };
        code = (await bridgeHttp(prepared.agentId, call, req, res, resume, retry)).code;
      } finally {
        unwatch();
        active.delete(entry);
      }
    } catch (error) {
      code = failureCode(error);
      if (code !== 499) sendStatus(res, code, failureMessage(error), failureHeaders(error));
      logFailure(error, code);
    }
    if (code) metrics.requests.inc({ code: statusCodeLabel(code) });
  }

  async function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    listenForErrors(socket);
    if (!isUpgradeRequest(req.headersDistinct)) {
      writeRawStatus(
        socket,
        400,
        'the proxy only relays "Connection: Upgrade" requests with an Upgrade header',
      );
      return;
    }
    const abort = new AbortController();
    socket.on('close', () => abort.abort());
    const protocol = upgradeProtocol(req.headers.upgrade);
    let code: number;
    let release = () => {};
    try {
      const prepared = await prepare(req, true);
      if (isExecPath(prepared.urlPath)) release = execSessions.open(sessionOwner(prepared.caller));
      const call = await dial(prepared, abort.signal);
      call.sendMessage(prepared.headerFrame);
      const entry = { close: () => socket.destroy() };
      active.add(entry);
      const unwatch = watchCredential(prepared, () => {
        call.cancel('credential revoked');
        socket.destroy();
      });
      try {
        code = (
          await bridgeUpgrade(prepared.agentId, call, socket, head, () => metrics.upgrades.inc({ protocol }))
        ).code;
      } finally {
        unwatch();
        active.delete(entry);
      }
    } catch (error) {
      code = failureCode(error);
      if (code !== 499) writeRawStatus(socket, code, failureMessage(error), failureHeaders(error));
      logFailure(error, code);
    } finally {
      release();
    }
    if (code) metrics.requests.inc({ code: statusCodeLabel(code) });
  }

  function logFailure(error: unknown, code: number): void {
    if (code >= 500 && code !== 503)
      log?.warn({ err: describeError(error), code }, 'Kubernetes API proxy request failed');
  }

  const limits = httpTimeoutOptions(timeouts, 0);
  const server = http2.createSecureServer({
    cert: tls.certPem,
    key: tls.keyPem,
    allowHTTP1: true,
    Http2ServerRequest: ProxyHttp2Request,
    Http2ServerResponse: ProxyHttp2Response,
    handshakeTimeout: limits.handshakeTimeout,
    settings: {
      maxConcurrentStreams: options.maxConcurrentStreams ?? DEFAULT_MAX_CONCURRENT_STREAMS,
      maxHeaderListSize: MAX_HEADER_LIST_SIZE,
    },
    // Node's defaults, stated: streams refused over maxConcurrentStreams (REFUSED_STREAM) and invalid frames a
    // session may send before it is closed, so a client cannot keep kas busy refusing or parsing.
    maxSessionRejectedStreams: 100,
    maxSessionInvalidFrames: 1000,
  });
  // Watches, logs -f and upgraded connections may stay open for hours: only reading headers, refused bodies,
  // idle keep-alive (HTTP/2: a connection with no open stream) and the TLS handshake are timed (requestTimeout 0
  // leaves streamed uploads alone).
  boundHttp2Server(server, timeouts, 0);
  // Nagle off: an answer that reaches kas in pieces (a routed call's messages arrive one gRPC message at a time; watch
  // events, logs -f) is written in several small writes, and with Nagle each one after the first waited for the
  // client's delayed ACK (~40 ms on Linux; bench/replicas showed it on every routed GET).
  server.on('connection', (socket: Socket) => socket.setNoDelay(true));
  server.on('secureConnection', (socket: TLSSocket) =>
    metrics.connections.inc({ protocol: socket.alpnProtocol === 'h2' ? 'h2' : 'http/1.1' }),
  );

  async function refreshTls(): Promise<void> {
    let next: ProxyTls;
    try {
      next = await tlsSource();
    } catch (error) {
      // Keep serving the current certificate; the next refresh tries again.
      log?.warn({ err: describeError(error) }, 'could not reload the Kubernetes API proxy certificate');
      return;
    }
    if (next.certPem === tls.certPem && next.keyPem === tls.keyPem && next.caPem === tls.caPem) return;
    server.setSecureContext({ cert: next.certPem, key: next.keyPem });
    tls = next;
    log?.info({}, 'Kubernetes API proxy certificate reloaded');
  }
  const tlsTimer = setInterval(() => void refreshTls(), options.tlsRefreshMs ?? DEFAULT_TLS_REFRESH_MS);
  tlsTimer.unref();
  boundRejectedBodies(server, timeouts);
  server.on('request', (req: ProxyRequest, res: ProxyResponse) => void onRequest(req, res));
  // Upgrades arrive on HTTP/1.1 connections only (HTTP/2 has no Upgrade; extended CONNECT is not offered).
  server.on(
    'upgrade',
    (req: IncomingMessage, socket: Duplex, head: Buffer) => void onUpgrade(req, socket, head),
  );
  // No clientError handler: Node's own answers 400, 408 (headers too slow) or 431 (headers too large) and closes.
  // HTTP/2: a stream whose headers exceed the limit is reset (ENHANCE_YOUR_CALM); a broken session is destroyed.
  // After the request and upgrade listeners, so it sees upgrades (in flight until they end, never closed as idle).
  const tracker = trackConnections(server);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULT_PROXY_PORT, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  const url = `https://${urlHost}:${port}${prefix}`;
  log?.info({ port, url }, 'Kubernetes API proxy listening');
  return {
    port,
    url,
    get caPem() {
      return tls.caPem;
    },
    credentialRecheckMs: recheckMs,
    metrics,
    refreshTls,
    recheckCredentials() {
      for (const recheck of rechecks) recheck();
    },
    execSessions: (owner) => execSessions.count(owner),
    connections: () => tracker.connections(),
    async stop(graceMs = 0) {
      clearInterval(tlsTimer);
      const cut = setTimeout(() => {
        for (const entry of active) entry.close();
      }, graceMs);
      cut.unref();
      await tracker.close(graceMs);
      clearTimeout(cut);
    },
  };
}

function failureCode(error: unknown): number {
  return error instanceof ProxyFailure ? error.code : 500;
}

function failureHeaders(error: unknown): Record<string, string> {
  return error instanceof ProxyFailure ? error.headers : {};
}

function failureMessage(error: unknown): string {
  return error instanceof ProxyFailure
    ? error.message
    : `kas failed the proxy request: ${describeError(error)}`;
}
