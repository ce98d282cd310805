// How the browser's address travels from the console's server (serve.ts) to its kas proxy (kas-proxy.ts), which
// run in one process: serve.ts writes the header on every request after dropping the browser's copy, and marks the
// process so kas-proxy.ts knows the header is its own. Without serve.ts (a bare `next start`) the header could only
// have come from the browser, so it is never forwarded.
export const CLIENT_ADDRESS_HEADER = 'x-mooring-client-address';

const written = Symbol.for('mooring.console.clientAddressWritten');

export function markClientAddressWritten(): void {
  (globalThis as Record<symbol, unknown>)[written] = true;
}

/** The browser's address serve.ts wrote, or undefined when this process does not run serve.ts. */
export function clientAddressOf(headers: Headers): string | undefined {
  if ((globalThis as Record<symbol, unknown>)[written] !== true) return undefined;
  return headers.get(CLIENT_ADDRESS_HEADER) ?? undefined;
}
