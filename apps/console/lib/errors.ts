import { TRPCClientError } from '@trpc/client';

/** The message kas sent, never a generic "something went wrong". */
export function errorMessage(error: unknown): string {
  // A cut connection surfaces as the fetch's own words ("signal is aborted without reason", "Failed to fetch").
  if (isConnectionLoss(error) && !isBadGateway(error))
    return 'no answer from the console server; the console retries on its own and reloads this when the connection is back';
  if (error instanceof TRPCClientError)
    return error.message || `kas answered ${String(error.data?.httpStatus ?? 'without a message')}`;
  if (error instanceof Error) return error.message;
  return String(error);
}

/** Field-level messages, when kas names the field (data.field) or sends zod's flattened errors. */
export function fieldErrors(error: unknown): Record<string, string> {
  if (!(error instanceof TRPCClientError)) return {};
  const data = error.data as
    { field?: string; zodError?: { fieldErrors?: Record<string, string[] | undefined> } } | undefined;
  const out: Record<string, string> = {};
  if (data?.field) out[data.field] = error.message;
  for (const [field, messages] of Object.entries(data?.zodError?.fieldErrors ?? {})) {
    if (messages?.[0]) out[field] = messages[0];
  }
  return out;
}

export function isUnauthorized(error: unknown): boolean {
  return (
    error instanceof TRPCClientError &&
    (error.data?.code === 'UNAUTHORIZED' || error.data?.httpStatus === 401)
  );
}

// Set once the page is on its way to /login, so a second reason (another call failing, the stream ending) does not
// start a second navigation that aborts the first.
let leavingForLogin = false;

/** To /login, and back to this page after signing in. */
export function redirectToLogin(): void {
  if (typeof window === 'undefined' || leavingForLogin || window.location.pathname === '/login') return;
  leavingForLogin = true;
  const next = window.location.pathname + window.location.search;
  window.location.assign(`/login?next=${encodeURIComponent(next)}`);
}

/** Signing out: the page's calls failing with 401 meanwhile must not send it to /login?next= instead. */
export function holdLoginRedirects(): void {
  leavingForLogin = true;
}

function isBadGateway(error: unknown): boolean {
  return error instanceof TRPCClientError && error.data?.code === 'BAD_GATEWAY';
}

/**
 * The request got no answer from kas: the console's proxy could not reach kas (502 BAD_GATEWAY, kas-proxy.ts), or
 * the browser got no tRPC answer at all (fetch failed, stream cut, a 5xx page from something in front).
 */
export function isConnectionLoss(error: unknown): boolean {
  if (!(error instanceof TRPCClientError)) return false;
  return isBadGateway(error) || typeof error.data?.httpStatus !== 'number';
}
