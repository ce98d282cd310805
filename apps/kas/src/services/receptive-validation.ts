// The rules for a receptive endpoint, in one place: `receptive.save` enforces them and `receptive.validate`
// reports them to the console's form as the user types, so the form never holds a second copy.
// Every problem is reported (not just the first), keyed by the field the API names (`url`, `auth.clientKey`).
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';

export type ReceptiveAuthDraft =
  | {
      type: 'jwt';
      rotateKey?: boolean | undefined;
      /** How kas checks agentk's certificate when it dials (as for mTLS). */
      caCert?: string | undefined;
      serverName?: string | undefined;
    }
  | {
      type: 'mtls';
      clientCert: string;
      clientKey?: string | undefined;
      caCert?: string | undefined;
      serverName?: string | undefined;
    };

export interface ReceptiveDraft {
  url: string;
  auth: ReceptiveAuthDraft;
}

/** A DNS host name: labels of letters, digits and inner hyphens, at most 253 characters. */
const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;
export function isDnsName(host: string): boolean {
  return host.length > 0 && host.length <= 253 && host.split('.').every((label) => DNS_LABEL.test(label));
}

const EXAMPLE = 'for example grpcs://agent.example.com:8082';

/** The URL problem, or null. `raw` is what the user typed. */
export function receptiveUrlProblem(raw: string): string | null {
  const text = raw.trim();
  if (!text) return `enter the address kas dials, ${EXAMPLE}`;
  if (text.length > 2048) return 'must be at most 2048 characters';
  if (!/^grpcs?:\/\//i.test(text)) return `must start with grpc:// or grpcs://, ${EXAMPLE}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // The WHATWG parser refuses ports above 65535, spaces and bad IPv6 literals.
    return `is not a valid URL (check the host and a port between 1 and 65535), ${EXAMPLE}`;
  }
  if (url.username || url.password)
    return 'must not contain credentials (user:password@): kas authenticates with a JWT or mutual TLS, and a URL is shown to everyone who can see the agent';
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  if (!isIP(host) && !isDnsName(host))
    return `has an invalid host name “${url.hostname}”: use letters, digits, - and . (or an IP address), ${EXAMPLE}`;
  if (!url.port) return 'needs a port, e.g. :8082 (agentk’s receptive listener)';
  // The parser refuses ports above 65535 but keeps 0.
  if (Number(url.port) < 1) return 'needs a port between 1 and 65535, e.g. :8082';
  if (url.pathname !== '' && url.pathname !== '/') return 'must not have a path; kas dials host:port';
  if (url.search || text.includes('?')) return 'must not have a query (?…); kas dials host:port';
  if (url.hash || text.includes('#')) return 'must not have a fragment (#…); kas dials host:port';
  return null;
}

/** The URL as stored and shown: scheme, host and port only. Call after `receptiveUrlProblem` returned null. */
export function normalizeReceptiveUrl(raw: string): string {
  const url = new URL(raw.trim());
  return `${url.protocol}//${url.host.toLowerCase()}`;
}

/** A stored URL for display; hides credentials that rows saved before this check may still hold. */
export function redactReceptiveUrl(stored: string): string {
  try {
    const url = new URL(stored);
    if (!url.username && !url.password) return stored;
    return `${url.protocol}//***@${url.host}`;
  } catch {
    return stored;
  }
}

function parseCert(pem: string): X509Certificate | null {
  try {
    return new X509Certificate(pem);
  } catch {
    return null;
  }
}

function parseKey(pem: string): KeyObject | null {
  try {
    return createPrivateKey(pem);
  } catch {
    return null;
  }
}

/**
 * Every problem of the draft, keyed by field. `storedClientKeyPem` is the key kas already holds (the form may
 * leave the key empty to keep it); it must match a new certificate too.
 */
export function receptiveDraftProblems(
  draft: ReceptiveDraft,
  storedClientKeyPem: string | null = null,
): Record<string, string> {
  const problems: Record<string, string> = {};
  const urlProblem = receptiveUrlProblem(draft.url);
  if (urlProblem) problems.url = `url ${urlProblem}`;
  const auth = draft.auth;
  serverCheckProblems(auth, problems);
  if (auth.type !== 'mtls') return problems;

  const cert = auth.clientCert.trim() ? parseCert(auth.clientCert) : null;
  if (!cert)
    problems['auth.clientCert'] = auth.clientCert.trim()
      ? 'auth.clientCert is not a valid PEM certificate; paste the whole -----BEGIN CERTIFICATE----- … END block'
      : 'auth.clientCert is required for mutual TLS: the certificate kas presents to agentk (PEM)';
  let key: KeyObject | null = null;
  if (auth.clientKey?.trim()) {
    key = parseKey(auth.clientKey);
    if (!key)
      problems['auth.clientKey'] =
        'auth.clientKey is not a valid PEM private key; paste the whole -----BEGIN PRIVATE KEY----- … END block';
  } else if (storedClientKeyPem) {
    key = parseKey(storedClientKeyPem);
  } else {
    problems['auth.clientKey'] =
      'auth.clientKey is required for mutual TLS: the client certificate’s private key (PEM)';
  }
  if (cert && key && !cert.checkPrivateKey(key))
    problems['auth.clientKey'] = auth.clientKey?.trim()
      ? 'auth.clientKey does not belong to auth.clientCert; paste the key the certificate was issued for'
      : 'auth.clientCert does not match the key kas holds; paste the new certificate’s key too';
  return problems;
}

/** The CA and server name kas checks agentk's certificate with (both auth modes). */
function serverCheckProblems(auth: ReceptiveAuthDraft, problems: Record<string, string>): void {
  if (auth.caCert?.trim() && !parseCert(auth.caCert))
    problems['auth.caCert'] =
      'auth.caCert is not a valid PEM certificate; paste the CA that signed agentk’s server certificate';
  const serverName = auth.serverName?.trim();
  if (serverName && !isDnsName(serverName))
    problems['auth.serverName'] =
      'auth.serverName must be the host name in agentk’s server certificate, e.g. agent.example.com';
}
