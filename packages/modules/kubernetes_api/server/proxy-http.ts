// The proxy listener serves HTTP/2 and HTTP/1.1 on one port (ALPN); the bridge and prepare-request read one request
// shape and write one response shape. Node's HTTP/2 compatibility objects differ from http's where the proxy relies on
// them, so the listener uses the subclasses below (Node's documented Http2ServerRequest / Http2ServerResponse
// options) to close those gaps, and the helpers read what differs between the two versions.
import http2 from 'node:http2';
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { Writable } from 'node:stream';

/**
 * An HTTP/2 request with `headersDistinct` as http has it (lower-case name → values), without the pseudo-headers
 * (`:method`, `:path`, `:authority`, `:scheme`), which describe the request line and are never forwarded.
 */
export class ProxyHttp2Request extends http2.Http2ServerRequest {
  get headersDistinct(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    const raw = this.rawHeaders;
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = raw[i]!.toLowerCase();
      if (name.startsWith(':')) continue;
      (out[name] ??= []).push(raw[i + 1]!);
    }
    return out;
  }
}

/**
 * An HTTP/2 response that behaves like http's where the bridge depends on it:
 * - `destroyed` reports the stream (Node's compatibility response has no such property, so a gone client looked alive),
 *   and `writableFinished` is false for a stream the client reset (Node's is true), as for an http response cut off;
 * - `destroy()` resets the stream with CANCEL: Node's default reset code is NO_ERROR, which an HTTP/2 client may read
 *   as the normal end of a response cut short (the proxy destroys a response to say "this answer broke off");
 * - `writeHead` drops the reason phrase, which HTTP/2 does not carry (Node warns on every process that passes one).
 */
export class ProxyHttp2Response extends http2.Http2ServerResponse<ProxyHttp2Request> {
  override destroy(error?: Error): this {
    if (!this.stream.closed) this.stream.close(http2.constants.NGHTTP2_CANCEL);
    super.destroy(error);
    return this;
  }

  override writeHead(
    statusCode: number,
    reasonOrHeaders?: string | OutgoingHttpHeaders,
    headers?: OutgoingHttpHeaders,
  ): this {
    return super.writeHead(statusCode, typeof reasonOrHeaders === 'string' ? headers : reasonOrHeaders);
  }
}

// Accessors where the typings declare plain properties (TypeScript refuses to override one with the other).
Object.defineProperties(ProxyHttp2Response.prototype, {
  destroyed: {
    get(this: ProxyHttp2Response) {
      return this.stream.destroyed;
    },
  },
  // A reset stream ends its writable side too (Node's Http2Stream), so Node's writableFinished turns true when
  // the client went away: the proxy reads it as "answered completely" and would not cancel the agent's call.
  writableFinished: {
    get(this: ProxyHttp2Response) {
      return this.stream.writableFinished && !this.stream.aborted;
    },
  },
});

export type ProxyRequest = IncomingMessage | ProxyHttp2Request;
/** What the proxy writes an answer to: http's ServerResponse or ProxyHttp2Response. */
export type ProxyResponse = Writable & {
  readonly headersSent: boolean;
  writeHead(statusCode: number, reason: string | undefined, headers: OutgoingHttpHeaders): unknown;
  flushHeaders(): void;
};

/**
 * The request body's length for the tunnel's Header frame: Content-Length when given, -1 for a body of unknown
 * length (HTTP/1.1 chunked, or an HTTP/2 stream that did not end with its headers), 0 for none.
 */
export function requestBodyLength(req: ProxyRequest): number {
  const declared = req.headers['content-length'];
  if (declared !== undefined) return Number(declared);
  if (req instanceof ProxyHttp2Request) return req.stream.endAfterHeaders ? 0 : -1;
  return req.headers['transfer-encoding'] !== undefined ? -1 : 0;
}

/**
 * True when the client went away before its body ended. http's request fails with an error then; Node's HTTP/2
 * request ends as if the body were complete and only marks itself aborted.
 */
export function bodyBrokeOff(req: ProxyRequest): boolean {
  return req instanceof ProxyHttp2Request ? req.aborted : !req.complete;
}

/** Response headers HTTP/2 allows once only (Node refuses to write a second value); checked before relaying. */
const SINGLE_VALUE_HEADERS = new Set([
  'access-control-allow-credentials',
  'access-control-max-age',
  'access-control-request-method',
  'age',
  'authorization',
  'content-encoding',
  'content-language',
  'content-length',
  'content-location',
  'content-md5',
  'content-range',
  'content-type',
  'date',
  'dnt',
  'etag',
  'expires',
  'from',
  'host',
  'if-match',
  'if-modified-since',
  'if-none-match',
  'if-range',
  'if-unmodified-since',
  'last-modified',
  'location',
  'max-forwards',
  'proxy-authorization',
  'range',
  'referer',
  'retry-after',
  'tk',
  'upgrade-insecure-requests',
  'user-agent',
  'x-content-type-options',
]);

/** A header with several values that HTTP/2 allows only once (for either protocol: the answer must not depend on it). */
export function repeatsSingleValueHeader(name: string, values: readonly string[]): boolean {
  return values.length > 1 && SINGLE_VALUE_HEADERS.has(name.toLowerCase());
}
