// Everything kas decides before it dials the agent: the path under the prefix, who the caller is, whether it may use
// the agent, and the Header frame (credentials stripped, Via added, impersonation computed) to send through the tunnel.
import type { ImpersonationConfig } from '@mooring/proto/gen/mooring/kubernetes_api/rpc/rpc';
import { encodeRequestHeader, headersToValues, queryToValues } from '../shared/http-frames';
import {
  accessMode,
  impersonationFor,
  isImpersonationHeader,
  type AuthorizedCaller,
} from '../shared/impersonation';
import { describeError } from '../../shared/streams';
import type { ProxyAuthenticator } from './authenticator';
import { requestBodyLength, type ProxyRequest } from './proxy-http';
import { isWatchRequest } from './watch-resume';
import {
  AGENT_ID_HEADER,
  CREDENTIAL_QUERY_PARAMS,
  CSRF_HEADER,
  CSRF_QUERY,
  ProxyAuthError,
  readCredential,
  type ProxyCredential,
} from './credentials';

/** A request the proxy answers itself with a Kubernetes Status. */
export class ProxyFailure extends Error {
  override readonly name = 'ProxyFailure';
  constructor(
    readonly code: number,
    message: string,
    /** Extra response headers (Retry-After on 429). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export interface PreparedRequest {
  agentId: number;
  credential: ProxyCredential;
  caller: AuthorizedCaller;
  /** The Kubernetes path, below the proxy's prefix. */
  urlPath: string;
  impersonation: ImpersonationConfig | undefined;
  /** Encoded HttpRequest.Header frame. */
  headerFrame: Uint8Array;
  /** Set for a watch (GET, watch=true): how to re-open it from a resourceVersion when its tunnel ends. */
  watch?: { resourceVersion: string | undefined; resumeHeaderFrame(resourceVersion: string): Uint8Array };
}

const STRIPPED_HEADERS = new Set(['authorization', 'cookie', AGENT_ID_HEADER, CSRF_HEADER, 'host']);

export interface PrepareOptions {
  /** MOORING_CONSOLE_URL: the only Origin a browser upgrade may come from. Unset: the proxy's own host. */
  consoleUrl?: string;
}

export async function prepareRequest(
  req: ProxyRequest,
  prefix: string,
  authenticate: ProxyAuthenticator,
  upgrade: boolean,
  options: PrepareOptions = {},
): Promise<PreparedRequest> {
  const url = new URL(req.url ?? '/', 'http://proxy.invalid');
  if (url.pathname !== prefix && !url.pathname.startsWith(`${prefix}/`)) {
    throw new ProxyFailure(
      404,
      `the Kubernetes API proxy serves paths under ${prefix}/, not ${url.pathname}`,
    );
  }
  const urlPath = url.pathname.slice(prefix.length) || '/';
  if (upgrade) checkUpgradeOrigin(req, options.consoleUrl);

  let credential: ProxyCredential;
  let caller: AuthorizedCaller;
  try {
    credential = readCredential(req.headers, req.rawHeaders, credentialQuery(url.searchParams, upgrade, req));
    if (upgrade && credential.kind === 'session' && req.headers.origin === undefined) {
      throw new ProxyAuthError(
        'a session-authenticated upgrade must come from a browser page of the console (it sends an Origin header); use a personal access token from other clients',
      );
    }
    caller = await authenticate(credential);
  } catch (error) {
    if (error instanceof ProxyAuthError) throw new ProxyFailure(401, `Unauthorized: ${error.message}`);
    throw new ProxyFailure(500, `kas could not check the credentials: ${describeError(error)}`);
  }
  if (caller.agentId !== credential.agentId) {
    throw new ProxyFailure(401, 'Unauthorized: the credential does not grant access to this agent');
  }

  const impersonation = impersonationFor(caller);
  const callerImpersonates = Object.keys(req.headers).some(isImpersonationHeader);
  if (impersonation && callerImpersonates) {
    throw new ProxyFailure(
      400,
      `Impersonate-* headers are not allowed: agent ${caller.agentId} gives this caller access_as ` +
        `${accessMode(caller)}, which already impersonates; only access_as agent lets a caller impersonate ` +
        `(drop --as/--as-group or change the agent's configuration)`,
    );
  }

  const header = headersToValues(req.headersDistinct, (name) => !STRIPPED_HEADERS.has(name));
  header['via'] = { value: [...(header['via']?.value ?? []), '1.1 mooring-kas'] };
  if (upgrade) {
    header['connection'] = { value: ['Upgrade'] };
    header['upgrade'] = { value: req.headersDistinct['upgrade'] ?? [] };
  }
  const contentLength = requestBodyLength(req);
  const encode = (params: URLSearchParams) =>
    encodeRequestHeader(
      {
        method: req.method ?? 'GET',
        urlPath,
        query: queryToValues(params, CREDENTIAL_QUERY_PARAMS),
        header,
        contentLength,
      },
      impersonation,
    );
  const headerFrame = encode(url.searchParams);
  const watch =
    !upgrade && contentLength === 0 && isWatchRequest(req.method, url)
      ? {
          resourceVersion: url.searchParams.get('resourceVersion') ?? undefined,
          resumeHeaderFrame(resourceVersion: string) {
            const params = new URLSearchParams(url.searchParams);
            params.set('resourceVersion', resourceVersion);
            // The initial events were already streamed; the resumed watch starts after them.
            params.delete('sendInitialEvents');
            params.delete('resourceVersionMatch');
            return encode(params);
          },
        }
      : undefined;
  return { agentId: caller.agentId, credential, caller, urlPath, impersonation, headerFrame, watch };
}

/**
 * The CSRF token may travel in the URL only on WebSocket upgrades (browsers cannot set headers on them); anywhere
 * else a URL is logged, cached and leaked by Referer, so the header is required.
 */
function credentialQuery(params: URLSearchParams, upgrade: boolean, req: ProxyRequest): URLSearchParams {
  if (upgrade || !params.has(CSRF_QUERY)) return params;
  if (req.headers[CSRF_HEADER] === undefined) {
    throw new ProxyAuthError(
      `the ${CSRF_QUERY} query parameter is accepted only on WebSocket upgrades; send the CSRF token in the X-Csrf-Token header`,
    );
  }
  const without = new URLSearchParams(params);
  without.delete(CSRF_QUERY);
  return without;
}

/**
 * A browser opening a WebSocket sends its page's Origin: it must be the console (MOORING_CONSOLE_URL) or, when that
 * is unset, this proxy's own host. Stops another site from riding a signed-in user's cookie (cross-site WebSocket
 * hijacking). Clients that send no Origin (kubectl) are not browsers and authenticate with tokens.
 */
function checkUpgradeOrigin(req: ProxyRequest, consoleUrl: string | undefined): void {
  const origin = req.headers.origin;
  if (origin === undefined) return;
  let allowed: boolean;
  try {
    const parsed = new URL(origin);
    allowed = consoleUrl
      ? parsed.origin === new URL(consoleUrl).origin
      : parsed.host.toLowerCase() === (req.headers.host ?? '').toLowerCase();
  } catch {
    allowed = false;
  }
  if (!allowed) {
    throw new ProxyFailure(
      403,
      consoleUrl
        ? `upgrades are accepted only from the console's origin ${new URL(consoleUrl).origin} (MOORING_CONSOLE_URL), not from ${origin.slice(0, 200)}`
        : `upgrades are accepted only from pages on this host (${req.headers.host ?? 'unknown'}); set MOORING_CONSOLE_URL to allow the console's origin, not ${origin.slice(0, 200)}`,
    );
  }
}
