// One dial of agentk's receptive listener, step by step — the dialer's links and Test connection both use it, so the
// form tests exactly what the dialer will do: resolve (and check the address against the CIDR settings), connect,
// TLS (agentk's certificate checked with the endpoint's CA and server name), then the receptive handshake.
import { isIP } from 'node:net';
import tls from 'node:tls';
import { ExplainedConnectionError } from '../../shared/connection-failure';
import { MAX_PREFACE_BYTES, PREFACE_OK, PREFACE_TIMEOUT_MS, prefaceLine, readLine } from '../shared/preface';
import type { ReceptiveAddressPolicy } from './address-policy';

export interface ReceptiveDialCredentials {
  url: string;
  auth: 'jwt' | 'mtls';
  serverCheck: { caCert: string | null; serverName: string | null };
  mtls?: { clientCert: string; clientKey: string };
}

/** The steps of a dial, in order; Test connection names each. */
export const DIAL_STEPS = ['resolve', 'connect', 'tls', 'handshake'] as const;
export type DialStep = (typeof DIAL_STEPS)[number];

/** Resolve + connect + TLS give up after this (a black-holed address would otherwise wait for the OS, minutes). */
export const DIAL_TIMEOUT_MS = 10_000;

export interface DialAgentkOptions {
  policy: ReceptiveAddressPolicy;
  /** A fresh JWT for the handshake (JWT mode). */
  jwt(): Promise<string | null>;
  /** Test connection: agentk checks the credential and closes, leaving its serving link alone. */
  probe?: boolean;
  /** False: stop after TLS (Test connection of a JWT endpoint whose key pair is made on its first save). */
  handshake?: boolean;
  /** Runs after TLS, before the handshake; a throw ends the dial (the dialer checks it still holds the lease). */
  beforeHandshake?: () => Promise<void>;
  /** Called as each step succeeds. */
  onStep?: (step: DialStep) => void;
  timeoutMs?: number;
}

/** Dials agentk and completes the handshake; resolves with the TLS socket, ready for HTTP/2. */
export async function dialAgentk(
  creds: ReceptiveDialCredentials,
  o: DialAgentkOptions,
): Promise<tls.TLSSocket> {
  const url = new URL(creds.url);
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const serverName = creds.serverCheck.serverName ?? (isIP(host) ? undefined : host);
  const literal = isIP(host) !== 0;
  if (literal) {
    o.policy.checkLiteral(host);
    o.onStep?.('resolve');
  }
  const socket = tls.connect({
    host,
    port: Number(url.port),
    ...(!literal && { lookup: o.policy.lookup(() => o.onStep?.('resolve')) }),
    ...(serverName && { servername: serverName }),
    ...(creds.serverCheck.caCert && { ca: creds.serverCheck.caCert }),
    ...(creds.mtls && { cert: creds.mtls.clientCert, key: creds.mtls.clientKey }),
    // An IP endpoint with a server name: check the certificate against the name, not the IP.
    ...(serverName && { checkServerIdentity: (_h, cert) => tls.checkServerIdentity(serverName, cert) }),
    minVersion: 'TLSv1.2',
  });
  const timeoutMs = o.timeoutMs ?? DIAL_TIMEOUT_MS;
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            Object.assign(new Error(`connect ETIMEDOUT: no TLS connection within ${timeoutMs / 1000} s`), {
              code: 'ETIMEDOUT',
            }),
          ),
        timeoutMs,
      );
      socket.once('connect', () => o.onStep?.('connect'));
      socket.once('secureConnect', () => {
        clearTimeout(timer);
        o.onStep?.('tls');
        resolve();
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
    if (o.handshake === false) return socket;
    const jwt = creds.auth === 'jwt' ? await o.jwt() : null;
    await o.beforeHandshake?.();
    socket.write(prefaceLine(jwt, { probe: o.probe ?? false }));
    const answer = await readLine(socket, MAX_PREFACE_BYTES, PREFACE_TIMEOUT_MS).catch(() => {
      throw new ExplainedConnectionError(
        'handshake_refused',
        creds.auth === 'jwt' ? "agentk refused kas's JWT" : "agentk refused kas's client certificate",
        creds.auth === 'jwt'
          ? "give agentk the public key the console shows for this agent (--receptive-jwt-public-key-file); agentk's log says why it refused"
          : "check that agentk's --receptive-client-ca-file signed the endpoint's client certificate; agentk's log says why it refused",
      );
    });
    if (`${answer}\n` !== PREFACE_OK)
      throw new ExplainedConnectionError(
        'handshake_refused',
        'the endpoint did not answer the receptive handshake',
        'check that the URL names agentk --receptive-listen-address (default port 8082), not another service',
      );
    o.onStep?.('handshake');
    return socket;
  } catch (error) {
    socket.destroy();
    throw error;
  }
}
