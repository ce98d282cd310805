// Streams a browser request to kas and kas's answer back, byte for byte as it arrives.
// A Next rewrite would buffer the body (and cut event streams at 30 s); this hands the upstream
// ReadableStream straight to the Response so SSE frames reach the browser as kas writes them.

import { CLIENT_ADDRESS_HEADER, clientAddressOf } from './client-address';

// Headers that describe one hop, or that fetch() has already acted on (it decompresses bodies).
const dropRequest = new Set([
  'host',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'content-length',
  'accept-encoding',
  // Written by the console's own server (client-address.ts), never taken from the browser.
  CLIENT_ADDRESS_HEADER,
  'x-forwarded-for',
]);
const dropResponse = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-encoding',
  'content-length',
]);

export function kasUrl(): string {
  return (process.env.MOORING_KAS_URL ?? 'http://127.0.0.1:8153').replace(/\/+$/, '');
}

export async function proxyToKas(request: Request, upstreamPath: string): Promise<Response> {
  const incoming = new URL(request.url);
  const target = `${kasUrl()}${upstreamPath}${incoming.search}`;

  const headers = new Headers();
  request.headers.forEach((value, name) => {
    if (!dropRequest.has(name)) headers.set(name, value);
  });
  const clientAddress = clientAddressOf(request.headers);
  if (clientAddress) headers.set(CLIENT_ADDRESS_HEADER, clientAddress);
  headers.set('x-forwarded-host', incoming.host);
  headers.set('x-forwarded-proto', incoming.protocol.replace(':', ''));

  const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
  let upstream: Response;
  try {
    upstream = await fetch(target, {
      method: request.method,
      headers,
      body: hasBody ? request.body : undefined,
      // Needed by Node's fetch to send a streamed request body.
      ...(hasBody ? { duplex: 'half' } : {}),
      redirect: 'manual',
      // The browser going away (tab closed, EventSource reconnect) cancels the call to kas.
      signal: request.signal,
      cache: 'no-store',
    } as RequestInit);
  } catch (error) {
    const reason =
      error instanceof Error
        ? error.cause instanceof Error
          ? error.cause.message
          : error.message
        : String(error);
    const body = {
      error: {
        message: `The console cannot reach kas at ${kasUrl()} (${reason}); check that kas is running and MOORING_KAS_URL points at its console API port (8153).`,
        code: -32603,
        data: { code: 'BAD_GATEWAY', httpStatus: 502 },
      },
    };
    // A batched tRPC call expects one answer per procedure in the path (a,b,c).
    const batch = incoming.searchParams.get('batch') === '1';
    const calls = upstreamPath.split('/').at(-1)?.split(',').length ?? 1;
    return Response.json(batch ? Array.from({ length: calls }, () => body) : body, { status: 502 });
  }

  const responseHeaders = new Headers();
  upstream.headers.forEach((value, name) => {
    if (!dropResponse.has(name) && name !== 'set-cookie') responseHeaders.set(name, value);
  });
  for (const cookie of upstream.headers.getSetCookie()) responseHeaders.append('set-cookie', cookie);
  if ((upstream.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
    responseHeaders.set('cache-control', 'no-cache, no-transform');
    // Tells nginx-style proxies in front of the console not to buffer either.
    responseHeaders.set('x-accel-buffering', 'no');
  }
  return new Response(upstream.body, {
    status: upstream.status,
    statusText: upstream.statusText,
    headers: responseHeaders,
  });
}
