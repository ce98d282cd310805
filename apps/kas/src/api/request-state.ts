import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../logger';
import type { ApiError } from './errors';
import { contextUser } from './pipeline';
import type {
  AuthenticatedContext,
  CookieOptions,
  KasInfo,
  Principal,
  PublicContext,
  ResponseControl,
} from './operation';
import type { KasServices } from './services-adapter';

/** What the console API listener learns about a request before REST or tRPC sees it. */
export interface RequestState {
  traceId: string;
  logger: Logger;
  principal: Principal;
  /** Set when the presented credential was invalid; raised by the first authenticated call. */
  authError: ApiError | undefined;
  csrfHeader: string | undefined;
  /** Metrics label; REST and tRPC refine it once they know the route. */
  route: string;
  /** The client's address: the peer, or what a configured console said the browser's is (client-address.ts). */
  clientAddress: string;
  /** Set-Cookie carries Secure (MOORING_CONSOLE_URL is https). */
  secureCookies: boolean;
}

const states = new WeakMap<IncomingMessage, RequestState>();

export function setRequestState(req: IncomingMessage, state: RequestState): void {
  states.set(req, state);
}

export function getRequestState(req: IncomingMessage): RequestState {
  const state = states.get(req);
  if (!state)
    throw new Error('console API request has no state; was it routed through createConsoleApiServer?');
  return state;
}

/** `secure`: the console is served over https (MOORING_CONSOLE_URL), so the browser must never send it over http. */
export function cookieHeader(
  name: string,
  value: string,
  options: CookieOptions = {},
  secure = false,
): string {
  const parts = [`${name}=${encodeURIComponent(value)}`, 'Path=/', 'HttpOnly', 'SameSite=Lax'];
  if (secure) parts.push('Secure');
  if (options.maxAgeSeconds !== undefined) parts.push(`Max-Age=${Math.floor(options.maxAgeSeconds)}`);
  return parts.join('; ');
}

export function responseControl(res: ServerResponse, secureCookies = false): ResponseControl {
  const append = (value: string) => {
    const existing = res.getHeader('set-cookie');
    const list = Array.isArray(existing) ? existing : existing ? [String(existing)] : [];
    res.setHeader('set-cookie', [...list, value]);
  };
  return {
    setCookie: (name, value, options) => append(cookieHeader(name, value, options, secureCookies)),
    clearCookie: (name) => append(cookieHeader(name, '', { maxAgeSeconds: 0 }, secureCookies)),
  };
}

export function handlerContext(
  req: IncomingMessage,
  res: ServerResponse,
  state: RequestState,
  services: KasServices,
  kas: KasInfo,
): PublicContext | AuthenticatedContext {
  return {
    services,
    principal: state.principal,
    user: contextUser(state.principal) as AuthenticatedContext['user'],
    remoteAddress: state.clientAddress,
    userAgent: req.headers['user-agent'],
    traceId: state.traceId,
    logger: state.logger,
    response: responseControl(res, state.secureCookies),
    kas,
  };
}

export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  if (!header) return cookies;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    const name = part.slice(0, eq).trim();
    const raw = part.slice(eq + 1).trim();
    try {
      cookies.set(name, decodeURIComponent(raw));
    } catch {
      cookies.set(name, raw);
    }
  }
  return cookies;
}
