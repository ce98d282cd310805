// The address of the client behind a request. The console (a Next.js server) calls kas on the browser's behalf, so
// kas sees the console's address; the console sends the browser's in X-Mooring-Client-Address (overwriting any copy
// the browser sent). kas believes that header only from the configured console addresses: anyone else could claim
// to be any client and walk around the login throttle or forge audit rows.
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

export const CLIENT_ADDRESS_HEADER = 'x-mooring-client-address';

/** Loopback in every form Node reports it. */
export const LOOPBACK_ADDRESSES: readonly string[] = ['127.0.0.1', '::1', '::ffff:127.0.0.1'];

export function createClientAddress(consoleAddresses: readonly string[] = LOOPBACK_ADDRESSES) {
  const trusted = new Set(consoleAddresses.map(normalize));
  return (req: IncomingMessage): string => {
    const peer = req.socket.remoteAddress ?? 'unknown';
    if (!trusted.has(normalize(peer))) return peer;
    const claimed = req.headers[CLIENT_ADDRESS_HEADER];
    const value = Array.isArray(claimed) ? undefined : claimed?.trim();
    // One well-formed address, or the peer itself: a console never sends lists or junk.
    return value && isIP(value) !== 0 ? value : peer;
  };
}

function normalize(address: string): string {
  const lower = address.toLowerCase();
  return lower.startsWith('::ffff:') && isIP(lower.slice(7)) === 4 ? lower.slice(7) : lower;
}
