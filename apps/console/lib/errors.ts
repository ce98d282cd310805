import { TRPCClientError } from '@trpc/client';

/** The message kas sent, never a generic "something went wrong". */
export function errorMessage(error: unknown): string {
  if (error instanceof TRPCClientError)
    return (
      error.message ||
      (error.data?.httpStatus
        ? `kas answered ${String(error.data.httpStatus)}`
        : // An event stream that failed to open carries no body (e.g. kas does not serve that subscription).
          'kas did not open the event stream (it may not serve this subscription yet)')
    );
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

export function redirectToLogin(): void {
  if (typeof window === 'undefined' || window.location.pathname === '/login') return;
  const next = window.location.pathname + window.location.search;
  window.location.assign(`/login?next=${encodeURIComponent(next)}`);
}
