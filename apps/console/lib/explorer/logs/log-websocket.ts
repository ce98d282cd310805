'use client';
// A pod's log over a WebSocket (the kube-apiserver streams pods/log over one when asked: `binary.k8s.io`, one binary
// message per chunk). Why not fetch: over HTTP/1.1 a browser keeps at most six connections per origin, and a
// followed log holds one for as long as it is read; a selector view follows up to 20 pods, so fetched streams
// queued behind each other and every later request of the page — a navigation included — waited for a log to
// end (docs/decisions.md, "Followed logs ride WebSockets"). WebSockets have their own, much larger, pool.
//
// A browser cannot read why an upgrade was refused, so when the socket fails before it opens, the same request is
// made once with fetch: its answer carries the cluster's status and words (403 RBAC, 404 pod, 503 agent), and if it
// succeeds (something between the browser and the console does not pass WebSockets) its body is read instead.

export const LOG_WEBSOCKET_PROTOCOL = 'binary.k8s.io';

const utf8 = new TextEncoder();

export interface LogWebSocketDeps {
  /** Opens the socket (tests: a fake; the page: `new WebSocket`). */
  open(url: string, protocols: string[]): WebSocket;
  /** The same request over plain HTTP, made only when the socket could not open. */
  fallback(signal: AbortSignal): Promise<Response>;
}

/** Resolves once the log is streaming (or refused): a Response whose body is the log's bytes. */
export function fetchLogOverWebSocket(
  url: string,
  signal: AbortSignal,
  deps: LogWebSocketDeps,
): Promise<Response> {
  return new Promise<Response>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    let socket: WebSocket;
    try {
      socket = deps.open(url, [LOG_WEBSOCKET_PROTOCOL]);
    } catch {
      return resolve(deps.fallback(signal));
    }
    socket.binaryType = 'arraybuffer';
    let opened = false;
    let body: ReadableStreamDefaultController<Uint8Array> | null = null;
    const onAbort = () => {
      socket.close(1000);
      if (!opened) reject(signal.reason);
      body?.error(signal.reason);
      body = null;
    };
    signal.addEventListener('abort', onAbort, { once: true });
    socket.onopen = () => {
      opened = true;
      resolve(
        new Response(
          new ReadableStream<Uint8Array>({
            start(controller) {
              body = controller;
            },
            cancel() {
              body = null;
              socket.close(1000);
            },
          }),
          { status: 200, headers: { 'content-type': 'text/plain' } },
        ),
      );
    };
    socket.onmessage = (event: MessageEvent) => {
      const data = event.data as ArrayBuffer | string;
      body?.enqueue(typeof data === 'string' ? utf8.encode(data) : new Uint8Array(data));
    };
    socket.onclose = (event: CloseEvent) => {
      signal.removeEventListener('abort', onAbort);
      if (!opened) {
        if (!signal.aborted) resolve(deps.fallback(signal));
        return;
      }
      // A clean close is the log's end; anything else is a cut stream, which the session follows again.
      if (event.code === 1000 || event.code === 1005) body?.close();
      else body?.error(new Error(`the log's WebSocket closed with code ${event.code}`));
      body = null;
    };
  });
}
